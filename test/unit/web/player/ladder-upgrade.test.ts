import { describe, expect, it } from "vitest";
import { writeMasterPlaylist, type Variant } from "../../../../lib/media/playlist.js";
import { LADDER_CHECK_MS, LADDER_CHECKS, ladderStep, masterShape, mayHaveGrown } from "../../../../web/src/player/ladder-upgrade.js";

const variant = (height: number): Variant => ({
  uri: `v${height}.m3u8`,
  bandwidth: height * 2000,
  averageBandwidth: height * 1500,
  codecs: "avc1.64001f,mp4a.40.2",
  width: Math.round((height * 16) / 9),
  height,
  frameRate: 30,
});
const stereo = { uri: "audio.m3u8", groupId: "audio", name: "Stereo", channels: "2" };
const fiveOne = { uri: "audio-51.m3u8", groupId: "audio", name: "5.1", channels: "6" };

describe("masterShape", () => {
  it.each([
    ["lead rungs with audio", writeMasterPlaylist([variant(360), variant(240)], stereo), { variants: 2, audio: 1, subtitles: 0 }],
    [
      "whole ladder, stereo and 5.1",
      writeMasterPlaylist([1080, 720, 480, 360, 240].map(variant), [stereo, fiveOne]),
      { variants: 5, audio: 2, subtitles: 0 },
    ],
    ["silent remuxed top rung", writeMasterPlaylist([variant(1080)], null), { variants: 1, audio: 0, subtitles: 0 }],
    [
      "a subtitle track, CRLF line ends",
      '#EXTM3U\r\n#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",URI="en.m3u8"\r\n#EXT-X-STREAM-INF:BANDWIDTH=1\r\nv.m3u8\r\n',
      { variants: 1, audio: 0, subtitles: 1 },
    ],
    ["not a playlist (an error page)", "<html>502</html>", { variants: 0, audio: 0, subtitles: 0 }],
  ])("counts %s", (_name, text, expected) => {
    expect(masterShape(text)).toEqual(expected);
  });
});

describe("mayHaveGrown", () => {
  const r = (n: number) => Array.from({ length: n }, (_, i) => ({ height: 240 * (i + 1), width: 0, bandwidth: 1, codecs: "" }));
  it.each([
    ["processing to ready", { status: "processing", renditions: r(2) }, { status: "ready", renditions: r(5) }, true],
    [
      "ready with the same renditions (5.1 or captions may be new)",
      { status: "processing", renditions: r(1) },
      { status: "ready", renditions: r(1) },
      true,
    ],
    ["more renditions while processing", { status: "processing", renditions: r(1) }, { status: "processing", renditions: r(2) }, true],
    ["progress only", { status: "processing", renditions: r(2) }, { status: "processing", renditions: r(2) }, false],
    ["ready again (a repeated SSE message)", { status: "ready", renditions: r(5) }, { status: "ready", renditions: r(5) }, false],
    ["failed", { status: "processing", renditions: r(2) }, { status: "failed", renditions: r(5) }, false],
  ] as const)("%s: %s", (_name, before, after, expected) => {
    expect(mayHaveGrown(before, after)).toBe(expected);
  });
});

describe("ladderStep", () => {
  const shape = (variants: number, audio = 1, subtitles = 0) => ({ variants, audio, subtitles });
  it.each([
    ["the served master has the whole ladder", shape(2), shape(5), 5, 1, { kind: "reload" }],
    ["it gained the 5.1 audio alone", shape(5, 1), shape(5, 2), 5, 1, { kind: "reload" }],
    ["it gained a subtitle track", shape(5), shape(5, 1, 1), 5, 1, { kind: "reload" }],
    ["a cache still serves the old master", shape(2), shape(2), 5, 1, { kind: "check-again", delayMs: LADDER_CHECK_MS }],
    ["the master could not be read", shape(2), null, 5, 1, { kind: "check-again", delayMs: LADDER_CHECK_MS }],
    ["still old after the last check", shape(2), shape(2), 5, LADDER_CHECKS, { kind: "done" }],
    ["ready with nothing new (one rung): no reload", shape(1), shape(1), 1, 1, { kind: "done" }],
    ["the loaded master is the whole ladder already: no reload loop", shape(5, 2), shape(5, 2), 5, 1, { kind: "done" }],
    ["a smaller master (hls.js dropped nothing, the gateway went back): no reload", shape(5), shape(2), 2, 1, { kind: "done" }],
  ] as const)("%s", (_name, loaded, served, renditions, checks, expected) => {
    expect(ladderStep(loaded, served, renditions, checks)).toEqual(expected);
  });
});
