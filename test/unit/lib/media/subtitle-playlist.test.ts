import { Parser } from "m3u8-parser";
import { describe, expect, it } from "vitest";
import { withSubtitles, writeSubtitlePlaylist } from "../../../../lib/media/subtitle-playlist.js";
import { writeMasterPlaylist } from "../../../../lib/media/playlist.js";

const variant = (uri: string, height: number) => ({
  uri,
  bandwidth: 1_000_000,
  averageBandwidth: 800_000,
  codecs: "avc1.64001f,mp4a.40.2",
  width: (height * 16) / 9,
  height,
  frameRate: 25,
});
const master = writeMasterPlaylist([variant("720p.m3u8", 720), variant("360p.m3u8", 360)], {
  uri: "audio.m3u8",
  groupId: "audio",
  name: "Audio",
  channels: 2,
});
const tracks = [
  { language: "en", name: "English", uri: "sub-en-aaa.m3u8" },
  { language: "pt-BR", name: "Brazilian Portuguese", uri: "sub-pt-BR-bbb.m3u8" },
];

describe("the master with subtitle renditions", () => {
  it("lists each track in group subs and names the group on every variant", () => {
    const out = withSubtitles(master, tracks);
    expect(out.split("\n").filter((l) => l.includes("SUBTITLES"))).toEqual([
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,URI="sub-en-aaa.m3u8"',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Brazilian Portuguese",LANGUAGE="pt-BR",DEFAULT=NO,AUTOSELECT=YES,URI="sub-pt-BR-bbb.m3u8"',
      '#EXT-X-STREAM-INF:BANDWIDTH=1000000,AVERAGE-BANDWIDTH=800000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=25.000,AUDIO="audio",SUBTITLES="subs"',
      '#EXT-X-STREAM-INF:BANDWIDTH=1000000,AVERAGE-BANDWIDTH=800000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=25.000,AUDIO="audio",SUBTITLES="subs"',
    ]);
  });

  it("round-trips through m3u8-parser: the group, names, languages and every variant's SUBTITLES", () => {
    const p = new Parser();
    p.push(withSubtitles(master, tracks));
    p.end();
    const subs = p.manifest.mediaGroups.SUBTITLES.subs as Record<string, { language: string; uri: string; default: boolean }>;
    expect(Object.entries(subs).map(([name, t]) => [name, t.language, t.uri, t.default])).toEqual([
      ["English", "en", "sub-en-aaa.m3u8", false],
      ["Brazilian Portuguese", "pt-BR", "sub-pt-BR-bbb.m3u8", false],
    ]);
    expect(p.manifest.playlists.map((v: { attributes: { SUBTITLES?: string } }) => v.attributes.SUBTITLES)).toEqual(["subs", "subs"]);
  });

  it("is idempotent, replaces the tracks it wrote before, and no track gives the master back unchanged", () => {
    const once = withSubtitles(master, tracks);
    expect(withSubtitles(once, tracks)).toBe(once);
    expect(withSubtitles(once, tracks.slice(1))).toBe(withSubtitles(master, tracks.slice(1)));
    expect(withSubtitles(once, [])).toBe(master);
  });

  it("keeps a hostile NAME inside its quoted string", () => {
    const out = withSubtitles(master, [{ language: "en", name: 'x",URI="evil.m3u8\n#EXT-X-ENDLIST', uri: "sub-en-a.m3u8" }]);
    expect(out).toContain(`NAME="x',URI='evil.m3u8'#EXT-X-ENDLIST",LANGUAGE="en"`);
    expect(out.split("\n").filter((l) => l.startsWith("#EXT-X-MEDIA:TYPE=SUBTITLES"))).toHaveLength(1);
  });
});

describe("the subtitle media playlist", () => {
  it("is one WebVTT segment lasting the video, TARGETDURATION rounded up, VOD with ENDLIST", () => {
    expect(writeSubtitlePlaylist("sub-en-aaa.vtt", 12.48)).toBe(
      [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        "#EXT-X-TARGETDURATION:13",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXTINF:12.480000,",
        "sub-en-aaa.vtt",
        "#EXT-X-ENDLIST",
        "",
      ].join("\n"),
    );
  });
});
