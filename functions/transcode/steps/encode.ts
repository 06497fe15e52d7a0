import { randomUUID } from "node:crypto";
import { mkdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Deps } from "../deps.js";
import { readMediaPlaylist } from "../../../lib/media/playlist.js";
import type { Plan } from "../../../lib/media/plan.js";
import type { SegmentRecord } from "../work.js";

/** A scratch directory for one attempt at one job; a retried job never sees a dead attempt's files. */
export async function scratch(deps: Deps, plan: Plan, job: string): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = join(deps.config.workDir, plan.videoId, `${job}-${randomUUID().slice(0, 8)}`);
  await mkdir(dir, { recursive: true });
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Reads back what ffmpeg's hls muxer wrote: segment names, durations and sizes, in order. */
export async function producedSegments(dir: string, playlist: string): Promise<SegmentRecord[]> {
  const { segments } = readMediaPlaylist(await readFile(join(dir, playlist), "utf8"));
  const out: SegmentRecord[] = [];
  for (const s of segments) out.push({ uri: s.uri, duration: s.duration, bytes: (await stat(join(dir, s.uri))).size });
  if (out.length === 0) throw new Error(`ffmpeg produced no segments for ${playlist}`);
  return out;
}

/** Uploads files from a scratch dir to the video's folder, a few at a time. */
export async function uploadAll(deps: Deps, prefix: string, dir: string, files: readonly string[]): Promise<void> {
  const queue = [...files];
  const worker = async () => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) await deps.store.putFile(prefix + f, join(dir, f));
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}
