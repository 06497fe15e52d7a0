import { describe, expect, it } from "vitest";
import { Limiter } from "../../../../tools/router/limiter.js";

/** A task that finishes when the test says so, recording when it started. */
function gate() {
  let open!: () => void;
  const done = new Promise<void>((r) => (open = r));
  return { done, open };
}

describe("Limiter", () => {
  it("runs at most `max` tasks per key, in arrival order, and other keys independently", async () => {
    const limiter = new Limiter(2);
    const started: string[] = [];
    const gates = Object.fromEntries(["a1", "a2", "a3", "a4", "b1"].map((n) => [n, gate()]));
    const run = (key: string, name: string) => limiter.run(key, async () => (started.push(name), gates[name]!.done));
    const all = [run("a", "a1"), run("a", "a2"), run("a", "a3"), run("a", "a4"), run("b", "b1")];
    await Promise.resolve();
    expect(started).toEqual(["a1", "a2", "b1"]);
    gates.a2!.open();
    await all[1];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(["a1", "a2", "b1", "a3"]);
    gates.a1!.open();
    await all[0];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(["a1", "a2", "b1", "a3", "a4"]);
    for (const g of Object.values(gates)) g.open();
    await Promise.all(all);
  });

  it("frees the slot when a task fails", async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run("k", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await limiter.run("k", async () => "next")).toBe("next");
  });

  it("does not limit with 0", async () => {
    const limiter = new Limiter(0);
    const started: number[] = [];
    const g = gate();
    const all = [1, 2, 3, 4, 5].map((n) => limiter.run("k", async () => (started.push(n), g.done)));
    await Promise.resolve();
    expect(started).toEqual([1, 2, 3, 4, 5]);
    g.open();
    await Promise.all(all);
  });
});
