import type { CompletedUpload, StartedUpload, StudioSession, StudioVideo, UploadedPart } from "../../../lib/contracts/studio.js";
import { ApiError } from "../shared/api.js";

export type { StudioVideo };

const CSRF_HEADER = "x-csrf-token";
const BASE = "/api/studio";

/**
 * The studio API from the page: the session cookie goes along by itself (same origin); every change also carries
 * the CSRF token that the login or session answer gave us.
 */
export class StudioApi {
  private csrf: string | null = null;

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    // A file (subtitles) goes as the raw body; anything else as JSON.
    const raw = body instanceof Blob;
    if (body !== undefined) headers["content-type"] = raw ? "application/octet-stream" : "application/json";
    if (method !== "GET" && this.csrf) headers[CSRF_HEADER] = this.csrf;
    const res = await fetch(`${BASE}${path}`, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
    });
    if (!res.ok) {
      let code = `http-${res.status}`;
      let message = `The server answered ${res.status}.`;
      try {
        const err = ((await res.json()) as { error?: { code?: string; message?: string } }).error;
        if (err?.code) code = err.code;
        if (err?.message) message = err.message;
      } catch {
        // Not JSON (a gateway page): keep the generic message.
      }
      throw new ApiError(res.status, code, message);
    }
    return res.status === 204 ? (undefined as T) : ((await res.json()) as T);
  }

  /** The current session, or null when nobody is logged in. */
  async session(): Promise<StudioSession | null> {
    try {
      const s = await this.call<StudioSession>("GET", "/session");
      this.csrf = s.csrf;
      return s;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return null;
      throw err;
    }
  }

  async login(user: string, password: string): Promise<StudioSession> {
    const s = await this.call<StudioSession>("POST", "/session", { user, password });
    this.csrf = s.csrf;
    return s;
  }

  async logout(): Promise<void> {
    await this.call("DELETE", "/session");
    this.csrf = null;
  }

  videos(): Promise<{ videos: StudioVideo[]; next: string | null }> {
    return this.call("GET", "/videos?limit=100");
  }

  video(id: string): Promise<StudioVideo> {
    return this.call("GET", `/videos/${encodeURIComponent(id)}`);
  }

  rename(id: string, change: { title?: string; description?: string }): Promise<StudioVideo> {
    return this.call("PATCH", `/videos/${encodeURIComponent(id)}`, change);
  }

  retry(id: string): Promise<StudioVideo> {
    return this.call("POST", `/videos/${encodeURIComponent(id)}/retry`, {});
  }

  remove(id: string): Promise<void> {
    return this.call("DELETE", `/videos/${encodeURIComponent(id)}`);
  }

  /** Adds (or replaces) the subtitles of one language: the .vtt or .srt file as the body. */
  addSubtitles(id: string, language: string, file: Blob): Promise<StudioVideo> {
    return this.call("POST", `/videos/${encodeURIComponent(id)}/subtitles?language=${encodeURIComponent(language)}`, file);
  }

  removeSubtitles(id: string, language: string): Promise<void> {
    return this.call("DELETE", `/videos/${encodeURIComponent(id)}/subtitles/${encodeURIComponent(language)}`);
  }

  startUpload(file: { name: string; size: number; type: string }, opts: { title?: string; replaces?: string }): Promise<StartedUpload> {
    return this.call("POST", "/uploads", { name: file.name, size: file.size, type: file.type, ...opts });
  }

  async uploadedParts(key: string, uploadId: string): Promise<UploadedPart[]> {
    return (
      await this.call<{ parts: UploadedPart[] }>("GET", `/uploads/${encodeURIComponent(uploadId)}/parts?key=${encodeURIComponent(key)}`)
    ).parts;
  }

  async partUrls(key: string, uploadId: string, parts: number[]): Promise<Record<string, string>> {
    return (await this.call<{ urls: Record<string, string> }>("POST", `/uploads/${encodeURIComponent(uploadId)}/urls`, { key, parts }))
      .urls;
  }

  complete(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<CompletedUpload> {
    return this.call("POST", `/uploads/${encodeURIComponent(uploadId)}/complete`, { key, parts });
  }

  abort(key: string, uploadId: string): Promise<void> {
    return this.call("DELETE", `/uploads/${encodeURIComponent(uploadId)}?key=${encodeURIComponent(key)}`);
  }
}

/** URL of a video's live status stream for the studio (every status, failures included). */
export function studioEventsUrl(id: string): string {
  return `${BASE}/videos/${encodeURIComponent(id)}/events`;
}
