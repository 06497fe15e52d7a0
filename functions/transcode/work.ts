import { stat } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCode, EstrenaError } from "../../lib/contracts/errors.js";
import type { Deps } from "./deps.js";
import type { Segment } from "../../lib/media/playlist.js";
import type { Plan } from "../../lib/media/plan.js";

/**
 * Durable job records, in the stream bucket outside `videos/` (so the gateway never serves them). A finished job
 * writes its manifest after everything it uploaded, so "the manifest exists" means "the job's output is complete".
 */
export const jobKeys = {
  prefix: (videoId: string) => `jobs/${videoId}/`,
  donePrefix: (videoId: string) => `jobs/${videoId}/done/`,
  done: (videoId: string, job: string) => `jobs/${videoId}/done/${job}.json`,
  plan: (videoId: string) => `jobs/${videoId}/plan.json`,
  /** Written once the plan step has sent its jobs (and run a standard source's remux): the upload event's work is handed on. */
  started: (videoId: string) => `jobs/${videoId}/started.json`,
  ready: (videoId: string) => `jobs/${videoId}/ready.json`,
  /** The audio segments uploaded so far while the audio job runs (an AudioManifest that only grows). */
  audioPartial: (videoId: string) => `jobs/${videoId}/audio-partial.json`,
};

export interface SegmentRecord extends Segment {
  readonly bytes: number;
}
/** What one chunk produced: per rung its segments in order, and the storyboard tiles (one per segment). */
export interface ChunkManifest {
  readonly chunk: number;
  readonly rungs: Readonly<Record<string, readonly SegmentRecord[]>>;
  readonly tiles: readonly { readonly start: number; readonly duration: number }[];
  /** Per rung, the codec string read from the init segment (see codecs.ts). */
  readonly codecs?: Readonly<Record<string, string>>;
}
export interface AudioManifest {
  readonly segments: readonly SegmentRecord[];
  /** The 5.1 rendition's segments, for a source with 5.1 or more channels (only in the finished job's manifest). */
  readonly surround?: readonly SegmentRecord[];
}

/** Finished jobs of a video: Redis's set, completed from the bucket's manifests when Redis lost it. */
export async function doneJobs(deps: Deps, videoId: string, expected: number): Promise<Set<string>> {
  const fast = await deps.state.done(videoId).catch(() => new Set<string>());
  if (fast.size >= expected) return fast;
  const names = await deps.store.list(jobKeys.donePrefix(videoId));
  const all = new Set([...fast, ...names.filter((n) => n.endsWith(".json")).map((n) => n.slice(0, -5))]);
  // Put back what Redis forgot, so the next check is fast again.
  for (const j of all) if (!fast.has(j)) await deps.state.markDone(videoId, j).catch(() => undefined);
  return all;
}

/** How long a job waits for another holder of its lock before asking for redelivery. Under Knative's 600 s cap. */
export const LOCK_WAIT_MS = 8 * 60_000;
/**
 * How often a waiting job tries the lock again. Short: the publish lock is held for a few object writes, and a lead
 * segment or the continuation of a lead job waiting a whole second for it would be a second a viewer waits.
 */
const LOCK_POLL_MS = 100;

/**
 * Runs `work` under the job's lock unless the job is already done. A second delivery of a running job waits for the
 * first: if that finishes, this one returns "done"; if its worker died, the lock expires (it is renewed only while
 * the worker lives) and this delivery takes the job over.
 */
export async function underLock<T>(
  deps: Deps,
  videoId: string,
  job: string,
  isDone: () => Promise<boolean>,
  work: (lost: AbortSignal) => Promise<T>,
): Promise<T | "done"> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    if (await isDone()) return "done";
    const lock = await deps.state.tryLock(videoId, job, deps.config.jobLockSeconds);
    if (lock) {
      try {
        if (await isDone()) return "done";
        return await work(lock.lost);
      } finally {
        await lock.release();
      }
    }
    if (Date.now() > deadline) throw new EstrenaError(ErrorCode.Unavailable, `job ${videoId}/${job} is still held by another worker`, true);
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
  }
}

/** The source on local disk, downloaded once per process and reused by every job of the video. */
export async function sourceFile(deps: Deps, plan: Pick<Plan, "videoId" | "source">): Promise<string> {
  const path = join(deps.config.workDir, "src", plan.videoId);
  const ok = await stat(path).then(
    (s) => s.size === plan.source.size,
    () => false,
  );
  if (ok) return path;
  let pending = deps.downloads.get(path);
  if (!pending) {
    pending = deps.store.download(plan.source.bucket, plan.source.key, path).finally(() => deps.downloads.delete(path));
    deps.downloads.set(path, pending);
  }
  await pending;
  return path;
}

export async function readJson<T>(deps: Deps, key: string): Promise<T | null> {
  const text = await deps.store.getText(key);
  return text === null ? null : (JSON.parse(text) as T);
}
