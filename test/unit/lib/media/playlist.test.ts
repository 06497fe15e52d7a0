import HLS from "hls-parser";
import { describe, expect, it } from "vitest";
import { avcCodecString } from "../../../../lib/media/codecs.js";
import {
  joinChunks,
  measureBandwidth,
  readMediaPlaylist,
  segmentsUntil,
  withoutTrailingFrame,
  writeMasterPlaylist,
  writeMediaPlaylist,
} from "../../../../lib/media/playlist.js";
import { startFirst } from "../../../../functions/transcode/publish.js";

const segs = [
  { uri: "720p_0000_000.m4s", duration: 4 },
  { uri: "720p_0001_000.m4s", duration: 4 },
  { uri: "720p_0001_001.m4s", duration: 1.5 },
];

describe("media playlists", () => {
  it("EVENT while chunks remain: no ENDLIST", () => {
    expect(writeMediaPlaylist({ type: "EVENT", map: "720p_init.mp4", segmentSeconds: 4, segments: segs.slice(0, 2) })).toBe(
      [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        "#EXT-X-TARGETDURATION:4",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:EVENT",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        '#EXT-X-MAP:URI="720p_init.mp4"',
        "#EXTINF:4.000000,",
        "720p_0000_000.m4s",
        "#EXTINF:4.000000,",
        "720p_0001_000.m4s",
        "",
      ].join("\n"),
    );
  });

  it("VOD with ENDLIST at the end; TARGETDURATION covers a segment that rounds up", () => {
    const text = writeMediaPlaylist({
      type: "VOD",
      map: "a_init.mp4",
      segmentSeconds: 4,
      segments: [
        { uri: "a.m4s", duration: 4.6 },
        { uri: "b.m4s", duration: 2 },
      ],
    });
    expect(text).toBe(
      [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        "#EXT-X-TARGETDURATION:5",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        '#EXT-X-MAP:URI="a_init.mp4"',
        "#EXTINF:4.600000,",
        "a.m4s",
        "#EXTINF:2.000000,",
        "b.m4s",
        "#EXT-X-ENDLIST",
        "",
      ].join("\n"),
    );
  });

  it("round-trips through hls-parser", () => {
    const parsed = HLS.parse(
      writeMediaPlaylist({ type: "VOD", map: "720p_init.mp4", segmentSeconds: 4, segments: segs }),
    ) as HLS.types.MediaPlaylist;
    expect(parsed.playlistType).toBe("VOD");
    expect(parsed.endlist).toBe(true);
    expect(parsed.version).toBe(7);
    expect(parsed.segments.map((s) => [s.uri, s.duration, s.map?.uri])).toEqual(segs.map((s) => [s.uri, s.duration, "720p_init.mp4"]));
  });

  it("reads what ffmpeg's hls muxer writes", () => {
    const ffmpegOut =
      '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MAP:URI="240p_init.mp4"\n#EXTINF:4.000000,\n240p_0001_000.m4s\n#EXTINF:3.966667,\n240p_0001_001.m4s\n#EXT-X-ENDLIST\n';
    expect(readMediaPlaylist(ffmpegOut)).toEqual({
      map: "240p_init.mp4",
      segments: [
        { uri: "240p_0001_000.m4s", duration: 4 },
        { uri: "240p_0001_001.m4s", duration: 3.966667 },
      ],
    });
  });

  it("joins chunk lists in order, and cuts audio to the published video", () => {
    expect(joinChunks([[segs[0]!], [segs[1]!, segs[2]!]])).toEqual(segs);
    const audio = [4.011, 3.989, 4.011, 3.989].map((duration, i) => ({ uri: `audio_${i}.m4s`, duration }));
    expect(segmentsUntil(audio, 8).map((s) => s.uri)).toEqual(["audio_0.m4s", "audio_1.m4s"]);
    expect(segmentsUntil(audio, 8.5).map((s) => s.uri)).toEqual(["audio_0.m4s", "audio_1.m4s", "audio_2.m4s"]);
    expect(segmentsUntil(audio, 100)).toHaveLength(4);
  });

  it("measures peak and average bitrate; a final sliver does not set the peak", () => {
    expect(
      measureBandwidth([
        { uri: "a", duration: 4, bytes: 500_000 },
        { uri: "b", duration: 4, bytes: 300_000 },
        { uri: "c", duration: 0.04, bytes: 20_000 },
      ]),
    ).toEqual({
      peak: 1_000_000,
      average: Math.round((820_000 * 8) / 8.04),
    });
    expect(measureBandwidth([])).toEqual({ peak: 0, average: 0 });
  });

  it("takes the peak over runs of 0.5 to 1.5 target durations (RFC 8216 4.3.4.2), so a dense short segment counts with its neighbour", () => {
    // Target 2 s: the 0.5 s segment alone is too short a window, but with the one before it lasts 2.5 s at 2.4 Mbit/s.
    const segments = [
      { uri: "a", duration: 2, bytes: 250_000 },
      { uri: "b", duration: 0.5, bytes: 500_000 },
    ];
    expect(measureBandwidth(segments, 2)).toEqual({ peak: 2_400_000, average: 2_400_000 });
    // A single segment shorter than half the target is the only run there is.
    expect(measureBandwidth([{ uri: "a", duration: 0.5, bytes: 10_000 }], 4)).toEqual({ peak: 160_000, average: 160_000 });
  });

  it("drops a last audio segment of one AAC frame, and nothing else", () => {
    const two = [
      { uri: "a0", duration: 2.005333 },
      { uri: "a1", duration: 2.005333 },
    ];
    expect(withoutTrailingFrame([...two, { uri: "a2", duration: 0.021333 }])).toEqual(two);
    expect(withoutTrailingFrame([...two, { uri: "a2", duration: 0.042667 }])).toHaveLength(3);
    expect(withoutTrailingFrame([{ uri: "a0", duration: 0.021333 }])).toHaveLength(1);
  });
});

