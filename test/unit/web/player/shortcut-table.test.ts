import { describe, expect, it } from "vitest";
import { actionFor, SHORTCUTS } from "../../../../web/src/player/shortcut-table.js";

describe("actionFor", () => {
  it.each([
    [{ key: " " }, { kind: "toggle-play" }],
    [{ key: "k" }, { kind: "toggle-play" }],
    [{ key: "K" }, { kind: "toggle-play" }],
    [{ key: "ArrowLeft" }, { kind: "seek", by: -5 }],
    [{ key: "ArrowRight" }, { kind: "seek", by: 5 }],
    [{ key: "j" }, { kind: "seek", by: -10 }],
    [{ key: "l" }, { kind: "seek", by: 10 }],
    [{ key: "ArrowUp" }, { kind: "volume", by: 0.1 }],
    [{ key: "ArrowDown" }, { kind: "volume", by: -0.1 }],
    [{ key: "m" }, { kind: "toggle-mute" }],
    [{ key: "f" }, { kind: "toggle-fullscreen" }],
    [{ key: "?" }, { kind: "toggle-help" }],
    [{ key: "Escape" }, { kind: "close" }],
    [{ key: "x" }, null],
    [{ key: "f", ctrlKey: true }, null],
    [{ key: "l", metaKey: true }, null],
    [{ key: "ArrowLeft", altKey: true }, null],
    [{ key: "k", targetTag: "INPUT", targetType: "search" }, null],
    [{ key: "k", targetTag: "TEXTAREA" }, null],
    [{ key: " ", targetTag: "BUTTON" }, null],
    [{ key: "k", targetTag: "BUTTON" }, { kind: "toggle-play" }],
    [{ key: "ArrowLeft", targetTag: "INPUT", targetType: "range" }, null],
    [{ key: "m", targetTag: "INPUT", targetType: "range" }, { kind: "toggle-mute" }],
  ])("%j → %j", (input, action) => {
    expect(actionFor(input)).toEqual(action);
  });

  it("has no key bound twice, and a label and description for every row", () => {
    const keys = SHORTCUTS.flatMap((s) => s.keys);
    expect(new Set(keys).size).toBe(keys.length);
    for (const s of SHORTCUTS) expect(s.label.length > 0 && s.description.length > 0).toBe(true);
  });
});
