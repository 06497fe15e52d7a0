import { describe, expect, it } from "vitest";
import { formatPercent, formatRendition, formatTime, spokenTime } from "../../../../web/src/shared/format.js";

describe("formatTime", () => {
  it.each([
    [0, "0:00"],
    [5.9, "0:05"],
    [65, "1:05"],
    [600, "10:00"],
    [3723, "1:02:03"],
    [36000, "10:00:00"],
    [null, "--:--"],
    [Number.POSITIVE_INFINITY, "--:--"],
    [-1, "--:--"],
  ])("%s → %s", (seconds, text) => {
    expect(formatTime(seconds)).toBe(text);
  });
});

describe("spokenTime", () => {
  it.each([
    [0, "0 seconds"],
    [1, "1 second"],
    [61, "1 minute 1 second"],
    [3723, "1 hour 2 minutes 3 seconds"],
    [7200, "2 hours"],
    [null, "unknown length"],
  ])("%s → %s", (seconds, text) => {
    expect(spokenTime(seconds)).toBe(text);
  });
});

describe("formatPercent", () => {
  it.each([
    [0, "0%"],
    [0.456, "46%"],
    [1, "100%"],
    [1.7, "100%"],
    [-0.2, "0%"],
    [Number.NaN, "0%"],
  ])("%d → %s", (fraction, text) => {
    expect(formatPercent(fraction)).toBe(text);
  });
});

describe("formatRendition", () => {
  it.each([
    [720, 2_500_000, "720p · 2.5 Mb/s"],
    [360, 950_400, "360p · 950 kb/s"],
    [1080, undefined, "1080p"],
    [240, 0, "240p"],
  ])("%dp at %s b/s → %s", (height, bandwidth, text) => {
    expect(formatRendition(height, bandwidth)).toBe(text);
  });
});
