import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * Job state in Redis: locks, the set of finished jobs, progress. Redis is a fast path, not the truth: a finished job
 * also leaves a manifest in the stream bucket (see store.ts), so a flush never loses work. Keys carry no TTL while a
 * video is in flight (Redis runs volatile-lru: only keys with a TTL may be evicted) and expire a day after it is ready.
 */
export interface JobState {
  /** Takes a lock, renewing it while held. Null when another holder has it. */
  tryLock(videoId: string, job: string, ttlSeconds: number): Promise<Lock | null>;
  markDone(videoId: string, job: string): Promise<void>;
  done(videoId: string): Promise<Set<string>>;
  /** Counts a failed attempt at a job and returns the count so far. */
  attempt(videoId: string, job: string): Promise<number>;
  /** Records progress if higher than what was recorded; true when it was. Keeps progress monotonic across instances. */
  raiseProgress(videoId: string, progress: number): Promise<boolean>;
  /** How far the media playlists go so far (0 = never published): in chunks, or for a source with lead rungs in segments of each lead rung. */
  published(videoId: string): Promise<number>;
  setPublished(videoId: string, count: number): Promise<void>;
  /** Lets a finished video's keys expire. */
  retire(videoId: string, seconds: number): Promise<void>;
  /** Drops a video's job state at once (its job is to be done anew). */
  forget(videoId: string): Promise<void>;
  /** Records how many chunks a video has, for the chunks-waiting metric (removed by `retire` or `unplan`). */
  planned(videoId: string, chunks: number): Promise<void>;
  /** Drops a video from the chunks-waiting metric (it failed). */
  unplan(videoId: string): Promise<void>;
  /** Chunk jobs planned and not yet done, over every video in flight: the `estrena_transcode_chunks_waiting` gauge. */
  chunksWaiting(): Promise<number>;
}

export interface Lock {
  /** Aborts when the lock could not be renewed (another holder may now run the job). */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

const key = (videoId: string, part: string) => `estrena:tx:${videoId}:${part}`;
/** A video's job state, apart from its locks. */
const PARTS = ["done", "attempts", "progress", "published"];
/** videoId → chunk count of the videos in flight (no TTL while in flight, like the rest of the job state). */
const PLANNED = "estrena:tx:planned";
/** Chunk job names (jobs.ts chunkJobName). */
const CHUNK_JOB = /^c\d{4}$/;

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RAISE = `local c = tonumber(redis.call('get', KEYS[1]) or '-1') if tonumber(ARGV[1]) > c then redis.call('set', KEYS[1], ARGV[1]) return 1 end return 0`;

/** Job state on a Redis client. */
export function redisJobState(redis: Redis): JobState {
  return {
    async tryLock(videoId, job, ttlSeconds) {
      const k = key(videoId, `lock:${job}`);
      const token = randomUUID();
      const ttl = ttlSeconds * 1000;
      const ok = await redis.set(k, token, "PX", ttl, "NX");
      if (ok !== "OK") return null;
      const lost = new AbortController();
      const timer = setInterval(
        () => {
          redis.eval(RENEW, 1, k, token, String(ttl)).then(
            (r) => {
              if (r !== 1) lost.abort(new Error(`lock ${k} lost`));
            },
            () => undefined, // Redis briefly down: keep going; the lock simply may expire.
          );
        },
        Math.max(500, ttl / 3),
      );
      timer.unref();
      return {
        lost: lost.signal,
        async release() {
          clearInterval(timer);
          await redis.eval(RELEASE, 1, k, token).catch(() => undefined);
        },
      };
    },
    async markDone(videoId, job) {
      await redis.sadd(key(videoId, "done"), job);
    },
    async done(videoId) {
      return new Set(await redis.smembers(key(videoId, "done")));
    },
    async attempt(videoId, job) {
      return redis.hincrby(key(videoId, "attempts"), job, 1);
    },
    async raiseProgress(videoId, progress) {
      return (await redis.eval(RAISE, 1, key(videoId, "progress"), progress.toFixed(3))) === 1;
    },
    async published(videoId) {
      return Number((await redis.get(key(videoId, "published"))) ?? 0);
    },
    async setPublished(videoId, count) {
      await redis.set(key(videoId, "published"), String(count));
    },
    async retire(videoId, seconds) {
      const m = redis.multi();
      for (const part of PARTS) m.expire(key(videoId, part), seconds);
      m.hdel(PLANNED, videoId);
      await m.exec();
    },
    async forget(videoId) {
      await redis.del(...PARTS.map((part) => key(videoId, part)));
    },
    async planned(videoId, chunks) {
      await redis.hset(PLANNED, videoId, String(chunks));
    },
    async unplan(videoId) {
      await redis.hdel(PLANNED, videoId);
    },
    async chunksWaiting() {
      const planned = Object.entries(await redis.hgetall(PLANNED));
      if (!planned.length) return 0;
      const m = redis.multi();
      for (const [videoId] of planned) m.smembers(key(videoId, "done"));
      const done = ((await m.exec()) ?? []).map(
        ([, members]) => ((members as string[] | null) ?? []).filter((j) => CHUNK_JOB.test(j)).length,
      );
      return planned.reduce((sum, [, chunks], i) => sum + Math.max(0, Number(chunks) - (done[i] ?? 0)), 0);
    },
  };
}
