import { ErrorCode, EstrenaError } from "../contracts/errors.js";
import { SUBTITLE_MAX_BYTES } from "../contracts/subtitles.js";

/**
 * Subtitle files in, clean WebVTT out: SRT and WebVTT are both read into cues and written again as WebVTT, so what
 * we publish is ours whatever was uploaded (no STYLE or REGION blocks, no unknown markup, no foreign timestamp map).
 * Hand-written: the npm parsers either build a DOM (vtt.js, browser-only) or keep the input's markup as is; the
 * grammar we accept is a timing line and text lines, a few dozen lines to own (https://www.w3.org/TR/webvtt1/).
 */

export interface Cue {
  /** Seconds from the start of the video. */
  readonly start: number;
  readonly end: number;
  /** Cue settings kept from a WebVTT timing line (`align:start line:0`); empty for SRT. */
  readonly settings: string;
  /** Cue text lines, markup cleaned; never empty, never a blank line. */
  readonly lines: readonly string[];
}

/** The most cues one file may hold (a 3-hour film has ~2,000). */
export const MAX_CUES = 20_000;
/** Cues past 24 hours are not subtitles for any video we accept. */
const MAX_SECONDS = 24 * 3600;

/** `subtitle-invalid` with the editor's reason in the log message (the record keeps the code's fixed message). */
function invalid(why: string): EstrenaError {
  return new EstrenaError(ErrorCode.SubtitleInvalid, `subtitle file refused: ${why}`);
}

/** UTF-8 (BOM or not); files that are not UTF-8 are read as Windows-1252, which is what older SRT tools write. */
export function decodeSubtitle(bytes: Uint8Array): string {
  if (bytes.byteLength > SUBTITLE_MAX_BYTES) {
    throw new EstrenaError(ErrorCode.SubtitleTooLarge, `subtitle file of ${bytes.byteLength} bytes is over ${SUBTITLE_MAX_BYTES}`);
  }
  if (bytes.includes(0)) throw invalid("it holds NUL bytes (a binary file, or UTF-16)");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder("windows-1252").decode(bytes);
  }
  return text.replace(/^\uFEFF/, "");
}

// [hh:]mm:ss(.|,)mmm — WebVTT needs the dot, SRT writes a comma; both are read.
const TIME = String.raw`(?:(\d{1,3}):)?([0-5]?\d):([0-5]\d)[.,](\d{1,3})`;
const TIMING = new RegExp(String.raw`^\s*${TIME}\s*-->\s*${TIME}(.*)$`);
const SETTING = /^(?:vertical|line|position|size|align):[\w.%,-]{1,20}$/;

function seconds(h: string | undefined, m: string, s: string, ms: string): number {
  return Number(h ?? 0) * 3600 + Number(m) * 60 + Number(s) + Number(ms.padEnd(3, "0")) / 1000;
}

// Tags a WebVTT cue may carry (classes and annotations dropped), and inline timestamps.
const KEEP_TAG = /^<\/?(?:i|b|u|c|v|lang|ruby|rt)(?:[.\s][^<>]*)?>$|^<\d{1,3}:\d{2}(?::\d{2})?\.\d{3}>$/i;

/** Cue text as WebVTT wants it: known tags kept without attributes, anything else dropped, `&`, `<`, `>` escaped. */
export function cleanCueText(line: string): string {
  let out = "";
  // A tag starts right after `<` with a letter, `/` or a timestamp digit; "a < b" is text.
  for (const part of line.split(/(<\/?[A-Za-z][^<>]{0,200}>|<\d[\d:.]{4,12}>)/)) {
    if (part.startsWith("<") && part.endsWith(">")) {
      if (KEEP_TAG.test(part)) out += part.replace(/^(<\/?[a-z]+)[^>]*>$/i, (_, open: string) => `${open.toLowerCase()}>`);
      continue;
    }
    out += part
      .replace(/&(?!(?:amp|lt|gt|nbsp|lrm|rlm);)/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;");
  }
  // Control characters (other than tab) would break a player's parser; they carry nothing readable.
  return out.replace(/(?!\t)\p{Cc}/gu, "").trimEnd();
}

/** Reads WebVTT or SRT text into cues. Throws `subtitle-invalid` when nothing in it is a cue. */
export function parseSubtitles(text: string): Cue[] {
  const blocks = text.replace(/\r\n?/g, "\n").split(/\n[ \t]*\n/);
  const cues: Cue[] = [];
  const isVtt = /^WEBVTT(?:[ \t].*)?$/.test(blocks[0]?.split("\n")[0] ?? "");
  for (const [i, block] of blocks.entries()) {
    const lines = block.split("\n").filter((l, j) => j > 0 || l.trim());
    // WebVTT's header, NOTE, STYLE and REGION blocks carry no cue.
    if (isVtt && (i === 0 || /^(?:NOTE|STYLE|REGION)(?:\s|$)/.test(lines[0] ?? ""))) {
      if (i === 0 && lines.some((l) => TIMING.test(l))) throw invalid("the WEBVTT header runs into the first cue");
      continue;
    }
    const at = lines.findIndex((l) => TIMING.test(l));
    // The timing is the first or second line (after an SRT number or a WebVTT cue id).
    if (at < 0 || at > 1) continue;
    const m = TIMING.exec(lines[at]!)!;
    const start = seconds(m[1], m[2]!, m[3]!, m[4]!);
    const end = seconds(m[5], m[6]!, m[7]!, m[8]!);
    if (!(end > start) || end > MAX_SECONDS) continue;
    const settings = isVtt
      ? (m[9] ?? "")
          .trim()
          .split(/\s+/)
          .filter((s) => SETTING.test(s))
          .join(" ")
      : "";
    const body = lines
      .slice(at + 1)
      .map(cleanCueText)
      .filter((l) => l.trim());
    if (!body.length) continue;
    cues.push({ start, end, settings, lines: body });
    if (cues.length > MAX_CUES) throw invalid(`more than ${MAX_CUES} cues`);
  }
  if (!cues.length) throw invalid("no cue with a valid timing line and text");
  return cues.sort((a, b) => a.start - b.start || a.end - b.end);
}

function timestamp(t: number): string {
  const ms = Math.round(t * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

/**
 * Writes cues as one WebVTT segment. X-TIMESTAMP-MAP ties cue time 0 to media time 0 (our fMP4 timeline starts at the
 * source's zero): RFC 8216 3.5 and the HLS authoring spec; hls.js places the cues with it even before the video's
 * first fragment has set its initPTS.
 */
export function writeWebVtt(cues: readonly Cue[]): string {
  const out = ["WEBVTT", "X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000", ""];
  for (const c of cues) {
    out.push(`${timestamp(c.start)} --> ${timestamp(c.end)}${c.settings ? ` ${c.settings}` : ""}`, ...c.lines, "");
  }
  return out.join("\n");
}

/** A sidecar's bytes (SRT or WebVTT) as our WebVTT, with the end of its last cue. Throws typed `subtitle-*` errors. */
export function toWebVtt(bytes: Uint8Array): { vtt: string; end: number; cues: number } {
  const cues = parseSubtitles(decodeSubtitle(bytes));
  return { vtt: writeWebVtt(cues), end: Math.max(...cues.map((c) => c.end)), cues: cues.length };
}
