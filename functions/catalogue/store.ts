import type { Redis } from "ioredis";
import type { Logger } from "../../lib/runtime/log.js";
import { metaKey } from "../../lib/runtime/ids.js";
import type { Video } from "../../lib/contracts/video.js";
import {
  CATALOGUE_COMPLETE,
  CATALOGUE_HASH,
  GONE_SET,
  goneObject,
  isPlaylist,
  sourceIndexObject,
  sourceKey,
  streamIndexKey,
  videoChannel,
} from "../../lib/contracts/cache-keys.js";
import { breaker, RedisSkipped } from "./breaker.js";
import type { Origin } from "./origin.js";

/** What SSE listeners receive on a video's channel. */
export interface VideoMessage {
  readonly type: "progress" | "status" | "deleted";
  readonly video: Video;
}

/** The catalogue's records: meta.json in MinIO is the truth, Redis a cache that may vanish or be down. */
export interface CatalogueStore {
  get(id: string): Promise<Video | null>;
  all(): Promise<Video[]>;
  /** `persist: false` updates only the cache (progress ticks); meta.json keeps the last status change. */
  save(video: Video, opts: { persist: boolean; message: VideoMessage["type"] }): Promise<void>;
  /** Removes the record and the cache entries; the caller removes the media. */
  drop(video: Video): Promise<void>;
  sourceVideos(bucket: string, key: string): Promise<string[]>;
  addSourceVideo(bucket: string, key: string, id: string): Promise<void>;
  dropSource(bucket: string, key: string): Promise<void>;
  /** Drops gateway L2 entries of a video: its playlists, or everything. */
  invalidateStream(id: string, which: "playlists" | "all"): Promise<void>;
  /**
   * Records a video as deleted or replaced (a tombstone in MinIO) and lists it for the gateways' L1 (GONE_SET);
   * `unmarkGone` when the same file is uploaded again later.
   */
  markGone(id: string): Promise<void>;
  /** `tombstone`: the id has one in MinIO to remove (goneAt said so); the gateways' list is cleared either way. */
  unmarkGone(id: string, tombstone: boolean): Promise<void>;
  /** When the video was marked gone (ISO time), or null. */
  goneAt(id: string): Promise<string | null>;
}

interface SourceIndex {
  readonly bucket: string;
  readonly key: string;
  readonly videos: readonly string[];
}

const REBUILD_CONCURRENCY = 8;
/** While Redis is down, a list rebuilt from MinIO is reused this long, so listing viewers do not each re-read every meta.json. */
const FALLBACK_LIST_MS = 2_000;
const SOURCE_TTL_SECONDS = 86_400;
/** After a Redis failure, how long the catalogue goes straight to MinIO before one call tries Redis again. */
const REDIS_RETRY_MS = 1_000;
/** How long a deleted id stays listed for the gateways: longer than any L1 lifetime (gateway/lua/estrena/policy.lua). */
const GONE_KEEP_SECONDS = 3_600;

