/**
 * Writes compose's env file (default .estrena/compose.env, mode 0600, never committed): the MinIO root login for
 * MinIO and its bootstrap, the webhook token, the router's event token, and one login per identity
 * (tools/minio-bootstrap/identities.ts). An existing file keeps its values, since MinIO already runs with them;
 * only missing ones are generated, so a file from an older version gains the new identities.
 *   node dist/tools/compose/env.js [FILE]
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { fillIdentityCredentials, IDENTITIES, IDENTITY_NAMES } from "../../lib/runtime/identities.js";

/** Variables every compose env file holds besides the identities. */
const BASE = {
  MINIO_ROOT_USER: () => `estrena-${randomBytes(4).toString("hex")}`,
  MINIO_ROOT_PASSWORD: () => randomBytes(24).toString("hex"),
  WEBHOOK_AUTH_TOKEN: () => randomBytes(24).toString("hex"),
  // The router presents it on every delivery; the functions refuse events without it.
  EVENT_AUTH_TOKEN: () => randomBytes(24).toString("hex"),
} as const;

export function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1] as string] = m[2] as string;
  }
  return out;
}

/** Creates or completes the env file; returns the names it generated (empty when the file was complete). */
export function writeComposeEnv(file: string): string[] {
  const values: Record<string, string | undefined> = readEnvFile(file);
  const generated: string[] = [];
  for (const [name, fresh] of Object.entries(BASE)) {
    if (!values[name]) {
      values[name] = fresh();
      generated.push(name);
    }
  }
  // MinIO reads the webhook token under its own name; one value, two names.
  values.MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_ESTRENA = values.WEBHOOK_AUTH_TOKEN;
  generated.push(...fillIdentityCredentials(values));
  if (!generated.length && existsSync(file)) return [];
  const lines = [
    `# Written by npm run compose (tools/compose/env.ts) on ${new Date().toISOString()}. Secrets: keep out of git.`,
    "# MinIO and its one-shot bootstrap alone get the root login; every other container gets its own identity.",
    ...Object.keys(BASE).map((k) => `${k}=${values[k]}`),
    `MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_ESTRENA=${values.MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_ESTRENA}`,
    ...IDENTITY_NAMES.flatMap((n) => {
      const id = IDENTITIES[n];
      return [`# ${id.doc}`, `${id.userEnv}=${values[id.userEnv]}`, `${id.secretEnv}=${values[id.secretEnv]}`];
    }),
  ];
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
  return generated;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const file = resolve(process.argv[2] ?? process.env.ESTRENA_COMPOSE_ENV ?? ".estrena/compose.env");
  const generated = writeComposeEnv(file);
  process.stdout.write(
    generated.length ? `compose: wrote ${file} (generated ${generated.length} values)\n` : `compose: ${file} is complete; kept it\n`,
  );
}
