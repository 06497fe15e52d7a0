import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type Check, check, jsonStringMap, port, readSettings } from "../../../../lib/runtime/settings.js";
import { REPO_ROOT } from "../../../../lib/runtime/stack-settings.js";

const read = <T>(c: Check<T>, raw: unknown) => {
  const r = c.safeParse(raw);
  return r.success ? { ok: r.data } : { error: r.error.issues[0]?.message };
};

describe("settings checks read what the zod schemas they replace read", () => {
  // The functions' table used these zod schemas until the checks took their place (cold start).
  const pairs: [string, Check<unknown>, z.ZodType, string[]][] = [
    [
      "int 1..30",
      check.int(1, 30),
      z.coerce.number().int().min(1).max(30),
      ["4", "30", "0", "31", "1.5", "zero", " 7 ", "0x10", "1e1", "-1"],
    ],
    ["url", check.url(), z.string().url(), ["http://127.0.0.1:9000", " http://h:1/x ", "redis://r:6379/0", "not a url", "h:1", "/stream"]],
    ["url or empty", check.url({ orEmpty: true }), z.union([z.literal(""), z.string().url()]), ["", "http://router:8080/", "nowhere"]],
    ["oneOf", check.oneOf(["info", "warn"]), z.enum(["info", "warn"]), ["info", "warn", "INFO", "loud"]],
    ["string min 3", check.string({ min: 3 }), z.string().min(3), ["abc", "ab", ""]],
    [
      "bucket",
      check.string({ pattern: /^[a-z0-9][a-z0-9.-]{2,62}$/ }),
      z.string().regex(/^[a-z0-9][a-z0-9.-]{2,62}$/),
      ["uploads", "Bad_Bucket", "ab", "stream.v2"],
    ],
    ["port", port, z.coerce.number().int().min(0).max(65535), ["0", "8080", "65535", "65536", "eighty"]],
  ];
  it.each(pairs)("%s", (_name, ours, theirs, inputs) => {
    const outcome = (c: Check<unknown> | z.ZodType, raw: string) => {
      const r = c.safeParse(raw);
      return r.success ? { ok: r.data } : "refused";
    };
    expect(inputs.map((raw) => outcome(ours, raw))).toEqual(inputs.map((raw) => outcome(theirs, raw)));
  });
});

describe("settings checks", () => {
  it.each([
    [check.int(1, 30), "0", "expected a whole number from 1 to 30"],
    [check.url(), "nowhere", "expected an absolute URL, e.g. http://127.0.0.1:9000"],
    [check.oneOf(["a", "b"]), "c", "expected one of a, b"],
    [check.string({ min: 8 }), "short", "expected at least 8 characters"],
    [check.string({ pattern: /^x+$/ }), "y", "expected a value matching /^x+$/"],
    [jsonStringMap, '{"a":1}', 'expected a JSON object of strings, e.g. {"catalogue":"http://127.0.0.1:8093/"}'],
    [jsonStringMap, "[", 'expected a JSON object of strings, e.g. {"catalogue":"http://127.0.0.1:8093/"}'],
  ] as const)("says what it expected (%#)", (c, raw, message) => {
    expect(read(c as Check<unknown>, raw)).toEqual({ error: message });
  });

  it("reads a JSON map of strings", () => {
    expect(read(jsonStringMap, '{"catalogue":"http://127.0.0.1:8093/"}')).toEqual({ ok: { catalogue: "http://127.0.0.1:8093/" } });
  });

  it("names the variable and what it expected, in a table beside zod rows", () => {
    const rows = {
      level: { env: "LEVEL", doc: "a level", schema: check.oneOf(["low", "high"]) },
      count: { env: "COUNT", doc: "a count", default: "2", schema: z.coerce.number().int() },
    };
    expect(readSettings(rows, { LEVEL: "low" })).toEqual({ level: "low", count: 2 });
    expect(() => readSettings(rows, { LEVEL: "mid" })).toThrow('LEVEL="mid" is invalid (a level): expected one of low, high');
  });

  it("keeps zod out of the functions' settings at runtime (a cold start reads them: docs/performance.md#cold-starts)", () => {
    for (const file of ["lib/runtime/settings.ts", "lib/runtime/config.ts"]) {
      const text = readFileSync(join(REPO_ROOT, file), "utf8");
      expect(text.match(/^import (?!type )[^;]*from "zod";/m), file).toBeNull();
    }
  });
});
