import type { ErrorCode } from "../../lib/contracts/errors.js";
import type { UploadData } from "../../lib/contracts/events.js";
import type { MediaKind, Rendition, Video, VideoStatus } from "../../lib/contracts/video.js";
import { titleFor } from "./title.js";

/** What the catalogue learns from one event, decoded and validated at the edge (see intake.ts). */
export type CatalogueEvent =
  | { readonly kind: "uploaded"; readonly upload: UploadData }
  | {
      readonly kind: "processing";
      readonly duration: number;
      readonly width: number;
      readonly height: number;
      readonly media: MediaKind;
    }
  | { readonly kind: "progress"; readonly progress: number }
  | { readonly kind: "playable"; readonly renditions: readonly Rendition[] }
  | {
      readonly kind: "ready";
      readonly duration: number;
      readonly width: number;
      readonly height: number;
      readonly media: MediaKind;
      readonly renditions: readonly Rendition[];
      /** Which optional files the stream prefix holds (checked by the handler, so the reducer stays pure). */
      readonly present: { readonly poster: boolean; readonly thumbnails: boolean };
    }
  | { readonly kind: "failed"; readonly error: { readonly code: ErrorCode; readonly message: string } };

export type CatalogueEventKind = CatalogueEvent["kind"];

/** Where viewers fetch a video's files; `base` is PUBLIC_STREAM_BASE (default `/stream`). */
export interface Links {
  readonly hls: string;
  readonly poster: string;
  readonly thumbnails: string;
}

export function linksFor(base: string, id: string): Links {
  const root = `${base.replace(/\/+$/, "")}/${id}`;
  return { hls: `${root}/master.m3u8`, poster: `${root}/poster.jpg`, thumbnails: `${root}/thumbnails.vtt` };
}

const RANK: Record<VideoStatus, number> = { queued: 0, processing: 1, ready: 2, failed: 2 };

export function isTerminal(status: VideoStatus): boolean {
  return RANK[status] === 2;
}

/** A new `queued` record from an upload event. */
export function newVideo(upload: UploadData): Video {
  return {
    id: upload.videoId,
    title: titleFor(upload.title, upload.key),
    source: { bucket: upload.bucket, key: upload.key, size: upload.size, etag: upload.etag },
    createdAt: upload.eventTime,
    status: "queued",
    progress: 0,
    duration: null,
    width: null,
    height: null,
    renditions: [],
    hls: null,
    poster: null,
    thumbnails: null,
    error: null,
  };
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/**
 * Applies one event to a video. Monotonic: nothing leaves `ready` or `failed`, progress only grows,
 * and an event that changes nothing returns the very same object (so callers can skip the write).
 * `null` in means "not known yet"; only an upload creates a record.
 */
export function applyEvent(video: Video | null, event: CatalogueEvent, links: Links): Video | null {
  if (event.kind === "uploaded") return video ?? newVideo(event.upload);
  if (!video || isTerminal(video.status)) return video;
  const next = step(video, event, links);
  return sameVideo(video, next) ? video : next;
}

function step(v: Video, e: Exclude<CatalogueEvent, { kind: "uploaded" }>, links: Links): Video {
  switch (e.kind) {
    case "processing":
      return { ...v, status: "processing", kind: e.media, duration: e.duration, width: e.width, height: e.height };
    case "progress":
      return { ...v, status: "processing", progress: Math.max(v.progress, clamp01(e.progress)) };
    case "playable":
      // Playable while still processing: the master playlist exists, its media playlists are EVENT playlists.
      return { ...v, status: "processing", renditions: e.renditions, hls: links.hls };
    case "ready":
      return {
        ...v,
        status: "ready",
        progress: 1,
        kind: e.media,
        duration: e.duration,
        width: e.width,
        height: e.height,
        renditions: e.renditions,
        hls: links.hls,
        poster: e.present.poster ? links.poster : null,
        thumbnails: e.present.thumbnails ? links.thumbnails : null,
        error: null,
      };
    case "failed":
      return { ...v, status: "failed", error: e.error };
  }
}

function sameVideo(a: Video, b: Video): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** True when only `progress` differs: the catalogue then updates Redis and skips rewriting meta.json. */
export function onlyProgressChanged(before: Video, after: Video): boolean {
  return before !== after && sameVideo({ ...before, progress: after.progress }, after);
}
