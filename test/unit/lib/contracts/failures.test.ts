import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../lib/contracts/errors.js";
import { FAILURE_MESSAGES, publicError } from "../../../../lib/contracts/failures.js";

/** What must never reach an editor or a viewer: a path, an errno name, a stack frame, a URL with a host. */
const LEAKS = [/\//, /\\/, /\bE[A-Z]{3,}\b/, /\bat\s+\S+\s*\(/, /:\d+:\d+/, /stat|errno|stack|undefined|null/i];

describe("failure messages", () => {
  it.each(Object.values(ErrorCode))("%s has an editor-actionable message without internals", (code) => {
    const message = FAILURE_MESSAGES[code];
    expect(message).toMatch(/^[A-Z].{20,}\.$/);
    for (const leak of LEAKS) expect(message).not.toMatch(leak);
    expect(publicError({ code, message: "anything at all" })).toEqual({ code, message });
  });

  it("every table row is a code the services can raise", () => {
    const known = new Set<string>(Object.values(ErrorCode));
    expect(Object.keys(FAILURE_MESSAGES).filter((c) => !known.has(c))).toEqual([]);
  });

  it("a raw ENOENT with its server path and stack becomes the internal message", () => {
    const raw = Object.assign(
      new Error("ENOENT: no such file or directory, stat '/srv/estrena/.estrena/work/v0123456789abcdef012/c0000-abc/poster.jpg'"),
      {
        code: "ENOENT",
        errno: -2,
        syscall: "stat",
        path: "/srv/estrena/.estrena/work/v0123456789abcdef012/c0000-abc/poster.jpg",
      },
    );
    const out = publicError(raw);
    expect(out).toEqual({ code: "internal", message: FAILURE_MESSAGES.internal });
    const text = JSON.stringify(out);
    for (const leak of ["ENOENT", "poster.jpg", "/srv", "stat", "errno", raw.stack!.split("\n")[1]!.trim()])
      expect(text).not.toContain(leak);
  });

  it("a stored record whose message leaked a path is answered with the table's message", () => {
    const stored = {
      code: "internal",
      message: "ENOENT: no such file or directory, stat '/x/.estrena/work/v1/poster.jpg'\n    at async stat (node:internal/fs:1:1)",
    };
    expect(publicError(stored)).toEqual({ code: "internal", message: FAILURE_MESSAGES.internal });
  });

  it("unknown codes, non-objects and nothing at all are internal", () => {
    for (const input of [{ code: "EACCES" }, { code: 42 }, "boom", null, undefined, new TypeError("x is not a function")]) {
      expect(publicError(input)).toEqual({ code: "internal", message: FAILURE_MESSAGES.internal });
    }
  });
});
