import { z } from "zod";

/** One row of a settings table: the environment variable, what it means, its default, and how to read it. */
export interface Row<T> {
  readonly env: string;
  readonly doc: string;
  readonly schema: z.ZodType<T>;
  /** Absent means required. */
  readonly default?: string;
}

export type Parsed<R extends Record<string, Row<unknown>>> = { readonly [K in keyof R]: z.output<R[K]["schema"]> };

/** A missing or malformed setting; the message names every bad variable and the form it expects. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * The one settings engine: reads a table of settings from the environment (the functions' lib/runtime/config.ts,
 * the stack, the router, the watcher, the upload CLI, the gateway container) and throws one ConfigError naming
 * every missing or malformed variable. An empty variable means unset: its default applies, and a required one is
 * missing (compose and shells pass `VAR=` for "not given"; a setting that may be empty has "" as its default).
 */
export function readSettings<R extends Record<string, Row<unknown>>>(rows: R, env: NodeJS.ProcessEnv, what?: string): Parsed<R> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, row] of Object.entries(rows)) {
    const raw = env[row.env] === undefined || env[row.env] === "" ? row.default : env[row.env];
    if (raw === undefined) {
      problems.push(`${row.env} is required: ${row.doc}`);
      continue;
    }
    const parsed = row.schema.safeParse(raw);
    if (parsed.success) out[key] = parsed.data;
    else problems.push(`${row.env}=${JSON.stringify(redact(row.env, raw))} is invalid (${row.doc}): ${parsed.error.issues[0]?.message}`);
  }
  if (problems.length) throw new ConfigError(`bad ${what ? `${what} ` : ""}configuration:\n  ${problems.join("\n  ")}`);
  return Object.freeze(out) as Parsed<R>;
}

/** Secrets never reach an error message or a log line. */
function redact(name: string, value: string): string {
  return /SECRET|TOKEN|PASSWORD/.test(name) ? "***" : value;
}

/** The rows of a table as documentation. */
export function describe(rows: Record<string, Row<unknown>>): { name: string; doc: string; default?: string }[] {
  return Object.values(rows).map((r) => ({ name: r.env, doc: r.doc, ...(r.default !== undefined ? { default: r.default } : {}) }));
}

export const port = z.coerce.number().int().min(0).max(65535);

/** A JSON object of strings, e.g. {"catalogue":"http://127.0.0.1:8093/"}. */
export const jsonStringMap = z.string().transform((s, ctx) => {
  try {
    const v = JSON.parse(s) as unknown;
    if (typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string"))
      return v as Record<string, string>;
  } catch {
    /* reported below */
  }
  ctx.addIssue({ code: "custom", message: 'expected a JSON object of strings, e.g. {"catalogue":"http://127.0.0.1:8093/"}' });
  return z.NEVER;
});
