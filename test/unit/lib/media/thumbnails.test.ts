import { describe, expect, it } from "vitest";
import { spriteLayout, spriteName, thumbnailsVtt, tileGrid, vttTime } from "../../../../lib/media/thumbnails.js";

describe("storyboard thumbnails", () => {
  it.each([
    [1920, 1080, { tileWidth: 160, tileHeight: 90, columns: 5 }],
    [360, 640, { tileWidth: 90, tileHeight: 160, columns: 5 }],
    [641, 481, { tileWidth: 160, tileHeight: 120, columns: 5 }],
    [4000, 10, { tileWidth: 160, tileHeight: 2, columns: 5 }],
  ])("tileGrid(%i, %i)", (w, h, want) => expect(tileGrid(w, h)).toEqual(want));

  it.each([
    [1, { columns: 1, rows: 1 }],
    [2, { columns: 2, rows: 1 }],
    [5, { columns: 5, rows: 1 }],
    [15, { columns: 5, rows: 3 }],
    [16, { columns: 5, rows: 4 }],
  ])("spriteLayout for %i tiles", (n, want) => expect(spriteLayout(tileGrid(1920, 1080), n)).toEqual(want));

  it("writes one cue per segment pointing into its chunk's sprite", () => {
    const grid = tileGrid(1920, 1080);
    const vtt = thumbnailsVtt(grid, [
      {
        chunk: 0,
        segments: [
          { start: 0, duration: 4 },
          { start: 4, duration: 4 },
        ],
      },
      { chunk: 1, segments: [0, 1, 2, 3, 4, 5].map((i) => ({ start: 8 + 4 * i, duration: i === 5 ? 1.5 : 4 })) },
    ]);
    expect(vtt).toBe(
      [
        "WEBVTT",
        "",
        "00:00:00.000 --> 00:00:04.000",
        "sprite_0000.jpg#xywh=0,0,160,90",
        "",
        "00:00:04.000 --> 00:00:08.000",
        "sprite_0000.jpg#xywh=160,0,160,90",
        "",
        "00:00:08.000 --> 00:00:12.000",
        "sprite_0001.jpg#xywh=0,0,160,90",
        "",
        "00:00:12.000 --> 00:00:16.000",
        "sprite_0001.jpg#xywh=160,0,160,90",
        "",
        "00:00:16.000 --> 00:00:20.000",
        "sprite_0001.jpg#xywh=320,0,160,90",
        "",
        "00:00:20.000 --> 00:00:24.000",
        "sprite_0001.jpg#xywh=480,0,160,90",
        "",
        "00:00:24.000 --> 00:00:28.000",
        "sprite_0001.jpg#xywh=640,0,160,90",
        "",
        "00:00:28.000 --> 00:00:29.500",
        "sprite_0001.jpg#xywh=0,90,160,90",
        "",
      ].join("\n"),
    );
  });

  it.each([
    [0, "00:00:00.000"],
    [3.9996, "00:00:04.000"],
    [61.25, "00:01:01.250"],
    [3723.004, "01:02:03.004"],
  ])("vttTime(%f) = %s", (s, want) => expect(vttTime(s)).toBe(want));

  it("names sprites by chunk", () => expect(spriteName(12)).toBe("sprite_0012.jpg"));
});
