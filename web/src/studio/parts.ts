import type { UploadedPart } from "../../../lib/contracts/studio.js";

/** Byte range of part `n` (1-based) of a file cut into `partSize` pieces. */
export function partRange(n: number, partSize: number, size: number): { start: number; end: number } {
  const start = (n - 1) * partSize;
  return { start, end: Math.min(size, start + partSize) };
}

/**
 * What is left to send: every part number not already stored with the size it should have (a part cut short by a
 * dropped connection is never stored by S3, but a size check costs nothing), and the bytes already there.
 */
export function remainingParts(
  size: number,
  partSize: number,
  stored: readonly UploadedPart[],
): { todo: number[]; done: Map<number, string>; doneBytes: number } {
  const count = Math.max(1, Math.ceil(size / partSize));
  const done = new Map<number, string>();
  let doneBytes = 0;
  for (const p of stored) {
    if (p.partNumber < 1 || p.partNumber > count) continue;
    const r = partRange(p.partNumber, partSize, size);
    if (p.size !== r.end - r.start) continue;
    done.set(p.partNumber, p.etag);
    doneBytes += p.size;
  }
  const todo: number[] = [];
  for (let n = 1; n <= count; n++) if (!done.has(n)) todo.push(n);
  return { todo, done, doneBytes };
}

/** Names one file on this machine across page reloads (the page cannot reopen it; the editor picks it again). */
export function fingerprint(file: { name: string; size: number; lastModified: number }, replaces?: string): string {
  return `estrena.upload:${file.name}:${file.size}:${file.lastModified}:${replaces ?? ""}`;
}

/** Waits `ms` after the `attempt`-th failure: 1 s, 2 s, 4 s ... up to 30 s. */
export function backoff(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt - 1));
}
