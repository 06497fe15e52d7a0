import type { z } from "zod";

/**
 * How a row reads its variable: a zod schema, or one of the `check` validators below, which have zod's `safeParse`
 * shape and need no zod at runtime. The functions' own table (config.ts) uses only these: importing zod cost the
 * catalogue 90 ms of CPU on every cold start (docs/performance.md#cold-starts).
 */
export interface Check<T> {
  safeParse(raw: unknown): { success: true; data: T } | { success: false; error: { issues: readonly { message: string }[] } };
}

/** One row of a settings table: the environment variable, what it means, its default, and how to read it. */
export interface Row<T> {
  readonly env: string;
  readonly doc: string;
  readonly schema: Check<T>;
  /** Absent means required. */
  readonly default?: string;
}

type Output<S> = S extends z.ZodType ? z.output<S> : S extends Check<infer T> ? T : never;
export type Parsed<R extends Record<string, Row<unknown>>> = { readonly [K in keyof R]: Output<R[K]["schema"]> };

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

/** A validator from a function that returns the value, or a string saying what was expected. */
function checker<T>(read: (raw: string) => { value: T } | string): Check<T> {
  return {
    safeParse(raw) {
      const got = typeof raw === "string" ? read(raw) : "expected a string";
      return typeof got === "string" ? { success: false, error: { issues: [{ message: got }] } } : { success: true, data: got.value };
    },
  };
}

/** Validators for settings rows, without zod (see Check). */
export const check = {
  /** Any string, at least `min` characters long, matching `pattern` when given. */
  string: (opts: { min?: number; pattern?: RegExp } = {}): Check<string> =>
    checker((s) => {
      if (s.length < (opts.min ?? 0)) return `expected at least ${opts.min} characters`;
      if (opts.pattern && !opts.pattern.test(s)) return `expected a value matching ${opts.pattern}`;
      return { value: s };
    }),
  /** A whole number from `min` to `max`, read as JavaScript's Number() reads it (zod's coerce). */
  int: (min: number, max: number): Check<number> =>
    checker((s) => {
      const n = Number(s);
      return Number.isInteger(n) && n >= min && n <= max ? { value: n } : `expected a whole number from ${min} to ${max}`;
    }),
  /** An absolute URL, trimmed as zod's url() trims it; `orEmpty` also takes "" (a setting that may be left unset). */
  url: (opts: { orEmpty?: boolean } = {}): Check<string> =>
    checker((s) => {
      if (s === "" && opts.orEmpty) return { value: s };
      const trimmed = s.trim();
      return URL.canParse(trimmed) ? { value: trimmed.replace(/[\t\n\r]/g, "") } : "expected an absolute URL, e.g. http://127.0.0.1:9000";
    }),
  oneOf: <const T extends string>(values: readonly T[]): Check<T> =>
    checker((s) => ((values as readonly string[]).includes(s) ? { value: s as T } : `expected one of ${values.join(", ")}`)),
};

export const port = check.int(0, 65535);

/** A JSON object of strings, e.g. {"catalogue":"http://127.0.0.1:8093/"}. */
export const jsonStringMap: Check<Record<string, string>> = checker((s) => {
  try {
    const v = JSON.parse(s) as unknown;
    if (typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string"))
      return { value: v as Record<string, string> };
  } catch {
    /* reported below */
  }
  return 'expected a JSON object of strings, e.g. {"catalogue":"http://127.0.0.1:8093/"}';
});
