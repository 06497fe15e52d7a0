import { describe, expect, it } from "vitest";
import { ErrorCode, EstrenaError } from "../../../../lib/contracts/errors.js";
import { SUBTITLE_MAX_BYTES } from "../../../../lib/contracts/subtitles.js";
import { cleanCueText, decodeSubtitle, parseSubtitles, toWebVtt } from "../../../../lib/media/webvtt.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const HEADER = "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n";

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof EstrenaError ? err.code : `raw: ${(err as Error).message}`;
  }
}

describe("SRT → WebVTT", () => {
  it("converts numbered SRT cues, commas to dots, CRLF and a BOM", () => {
    const srt =
      "\uFEFF1\r\n00:00:01,000 --> 00:00:02,500\r\nHello\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\n<i>two</i> lines\r\nhere\r\n";
    expect(toWebVtt(bytes(srt))).toEqual({
      vtt: `${HEADER}00:00:01.000 --> 00:00:02.500\nHello\n\n00:00:03.000 --> 00:00:04.000\n<i>two</i> lines\nhere\n`,
      end: 4,
      cues: 2,
    });
  });

  it("drops SRT markup WebVTT lacks (font, positions) and escapes stray & < >", () => {
    const srt = '1\n00:00:01,000 --> 00:00:02,000 X1:10 X2:20\n<font color="red">R&D</font> a < b > c --> d\n';
    expect(toWebVtt(bytes(srt)).vtt).toBe(`${HEADER}00:00:01.000 --> 00:00:02.000\nR&amp;D a &lt; b &gt; c --&gt; d\n`);
  });

  it("reads Windows-1252 text (older SRT tools) as such", () => {
    const latin = Uint8Array.from([...bytes("1\n00:00:01,000 --> 00:00:02,000\nCaf"), 0xe9, 0x0a]);
    expect(toWebVtt(latin).vtt).toContain("Café");
  });

  it("sorts cues by start, skips blocks with a bad or reversed timing, keeps hours past 99 out", () => {
    const srt = [
      "1\n00:00:05,000 --> 00:00:06,000\nlate",
      "2\n00:00:01,000 --> 00:00:02,000\nearly",
      "3\n00:00:04,000 --> 00:00:03,000\nreversed",
      "4\nnot a timing\ntext",
      "5\n25:00:00,000 --> 25:00:01,000\nbeyond a day",
    ].join("\n\n");
    expect(parseSubtitles(srt).map((c) => c.lines[0])).toEqual(["early", "late"]);
  });
});

describe("WebVTT in", () => {
  it("keeps cue ids out, settings it knows, and drops NOTE, STYLE and REGION blocks and a foreign timestamp map", () => {
    const vtt = [
      "WEBVTT - a title\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000",
      "NOTE a comment",
      "STYLE\n::cue { color: red }",
      "intro\n00:01.000 --> 00:02.000 align:start line:0 bogus:x\n<v Ann>Hi</v> <c.loud>there</c>",
    ].join("\n\n");
    expect(toWebVtt(bytes(vtt)).vtt).toBe(`${HEADER}00:00:01.000 --> 00:00:02.000 align:start line:0\n<v>Hi</v> <c>there</c>\n`);
  });

  it("cleans cue text: unknown tags out, entities kept, control characters out", () => {
    expect(cleanCueText("<script>x</script> &amp; <b>y</b>\u0007")).toBe("x &amp; <b>y</b>");
  });
});

describe("hostile or garbage files end as typed subtitle failures", () => {
  it.each([
    ["binary (NUL bytes)", Uint8Array.from([0x00, 0x01, 0x02, 0xff])],
    ["UTF-16 text", Uint8Array.from([0xff, 0xfe, 0x57, 0x00, 0x45, 0x00])],
    ["text without a cue", bytes("just some notes\nabout the talk\n")],
    ["a cue without text", bytes("1\n00:00:01,000 --> 00:00:02,000\n\n")],
    ["a WEBVTT header that runs into a cue", bytes("WEBVTT\n00:01.000 --> 00:02.000\nx\n")],
    ["an empty file", bytes("")],
  ])("%s → subtitle-invalid", (_name, input) => {
    expect(codeOf(() => toWebVtt(input))).toBe(ErrorCode.SubtitleInvalid);
  });

  it("over the size cap → subtitle-too-large, before reading it", () => {
    expect(codeOf(() => decodeSubtitle(new Uint8Array(SUBTITLE_MAX_BYTES + 1)))).toBe(ErrorCode.SubtitleTooLarge);
  });

  it("too many cues → subtitle-invalid", () => {
    const many = Array.from({ length: 20_001 }, (_, i) => `00:00:0${i % 9}.000 --> 00:00:09.500\nx`).join("\n\n");
    expect(codeOf(() => parseSubtitles(many))).toBe(ErrorCode.SubtitleInvalid);
  });

  it("a pathological line does not run away (no regex backtracking on long input)", () => {
    const line = `${"0".repeat(200_000)}:00:00,000 --> x\ntext`;
    expect(codeOf(() => toWebVtt(bytes(line)))).toBe(ErrorCode.SubtitleInvalid);
  });
});
