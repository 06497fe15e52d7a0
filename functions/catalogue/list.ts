import { ErrorCode, EstrenaError } from "../../lib/contracts/errors.js";
import type { Video } from "../../lib/contracts/video.js";

export interface ListQuery {
  readonly q: string;
  readonly cursor: string | null;
  readonly limit: number;
}

export interface Page {
  readonly videos: readonly Video[];
  readonly next: string | null;
}

export const DEFAULT_LIMIT = 24;
export const MAX_LIMIT = 100;

/** Position after which the next page starts: keyset pagination stays stable while videos are added. */
interface Position {
  readonly c: string;
  readonly i: string;
}

/** Newest first; ties (same createdAt) broken by id so the order is total. */
export function newestFirst(a: Pick<Video, "createdAt" | "id">, b: Pick<Video, "createdAt" | "id">): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Lower-case, accents removed, so "cancion" finds "Canción". */
export function fold(s: string): string {
  return s
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
}

/** Every whitespace-separated term of `q` must appear in the title. */
export function matches(title: string, q: string): boolean {
  const t = fold(title);
  return fold(q)
    .split(/\s+/)
    .filter(Boolean)
    .every((term) => t.includes(term));
}

export function encodeCursor(v: Pick<Video, "createdAt" | "id">): string {
  return Buffer.from(JSON.stringify({ c: v.createdAt, i: v.id } satisfies Position)).toString("base64url");
}

/** Throws `bad-cursor` for anything encodeCursor did not produce. */
export function decodeCursor(cursor: string): Position {
  const bad = () => new EstrenaError(ErrorCode.BadCursor, "cursor is not one this API returned");
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) throw bad();
  let p: unknown;
  try {
    p = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  if (typeof p !== "object" || p === null) throw bad();
  const { c, i } = p as Record<string, unknown>;
  if (typeof c !== "string" || typeof i !== "string" || Number.isNaN(Date.parse(c))) throw bad();
  return { c, i };
}

/** One page of the catalogue for a query. Pure: the caller passes every video. */
export function listPage(all: readonly Video[], query: ListQuery): Page {
  const after = query.cursor === null ? null : decodeCursor(query.cursor);
  const hits = all
    .filter((v) => query.q === "" || matches(v.title, query.q))
    .filter((v) => after === null || newestFirst({ createdAt: after.c, id: after.i }, v) < 0)
    .sort(newestFirst);
  const videos = hits.slice(0, query.limit);
  const last = videos[videos.length - 1];
  return { videos, next: hits.length > query.limit && last ? encodeCursor(last) : null };
}

/** Reads `q`, `cursor` and `limit` from a query string object; bad values are `bad-request` / `bad-cursor`. */
export function parseListQuery(query: Record<string, unknown>): ListQuery {
  const one = (name: string): string | null => {
    const v = query[name];
    if (v === undefined) return null;
    if (typeof v !== "string") throw new EstrenaError(ErrorCode.BadRequest, `${name} must be given once`);
    return v;
  };
  const q = (one("q") ?? "").trim();
  if (q.length > 200) throw new EstrenaError(ErrorCode.BadRequest, "q is longer than 200 characters");
  const rawLimit = one("limit");
  const limit = rawLimit === null ? DEFAULT_LIMIT : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw new EstrenaError(ErrorCode.BadRequest, `limit must be an integer from 1 to ${MAX_LIMIT}`);
  const cursor = one("cursor") || null;
  if (cursor !== null) decodeCursor(cursor);
  return { q, cursor, limit };
}
