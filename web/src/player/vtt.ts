/** One scrub thumbnail: a time range and the sprite rectangle that shows it. */
export interface ThumbCue {
  readonly start: number;
  readonly end: number;
  /** Absolute URL of the sprite image. */
  readonly url: string;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

const TIMING = /^\s*((?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\s+-->\s+((?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)/;

/** `01:02.500` → 62.5, `1:00:00.000` → 3600. */
export function parseTimestamp(text: string): number {
  const parts = text.trim().replace(",", ".").split(":");
  let seconds = 0;
  for (const part of parts) seconds = seconds * 60 + Number(part);
  return Math.round(seconds * 1000) / 1000;
}

/**
 * Parses a thumbnails WebVTT (cue payload `sprite.jpg#xywh=x,y,w,h`), resolving sprite URLs against `baseUrl`.
 * Written by hand because the browser's VTT parser only runs on <track> elements, and this is 40 lines.
 */
export function parseThumbnailsVtt(text: string, baseUrl: string): ThumbCue[] {
  const cues: ThumbCue[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const timing = TIMING.exec(lines[i] ?? "");
    if (!timing) continue;
    const payload = (lines[i + 1] ?? "").trim();
    const hash = payload.lastIndexOf("#xywh=");
    if (hash < 0) continue;
    const nums = payload
      .slice(hash + 6)
      .split(",")
      .map(Number);
    if (nums.length !== 4 || nums.some((n) => !Number.isFinite(n))) continue;
    const [x, y, w, h] = nums as [number, number, number, number];
    cues.push({
      start: parseTimestamp(timing[1]!),
      end: parseTimestamp(timing[2]!),
      url: new URL(payload.slice(0, hash), baseUrl).href,
      x,
      y,
      w,
      h,
    });
  }
  return cues.sort((a, b) => a.start - b.start);
}

/** The cue covering `time` (binary search over sorted cues); past the end, the last cue. */
export function cueAt(cues: readonly ThumbCue[], time: number): ThumbCue | null {
  if (cues.length === 0 || !Number.isFinite(time)) return null;
  let lo = 0;
  let hi = cues.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (cues[mid]!.start <= time) lo = mid;
    else hi = mid - 1;
  }
  const cue = cues[lo]!;
  return time < cue.start ? cues[0]! : cue;
}
