/**
 * Segment boundaries for a remuxed (standard) source: its video can only be cut at its own keyframes, so every rung
 * is cut there, and the encoded rungs get keyframes forced at exactly those times so that all rungs switch cleanly.
 * Pure.
 */

/** Tolerance when comparing media times (ffprobe prints microseconds). */
const EPS = 1e-6;

/**
 * Where ffmpeg's hls muxer cuts a stream whose keyframes are `keyframes`: at the first keyframe at least
 * k × `target` seconds after the first packet, for k = 1, 2, ... (hlsenc.c: `end_pts = hls_time * number`).
 * Returns the segment start times, the first being the first keyframe. Modelled, not guessed: the remux step
 * checks the segments it gets against these.
 */
export function segmentCuts(keyframes: readonly number[], target: number): number[] {
  const first = keyframes[0];
  if (first === undefined) return [];
  const cuts = [first];
  for (const t of keyframes) {
    if (t - first >= cuts.length * target - EPS) cuts.push(t);
  }
  return cuts;
}

/** Segment durations from cut times and the source's duration. Pure. */
export function cutDurations(cuts: readonly number[], duration: number): number[] {
  return cuts.map((c, i) => round6((cuts[i + 1] ?? duration) - c)).filter((d) => d > EPS);
}

/** EXT-X-TARGETDURATION for these segments: every EXTINF rounded to the nearest integer fits (RFC 8216 4.3.3.1). */
export function targetDuration(durations: readonly number[], atLeast = 1): number {
  return Math.max(atLeast, ...durations.map((d) => Math.round(d)));
}

/** A time range of the source encoded by one job; the same shape as the chunk planner's. */
export interface CutChunk {
  readonly index: number;
  readonly start: number;
  readonly duration: number;
}

/**
 * Splits the source into chunks that start on cuts: a short first chunk (at least `firstSeconds`), then chunks of
 * at least `chunkSeconds`; a source no longer than `chunkSeconds` is one chunk, and a last chunk of less than one
 * segment joins the one before. Pure.
 */
export function cutChunks(cuts: readonly number[], duration: number, firstSeconds: number, chunkSeconds: number): CutChunk[] {
  if (duration <= chunkSeconds || cuts.length < 2) return [{ index: 0, start: 0, duration }];
  const starts = [cuts[0] ?? 0];
  for (const c of cuts) {
    const from = starts[starts.length - 1] ?? 0;
    const want = starts.length === 1 ? firstSeconds : chunkSeconds;
    if (c - from >= want - EPS) starts.push(c);
  }
  // A last chunk of a single short segment would be a job for a sliver: it joins the chunk before.
  const last = starts[starts.length - 1] ?? 0;
  if (starts.length > 1 && cuts.filter((c) => c >= last - EPS).length < 2) starts.pop();
  starts[0] = 0;
  return starts.map((start, index) => ({ index, start, duration: round6((starts[index + 1] ?? duration) - start) }));
}

/**
 * `-force_key_frames` for one chunk: the cut times inside it, a millisecond early so that the frame exactly at the cut
 * is the one forced (ffmpeg forces the first frame whose timestamp reaches the listed time, after rounding to the
 * encoder's time base). Pure.
 */
export function forcedKeyframes(cuts: readonly number[], chunk: CutChunk): string {
  return cutsIn(cuts, chunk)
    .map((c) => Math.max(0, c - 0.001).toFixed(6))
    .join(",");
}

/** The cuts inside a chunk: where its segments start. Pure. */
export function cutsIn(cuts: readonly number[], chunk: CutChunk): number[] {
  return cuts.filter((c) => c >= chunk.start - EPS && c < chunk.start + chunk.duration - EPS);
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