describe("master playlist", () => {
  const variants = [
    {
      uri: "1080p.m3u8",
      bandwidth: 5_105_000,
      averageBandwidth: 3_100_000,
      codecs: "avc1.640028,mp4a.40.2",
      width: 1920,
      height: 1080,
      frameRate: 30,
    },
    {
      uri: "480p.m3u8",
      bandwidth: 1_358_000,
      averageBandwidth: 900_000,
      codecs: "avc1.64001f,mp4a.40.2",
      width: 854,
      height: 480,
      frameRate: 30,
    },
    {
      uri: "720p.m3u8",
      bandwidth: 2_616_000,
      averageBandwidth: 1_700_000,
      codecs: "avc1.64001f,mp4a.40.2",
      width: 1280,
      height: 720,
      frameRate: 29.97002997,
    },
  ];
  const audio = { uri: "audio.m3u8", groupId: "audio", name: "Audio", channels: 2 };

  it("v7 with BANDWIDTH, AVERAGE-BANDWIDTH, CODECS, RESOLUTION, FRAME-RATE and the audio group", () => {
    expect(writeMasterPlaylist(startFirst(variants), audio)).toBe(
      [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",LANGUAGE="und",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio.m3u8"',
        '#EXT-X-STREAM-INF:BANDWIDTH=1358000,AVERAGE-BANDWIDTH=900000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=854x480,FRAME-RATE=30.000,AUDIO="audio"',
        "480p.m3u8",
        '#EXT-X-STREAM-INF:BANDWIDTH=5105000,AVERAGE-BANDWIDTH=3100000,CODECS="avc1.640028,mp4a.40.2",RESOLUTION=1920x1080,FRAME-RATE=30.000,AUDIO="audio"',
        "1080p.m3u8",
        '#EXT-X-STREAM-INF:BANDWIDTH=2616000,AVERAGE-BANDWIDTH=1700000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=29.970,AUDIO="audio"',
        "720p.m3u8",
        "",
      ].join("\n"),
    );
  });

  it("writes an audio-only stream as one variant with CODECS mp4a.40.2, no RESOLUTION, FRAME-RATE or audio group", () => {
    const sound = {
      uri: "audio.m3u8",
      bandwidth: 140_321,
      averageBandwidth: 131_002,
      codecs: "mp4a.40.2",
      width: 0,
      height: 0,
      frameRate: 0,
    };
    const text = writeMasterPlaylist([sound], null);
    expect(text).toBe(
      [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        '#EXT-X-STREAM-INF:BANDWIDTH=140321,AVERAGE-BANDWIDTH=131002,CODECS="mp4a.40.2"',
        "audio.m3u8",
        "",
      ].join("\n"),
    );
    const parsed = HLS.parse(text) as HLS.types.MasterPlaylist;
    expect(parsed.isMasterPlaylist).toBe(true);
    expect(parsed.variants.map((v) => [v.uri, v.bandwidth, v.codecs, v.resolution])).toEqual([
      ["audio.m3u8", 140321, "mp4a.40.2", undefined],
    ]);
  });

  it("offers a 5.1 rendition beside the default stereo one, each with NAME, LANGUAGE and CHANNELS", () => {
    const text = writeMasterPlaylist(
      [variants[1]!],
      [
        { uri: "audio.m3u8", groupId: "audio", name: "Stereo", channels: 2 },
        { uri: "audio_5_1.m3u8", groupId: "audio", name: "5.1", channels: 6, language: "en" },
      ],
    );
    expect(text.split("\n").filter((l) => l.startsWith("#EXT-X-MEDIA"))).toEqual([
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Stereo",LANGUAGE="und",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio.m3u8"',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="5.1",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="6",URI="audio_5_1.m3u8"',
    ]);
    expect(text).toContain('AUDIO="audio"\n480p.m3u8');
  });

  it("no audio group for a silent source", () => {
    expect(writeMasterPlaylist([{ ...variants[1]!, codecs: "avc1.64001f" }], null)).toBe(
      [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        '#EXT-X-STREAM-INF:BANDWIDTH=1358000,AVERAGE-BANDWIDTH=900000,CODECS="avc1.64001f",RESOLUTION=854x480,FRAME-RATE=30.000',
        "480p.m3u8",
        "",
      ].join("\n"),
    );
  });

  it("round-trips through hls-parser", () => {
    const parsed = HLS.parse(writeMasterPlaylist(variants, audio)) as HLS.types.MasterPlaylist;
    expect(parsed.isMasterPlaylist).toBe(true);
    expect(
      parsed.variants.map((v) => [v.uri, v.bandwidth, v.averageBandwidth, v.codecs, v.resolution, v.frameRate, v.audio[0]?.uri]),
    ).toEqual([
      ["1080p.m3u8", 5_105_000, 3_100_000, "avc1.640028,mp4a.40.2", { width: 1920, height: 1080 }, 30, "audio.m3u8"],
      ["480p.m3u8", 1_358_000, 900_000, "avc1.64001f,mp4a.40.2", { width: 854, height: 480 }, 30, "audio.m3u8"],
      ["720p.m3u8", 2_616_000, 1_700_000, "avc1.64001f,mp4a.40.2", { width: 1280, height: 720 }, 29.97, "audio.m3u8"],
    ]);
  });
});

describe("codec string from the init segment", () => {
  const box = (profile: number, compat: number, level: number) =>
    Uint8Array.from([0, 0, 0, 20, 0x61, 0x76, 0x63, 0x43, 1, profile, compat, level, 0xff, 0xe1]);
  it.each([
    [box(0x64, 0x00, 0x28), "avc1.640028"],
    [box(0x42, 0xc0, 0x1e), "avc1.42c01e"],
    [Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), null],
  ])("%#", (init, want) => expect(avcCodecString(init)).toBe(want));
});
