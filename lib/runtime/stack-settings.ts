import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { fillIdentityCredentials, type IdentityCredentials, identityCredentials, identityVariables } from "./identities.js";
import { describe, port, readSettings, type Row } from "./settings.js";

/** Repository root (this file lives in lib/runtime/ or dist/lib/runtime/). */
export const REPO_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return dir;
})();

export const SERVICE_PORTS = ["gateway", "minio", "console", "redis", "router", "ingest", "transcode", "catalogue"] as const;
export type PortName = (typeof SERVICE_PORTS)[number];
export type Ports = Record<PortName, number>;

const rows = {
  stateDir: {
    env: "ESTRENA_STATE_DIR",
    doc: "where the stack keeps MinIO data, Redis, logs, credentials and dead letters",
    default: ".estrena",
    schema: z.string().min(1),
  },
  gateway: { env: "ESTRENA_GATEWAY_PORT", doc: "nginx gateway: web page, /api/, /stream/, /healthz", default: "8080", schema: port },
  minio: { env: "ESTRENA_MINIO_PORT", doc: "MinIO S3 API", default: "9000", schema: port },
  console: { env: "ESTRENA_CONSOLE_PORT", doc: "MinIO console (object browser)", default: "9001", schema: port },
  redis: { env: "ESTRENA_REDIS_PORT", doc: "the stack's private Redis", default: "6390", schema: port },
  router: { env: "ESTRENA_ROUTER_PORT", doc: "local event router (every function's K_SINK)", default: "8090", schema: port },
  ingest: { env: "ESTRENA_INGEST_PORT", doc: "ingest function (MinIO's webhook target)", default: "8091", schema: port },
  transcode: { env: "ESTRENA_TRANSCODE_PORT", doc: "transcode function", default: "8092", schema: port },
  catalogue: { env: "ESTRENA_CATALOGUE_PORT", doc: "catalogue function", default: "8093", schema: port },
  minioHost: {
    env: "ESTRENA_MINIO_HOST",
    doc: "address MinIO API and console listen on (0.0.0.0 to let editors on other machines in)",
    default: "127.0.0.1",
    schema: z.string().min(1),
  },
  redisMaxMemory: {
    env: "ESTRENA_REDIS_MAXMEMORY",
    doc: "Redis maxmemory; evicts only keys with a TTL (volatile-lru), never job state",
    default: "256mb",
    schema: z.string().regex(/^\d+(kb|mb|gb)?$/i, "expected e.g. 256mb"),
  },
  mediaDir: {
    env: "ESTRENA_MEDIA_DIR",
    doc: "watched folder imported into uploads at start and while running",
    default: "media",
    schema: z.string().min(1),
  },
  nginxBin: {
    env: "ESTRENA_NGINX_BIN",
    doc: "nginx with the Lua module; empty picks /usr/sbin/nginx, then OpenResty's /usr/local/openresty/nginx/sbin/nginx, then nginx on PATH",
    default: "",
    schema: z.string(),
  },
  minioBin: {
    env: "ESTRENA_MINIO_BIN",
    doc: "MinIO server binary (scripts/install.sh builds it here)",
    default: ".estrena/bin/minio",
    schema: z.string().min(1),
  },
  rootUser: {
    env: "MINIO_ROOT_USER",
    doc: "MinIO root user; generated into <state>/credentials.env on first start when unset",
    default: "",
    schema: z.string(),
  },
  rootPassword: {
    env: "MINIO_ROOT_PASSWORD",
    doc: "MinIO root password (≥ 8 characters); generated like MINIO_ROOT_USER",
    default: "",
    schema: z.string(),
  },
} satisfies Record<string, Row<unknown>>;

export interface StackSettings {
  readonly stateDir: string;
  readonly ports: Ports;
  readonly minioHost: string;
  readonly redisMaxMemory: string;
  readonly mediaDir: string;
  readonly minioBin: string;
  readonly nginxBin: string;
}

/** Reads the stack's settings from the environment; relative paths are resolved against the repository root. */
export function stackSettings(env: NodeJS.ProcessEnv = process.env): StackSettings {
  const s = readSettings(rows, env, "stack");
  return {
    stateDir: resolve(REPO_ROOT, s.stateDir),
    ports: Object.fromEntries(SERVICE_PORTS.map((p) => [p, s[p]])) as Ports,
    minioHost: s.minioHost,
    redisMaxMemory: s.redisMaxMemory,
    mediaDir: resolve(REPO_ROOT, s.mediaDir),
    minioBin: resolve(REPO_ROOT, s.minioBin),
    nginxBin: s.nginxBin || (["/usr/sbin/nginx", "/usr/local/openresty/nginx/sbin/nginx"].find((p) => existsSync(p)) ?? "nginx"),
  };
}

/** Every variable the stack reads (the router's are in tools/router/settings.ts, the functions' in lib/runtime/config.ts). */
export function stackVariables() {
  return describe(rows);
}

export interface Credentials {
  readonly user: string;
  readonly password: string;
  readonly webhookToken: string;
  /** The router's credential on event deliveries (EVENT_AUTH_TOKEN). */
  readonly eventToken: string;
}

const CREDENTIAL_KEYS = {
  user: "MINIO_ROOT_USER",
  password: "MINIO_ROOT_PASSWORD",
  webhookToken: "WEBHOOK_AUTH_TOKEN",
  eventToken: "EVENT_AUTH_TOKEN",
} as const;

/**
 * Local credentials: the environment wins, then `<state>/credentials.env`, and whatever is still missing is
 * generated and written there (mode 0600), so the first start creates them and later starts reuse them.
 * Root is for MinIO and its bootstrap only; `identities` are the logins every other part uses.
 */
export function loadCredentials(
  stateDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Credentials & { file: string; generated: string[]; identities: IdentityCredentials } {
  const file = join(stateDir, "credentials.env");
  const saved: Record<string, string> = {};
  if (existsSync(file)) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
      if (m) saved[m[1] as string] = m[2] as string;
    }
  }
  const fresh = {
    user: () => `estrena-${randomBytes(4).toString("hex")}`,
    password: () => randomBytes(24).toString("base64url"),
    webhookToken: () => randomBytes(24).toString("hex"),
    eventToken: () => randomBytes(24).toString("hex"),
  };
  const generated: string[] = [];
  const out = {} as Record<keyof Credentials, string>;
  for (const [k, name] of Object.entries(CREDENTIAL_KEYS) as [keyof Credentials, string][]) {
    const v = env[name] || saved[name];
    if (v) out[k] = v;
    else {
      out[k] = fresh[k]();
      saved[name] = out[k];
      generated.push(name);
    }
  }
  // One login per part of estrena (identities.ts): the environment wins, then the file, else generated.
  const ids: Record<string, string | undefined> = Object.fromEntries(identityVariables().map((v) => [v, env[v] || saved[v]]));
  for (const name of fillIdentityCredentials(ids)) {
    saved[name] = ids[name] as string;
    generated.push(name);
  }
  if (out.password.length < 8) throw new Error("MINIO_ROOT_PASSWORD must have at least 8 characters (MinIO refuses shorter ones)");
  if (out.user.length < 3) throw new Error("MINIO_ROOT_USER must have at least 3 characters");
  if (generated.length) {
    mkdirSync(stateDir, { recursive: true });
    const text = Object.entries(saved)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n");
    writeFileSync(file, `# Generated by estrena on first start; environment variables override these.\n${text}\n`, { mode: 0o600 });
  }
  return { ...out, file, generated, identities: identityCredentials(ids) };
}

/** The address to reach a server that listens on `host` from this machine. */
export function localHost(host: string): string {
  return host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
}
