import { describe, expect, it } from "vitest";
import { Bus } from "../../../../web/src/shared/bus.js";

interface Events {
  a: number;
  b: string;
}

describe("Bus", () => {
  it("delivers to every listener of a type, and off() removes exactly the table it registered", () => {
    const bus = new Bus<Events>();
    const seen: string[] = [];
    const off1 = bus.on({ a: (n) => seen.push(`1a${n}`), b: (s) => seen.push(`1b${s}`) });
    const off2 = bus.on({ a: (n) => seen.push(`2a${n}`) });
    expect(bus.size()).toBe(3);
    bus.emit("a", 1);
    bus.emit("b", "x");
    off1();
    expect(bus.size()).toBe(1);
    bus.emit("a", 2);
    bus.emit("b", "y");
    off2();
    expect(bus.size()).toBe(0);
    expect(seen).toEqual(["1a1", "2a1", "1bx", "2a2"]);
  });

  it("keeps delivering when one listener throws", () => {
    const bus = new Bus<Events>();
    const seen: number[] = [];
    const original = console.error;
    console.error = () => undefined;
    try {
      bus.on({
        a: () => {
          throw new Error("broken piece");
        },
      });
      bus.on({ a: (n) => seen.push(n) });
      bus.emit("a", 7);
    } finally {
      console.error = original;
    }
    expect(seen).toEqual([7]);
  });
});
