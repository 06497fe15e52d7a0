import { describe, expect, it } from "vitest";
import { bitrateCap, capFps, even, h264Level, planLadder } from "../../../../lib/media/ladder.js";

const r = (name: string, width: number, height: number, num: number, den: number, maxrate: number, level: number) => ({
  name,
  width,
  height,
  fps: { num, den },
  maxrate,
  level,
  codecs: `avc1.6400${level.toString(16)}`,
});

describe("planLadder", () => {
  const cases = [
    {
      name: "landscape 1080p30: five rungs, none above the source",
      src: [1920, 1080, 30, 1],
      want: [
        r("1080p", 1920, 1080, 30, 1, 4977000, 40),
        r("720p", 1280, 720, 30, 1, 2488000, 31),
        r("480p", 854, 480, 30, 1, 1230000, 31),
        r("360p", 640, 360, 30, 1, 760000, 30),
        r("240p", 426, 240, 30, 1, 399000, 30),
      ],
    },
    {
      name: "portrait (after rotation): rungs by the shorter side",
      src: [360, 640, 30, 1],
      want: [r("360p", 360, 640, 30, 1, 760000, 30), r("240p", 240, 426, 30, 1, 399000, 30)],
    },
    {
      name: "4:3 with odd dimensions: even sides, aspect kept, no upscale to 481",
      src: [641, 481, 25, 1],
      want: [r("480p", 640, 480, 25, 1, 768000, 30), r("360p", 480, 360, 25, 1, 475000, 30), r("240p", 320, 240, 25, 1, 250000, 30)],
    },
    { name: "smaller than every rung: one rung at the source size", src: [200, 112, 24, 1], want: [r("112p", 200, 112, 24, 1, 75000, 30)] },
    {
      name: "2160p60: 60 fps kept at 720p and above, 30 below",
      src: [3840, 2160, 60, 1],
      want: [
        r("2160p", 3840, 2160, 60, 1, 22395000, 52),
        r("1440p", 2560, 1440, 60, 1, 11612000, 51),
        r("1080p", 1920, 1080, 60, 1, 7465000, 42),
        r("720p", 1280, 720, 60, 1, 3732000, 32),
        r("480p", 854, 480, 30, 1, 1230000, 31),
        r("360p", 640, 360, 30, 1, 760000, 30),
        r("240p", 426, 240, 30, 1, 399000, 30),
      ],
    },
    {
      name: "59.94 fps: halved to 29.97 below 720p, exactly",
      src: [1280, 720, 60000, 1001],
      want: [
        r("720p", 1280, 720, 60000, 1001, 3730000, 32),
        r("480p", 854, 480, 30000, 1001, 1229000, 31),
        r("360p", 640, 360, 30000, 1001, 760000, 30),
        r("240p", 426, 240, 30000, 1001, 398000, 30),
      ],
    },
  ] as const;
  it.each(cases)("$name", ({ src, want }) => {
    const [w, h, num, den] = src;
    expect(planLadder(w, h, { num, den })).toEqual(want);
  });

  it("never returns an empty ladder, even for a 1x1 picture", () => {
    expect(planLadder(1, 1, { num: 30, den: 1 })).toEqual([r("2p", 2, 2, 30, 1, 50000, 30)]);
  });
});

describe("ladder helpers", () => {
  it.each([
    [{ num: 30, den: 1 }, 30, { num: 30, den: 1 }],
    [{ num: 60, den: 1 }, 30, { num: 30, den: 1 }],
    [{ num: 50, den: 1 }, 30, { num: 25, den: 1 }],
    [{ num: 120, den: 1 }, 30, { num: 30, den: 1 }],
    [{ num: 48, den: 1 }, 30, { num: 24, den: 1 }],
    [{ num: 60000, den: 1001 }, 30, { num: 30000, den: 1001 }],
    [{ num: 24000, den: 1001 }, 60, { num: 24000, den: 1001 }],
  ])("capFps(%j, %i) = %j", (fps, cap, want) => expect(capFps(fps, cap)).toEqual(want));

  it.each([
    [853.33, 854],
    [639.67, 640],
    [425.5, 426],
    [3, 4],
    [1, 2],
  ])("even(%f) = %i", (x, want) => expect(even(x)).toBe(want));

  it("bitrateCap: 60 fps costs 1.5x the 30 fps figure", () => {
    expect(bitrateCap(720, 1280, 720, { num: 30, den: 1 })).toBe(2488000);
    expect(bitrateCap(720, 1280, 720, { num: 60, den: 1 })).toBe(3732000);
  });

  it.each([
    [1920, 1080, 30, 4977000, 40],
    [1920, 1080, 60, 7465000, 42],
    [1280, 720, 30, 2488000, 31],
    [640, 360, 30, 760000, 30],
    [1920, 1080, 30, 30_000_000, 41],
  ])("h264Level(%i, %i, %i fps, %i b/s) = %i", (w, h, f, br, want) => expect(h264Level(w, h, { num: f, den: 1 }, br)).toBe(want));
});
