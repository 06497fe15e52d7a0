import { describe, expect, it } from "vitest";
import { defaultTitle, titleFor } from "../../../../functions/catalogue/title.js";

describe("titles", () => {
  it.each([
    ["holiday.mp4", "holiday"],
    ["my_holiday_2024.mov", "my holiday 2024"],
    ["talks/keynote__final.v2.mkv", "keynote final.v2"],
    ["no-extension", "no-extension"],
    [".hidden", ".hidden"],
    ["___.mp4", "___"],
    ["Canción de cuna.m4a", "Canción de cuna"],
  ])("%s → %s", (key, title) => {
    expect(defaultTitle(key)).toBe(title);
  });

  it("an explicit title wins; a blank one does not count", () => {
    expect(titleFor("My Title", "a_b.mp4")).toBe("My Title");
    expect(titleFor("   ", "a_b.mp4")).toBe("a b");
    expect(titleFor(undefined, "a_b.mp4")).toBe("a b");
  });
});