export function createStore(origin: Origin, redis: Redis, log: Logger): CatalogueStore {
  let fallbackList: { at: number; videos: Video[] } | null = null;
  // Ids whose cache write failed while Redis was away: their cached copy may be stale, so it is dropped first.
  const suspect = new Set<string>();

  const redisBreaker = breaker(REDIS_RETRY_MS);

  /** Runs a Redis command; an outage (down, or hung past the command timeout) is logged and answered with `fallback`, never thrown. */
  async function cached<T>(what: string, op: () => Promise<T>, fallback: T, id?: string): Promise<T> {
    try {
      return await redisBreaker.run(async () => {
        if (suspect.size) await healSuspects();
        return op();
      });
    } catch (err) {
      if (id) suspect.add(id);
      if (err instanceof RedisSkipped) log.debug({ what }, "redis skipped; using MinIO");
      else log.warn({ err: (err as Error).message, what }, "redis unavailable; using MinIO");
      return fallback;
    }
  }

  async function healSuspects(): Promise<void> {
    const ids = [...suspect];
    // The ids are missing from the hash now, so it is no longer complete: the next list rebuilds from MinIO.
    await redis
      .multi()
      .hdel(CATALOGUE_HASH, ...ids)
      .del(CATALOGUE_COMPLETE)
      .exec();
    for (const id of ids) suspect.delete(id);
  }

  async function fromOrigin(id: string): Promise<Video | null> {
    return (await origin.getJson(metaKey(id))) as Video | null;
  }

  async function rebuild(): Promise<Video[]> {
    const ids = await origin.listVideoIds();
    const videos: Video[] = [];
    for (let i = 0; i < ids.length; i += REBUILD_CONCURRENCY) {
      const batch = await Promise.all(ids.slice(i, i + REBUILD_CONCURRENCY).map(fromOrigin));
      for (const v of batch) if (v) videos.push(v);
    }
    return cached(
      "rebuild",
      async () => {
        // HSETNX: an entry written meanwhile by an event is newer than what was listed.
        const tx = redis.multi();
        for (const v of videos) tx.hsetnx(CATALOGUE_HASH, v.id, JSON.stringify(v));
        tx.set(CATALOGUE_COMPLETE, String(videos.length));
        tx.hvals(CATALOGUE_HASH);
        const results = await tx.exec();
        const vals = results?.[results.length - 1]?.[1] as string[] | undefined;
        log.info({ videos: videos.length }, "catalogue cache rebuilt from MinIO");
        return vals ? vals.map((s) => JSON.parse(s) as Video) : videos;
      },
      videos,
    );
  }

  return {
    async get(id) {
      const hit = await cached("get", () => redis.hget(CATALOGUE_HASH, id), null);
      if (hit) return JSON.parse(hit) as Video;
      const video = await fromOrigin(id);
      if (video) await cached("fill", () => redis.hsetnx(CATALOGUE_HASH, id, JSON.stringify(video)), 0);
      return video;
    },
    async all() {
      const vals = await cached(
        "all",
        async () => {
          const [[, complete], [, values]] = (await redis.multi().exists(CATALOGUE_COMPLETE).hvals(CATALOGUE_HASH).exec()) as [
            [unknown, number],
            [unknown, string[]],
          ];
          return complete ? values : null;
        },
        null,
      );
      if (vals) return vals.map((s) => JSON.parse(s) as Video);
      if (fallbackList && Date.now() - fallbackList.at < FALLBACK_LIST_MS) return fallbackList.videos;
      const videos = await rebuild();
      // Only worth keeping when Redis could not take the rebuild; otherwise the next call reads the hash.
      fallbackList = (await cached("probe", () => redis.exists(CATALOGUE_COMPLETE), 0)) ? null : { at: Date.now(), videos };
      return videos;
    },
    async save(video, { persist, message }) {
      if (persist) await origin.putJson(metaKey(video.id), video);
      const payload: VideoMessage = { type: message, video };
      await cached(
        "save",
        () =>
          redis
            .multi()
            .hset(CATALOGUE_HASH, video.id, JSON.stringify(video))
            .publish(videoChannel(video.id), JSON.stringify(payload))
            .exec(),
        null,
        video.id,
      );
    },
    async drop(video) {
      await origin.remove(metaKey(video.id));
      const payload: VideoMessage = { type: "deleted", video };
      await cached(
        "drop",
        () => redis.multi().hdel(CATALOGUE_HASH, video.id).publish(videoChannel(video.id), JSON.stringify(payload)).exec(),
        null,
        video.id,
      );
    },
    async sourceVideos(bucket, key) {
      const hit = await cached("source", () => redis.smembers(sourceKey(bucket, key)), []);
      if (hit.length) return hit;
      const index = (await origin.getJson(sourceIndexObject(bucket, key))) as SourceIndex | null;
      return [...(index?.videos ?? [])];
    },
    async addSourceVideo(bucket, key, id) {
      const index = (await origin.getJson(sourceIndexObject(bucket, key))) as SourceIndex | null;
      if (!index?.videos.includes(id)) {
        await origin.putJson(sourceIndexObject(bucket, key), { bucket, key, videos: [...(index?.videos ?? []), id] } satisfies SourceIndex);
      }
      await cached(
        "source-add",
        () => redis.multi().sadd(sourceKey(bucket, key), id).expire(sourceKey(bucket, key), SOURCE_TTL_SECONDS).exec(),
        null,
      );
    },
    async dropSource(bucket, key) {
      await origin.remove(sourceIndexObject(bucket, key));
      await cached("source-drop", () => redis.del(sourceKey(bucket, key)), 0);
    },
    async markGone(id) {
      await origin.putJson(goneObject(id), { at: new Date().toISOString() });
      const now = Math.floor(Date.now() / 1000);
      await cached(
        "gone",
        () =>
          redis
            .multi()
            .zadd(GONE_SET, now, id)
            .zremrangebyscore(GONE_SET, "-inf", now - GONE_KEEP_SECONDS)
            .exec(),
        null,
      );
    },
    async unmarkGone(id, tombstone) {
      await cached("ungone", () => redis.zrem(GONE_SET, id), 0);
      if (tombstone) await origin.remove(goneObject(id));
    },
    async goneAt(id) {
      const tombstone = (await origin.getJson(goneObject(id))) as { at?: unknown } | null;
      return typeof tombstone?.at === "string" ? tombstone.at : null;
    },
    async invalidateStream(id, which) {
      await cached(
        "invalidate",
        async () => {
          const keys = await redis.smembers(streamIndexKey(id));
          const doomed = which === "all" ? keys : keys.filter((k) => isPlaylist(k));
          if (which === "all") doomed.push(streamIndexKey(id));
          if (doomed.length) await redis.del(...doomed);
          if (which === "playlists" && doomed.length) await redis.srem(streamIndexKey(id), ...doomed);
        },
        undefined,
      );
    },
  };
}
