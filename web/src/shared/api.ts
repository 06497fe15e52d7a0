import type { Video } from "../../../lib/contracts/video.js";

export type { Video };
export type { Rendition, VideoStatus } from "../../../lib/contracts/video.js";

export interface VideoPage {
  readonly videos: readonly Video[];
  readonly next: string | null;
}

/** A failed API call, with the server's stable error code when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url, { headers: { accept: "application/json" }, signal });
  if (!res.ok) {
    let code = `http-${res.status}`;
    let message = `The server answered ${res.status}.`;
    try {
      const body = (await res.json()) as { error?: { code?: string; message?: string } };
      if (body.error?.code) code = body.error.code;
      if (body.error?.message) message = body.error.message;
    } catch {
      // Not JSON (a gateway error page): keep the generic message.
    }
    throw new ApiError(res.status, code, message);
  }
  return (await res.json()) as T;
}

/** `GET /api/videos` with optional search and cursor. */
export function listVideos(opts: { q?: string; cursor?: string | null }, signal?: AbortSignal): Promise<VideoPage> {
  const params = new URLSearchParams();
  if (opts.q) params.set("q", opts.q);
  if (opts.cursor) params.set("cursor", opts.cursor);
  const qs = params.toString();
  return getJson<VideoPage>(`/api/videos${qs ? `?${qs}` : ""}`, signal);
}

/** `GET /api/videos/:id`. */
export function getVideo(id: string, signal?: AbortSignal): Promise<Video> {
  return getJson<Video>(`/api/videos/${encodeURIComponent(id)}`, signal);
}

/** URL of a video's Server-Sent Events stream. */
export function eventsUrl(id: string): string {
  return `/api/videos/${encodeURIComponent(id)}/events`;
}

const STATUSES = new Set(["queued", "processing", "ready", "failed"]);

/**
 * Applies one SSE message to the video we know. The stream may send a whole `Video` or a partial update
 * (`{progress}`, `{status, ...}`); anything that is not an object about this video is ignored.
 */
export function applyUpdate(current: Video, data: unknown): Video {
  if (typeof data !== "object" || data === null) return current;
  const d = data as Record<string, unknown>;
  const inner = typeof d.video === "object" && d.video !== null ? (d.video as Record<string, unknown>) : d;
  const id = inner.id ?? inner.videoId;
  if (id !== undefined && id !== current.id) return current;
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(inner)) {
    if (key === "videoId" || value === undefined) continue;
    if (key === "status" && !STATUSES.has(String(value))) continue;
    if (key === "progress" && (typeof value !== "number" || !Number.isFinite(value))) continue;
    if (key in current) next[key] = value;
  }
  return next as unknown as Video;
}
