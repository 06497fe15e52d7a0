import { describe, expect, it } from "vitest";
import { breaker, RedisSkipped } from "../../../../functions/catalogue/breaker.js";

describe("the Redis breaker", () => {
  it("skips Redis for a while after a failure, then lets one probe through", async () => {
    let t = 0;
    const b = breaker(1000, () => t);
    expect(await b.run(async () => 1)).toBe(1);
    await expect(b.run(async () => Promise.reject(new Error("Command timed out")))).rejects.toThrow("Command timed out");
    expect(b.isOpen()).toBe(true);
    let calls = 0;
    await expect(b.run(async () => ++calls)).rejects.toBeInstanceOf(RedisSkipped);
    expect(calls).toBe(0);

    t = 1000;
    // Half open: the first caller probes; a second one meanwhile skips.
    let release!: (v: number) => void;
    const probe = b.run(() => new Promise<number>((r) => (release = r)));
    await expect(b.run(async () => ++calls)).rejects.toBeInstanceOf(RedisSkipped);
    release(7);
    expect(await probe).toBe(7);
    expect(b.isOpen()).toBe(false);
    expect(await b.run(async () => ++calls)).toBe(1);
  });

  it("a failed probe opens it again", async () => {
    let t = 0;
    const b = breaker(500, () => t);
    await b.run(async () => Promise.reject(new Error("x"))).catch(() => undefined);
    t = 600;
    await b.run(async () => Promise.reject(new Error("still hung"))).catch(() => undefined);
    expect(b.isOpen()).toBe(true);
    t = 1000;
    await expect(b.run(async () => 2)).rejects.toBeInstanceOf(RedisSkipped);
    t = 1100;
    expect(await b.run(async () => 2)).toBe(2);
  });
});
