/** A time range of the source, encoded by one short job. Boundaries fall on segment starts. */
export interface Chunk {
  readonly index: number;
  /** Seconds from the start of the source. A whole number of segments. */
  readonly start: number;
  /** Seconds; every chunk but the last is a whole number of segments. */
  readonly duration: number;
}

export interface ChunkOptions {
  readonly segmentSeconds: number;
  /** Sources longer than this are chunked; chunks are this long (rounded down to whole segments, at least one). */
  readonly chunkSeconds: number;
  /** The first chunk of a chunked source is this short, so its upper rungs and storyboard start early. */
  readonly firstChunkSeconds: number;
}

/**
 * Splits a source into chunks aligned to segment boundaries. Pure.
 * A source no longer than `chunkSeconds` is one chunk. Otherwise a short first chunk, then full chunks; a last
 * remainder shorter than one segment joins the chunk before it, so no chunk is a sliver.
 */
export function planChunks(duration: number, o: ChunkOptions): Chunk[] {
  const seg = o.segmentSeconds;
  const full = Math.max(1, Math.floor(o.chunkSeconds / seg)) * seg;
  if (duration <= full) return [{ index: 0, start: 0, duration }];
  const first = Math.min(full, Math.max(1, Math.floor(o.firstChunkSeconds / seg)) * seg);
  const starts = [0];
  for (let t = first; t < duration; t += full) starts.push(t);
  const last = starts[starts.length - 1] ?? 0;
  if (starts.length > 1 && duration - last < seg) starts.pop();
  return starts.map((start, index) => {
    const end = starts[index + 1] ?? duration;
    return { index, start, duration: round6(end - start) };
  });
}

/** Number of segments a chunk yields: whole segments plus a shorter tail. */
export function segmentCount(chunk: Chunk, segmentSeconds: number): number {
  return Math.max(1, Math.ceil(chunk.duration / segmentSeconds - 1e-6));
}

/**
 * Chunk indices to start right away: only the first. It is short and has the machine to itself (with the audio),
 * so the video becomes playable as early as possible; its completion opens the window (see nextChunks).
 */
export function initialChunks(total: number): number[] {
  return total > 0 ? [0] : [];
}

/**
 * Chunks to start when chunk `done` finishes: after chunk 0, the next `parallelism` chunks; after any other, the one
 * `parallelism` places on (a sliding window of `parallelism` chunks in flight).
 */
export function nextChunks(done: number, total: number, parallelism: number): number[] {
  if (done === 0) return Array.from({ length: Math.min(parallelism, total - 1) }, (_, i) => i + 1);
  const n = done + parallelism;
  return n < total ? [n] : [];
}

/** How many chunks from 0 are all done: the part of the video that can be published without gaps. */
export function contiguousDone(done: ReadonlySet<number>): number {
  let k = 0;
  while (done.has(k)) k++;
  return k;
}

/** One AAC frame at 48 kHz: audio segment boundaries fall on frames, so "reaches the chunk's end" allows this much. */
const AAC_FRAME_SECONDS = 1024 / 48_000;

/**
 * How many of the first `k` chunks the audio published so far covers: a chunk counts once the audio reaches its end,
 * so a viewer is never handed video the audio playlist cannot follow yet. `audioSeconds` null: the audio is complete
 * (or there is none) and holds nothing back. Pure.
 */
export function chunksWithAudio(chunks: readonly Chunk[], k: number, audioSeconds: number | null): number {
  if (audioSeconds === null) return k;
  let n = 0;
  for (const c of chunks.slice(0, k)) {
    if (c.start + c.duration > audioSeconds + AAC_FRAME_SECONDS) break;
    n++;
  }
  return n;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
