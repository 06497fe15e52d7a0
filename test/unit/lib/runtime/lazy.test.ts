import { describe, expect, it } from "vitest";
import { lazy } from "../../../../lib/runtime/lazy.js";

describe("lazy", () => {
  it("builds nothing until first use, then once", () => {
    let builds = 0;
    const get = lazy(() => ++builds);
    expect(builds).toBe(0);
    expect([get(), get(), get()]).toEqual([1, 1, 1]);
  });

  it("tries again after a build that throws", () => {
    let n = 0;
    const get = lazy(() => {
      if (++n === 1) throw new Error("not yet");
      return n;
    });
    expect(() => get()).toThrow("not yet");
    expect(get()).toBe(2);
    expect(get()).toBe(2);
  });

  it("shares one pending build, and forgets one that rejects", async () => {
    let n = 0;
    const get = lazy(async () => {
      if (++n === 1) throw new Error("redis down");
      return n;
    });
    const [a, b] = [get(), get()];
    expect(a).toBe(b);
    await expect(a).rejects.toThrow("redis down");
    await expect(get()).resolves.toBe(2);
    await expect(get()).resolves.toBe(2);
    expect(n).toBe(2);
  });
});
