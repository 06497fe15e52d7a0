import type { Request, Response } from "@google-cloud/functions-framework";
import { ErrorCode, EstrenaError } from "../../../lib/contracts/errors.js";
import { CSRF_HEADER } from "../../../lib/contracts/studio.js";
import { isVideoId, videoId } from "../../../lib/runtime/ids.js";
import type { Logger } from "../../../lib/runtime/log.js";
import type { Subscribe } from "../sse.js";
import type { CatalogueStore } from "../store.js";
import { listPage, parseListQuery } from "../list.js";
import { studioVideo } from "../views.js";
import { type ActionDeps, remove, rename, retry } from "./actions.js";
import {
  checkCsrf,
  checkLogin,
  csrfToken,
  type EditorLogin,
  issueSession,
  type LoginLimiter,
  parseBasic,
  readCookie,
  SESSION_COOKIE,
  type Session,
  sessionCookie,
  verifySession,
} from "./auth.js";
import { MAX_PARTS, partCount, partSize, uploadKey } from "./uploads.js";
import type { SubtitleDeps } from "../subtitles.js";
import { deleteSubtitle, listSubtitles, postSubtitle } from "./subtitles.js";

/**
 * The editors' API under /api/studio/. Every route but the login needs the editor login: a cookie session (with
 * the CSRF header and a same-origin Origin on changes) or HTTP Basic for scripts. Anything else is 401, without a
 * `WWW-Authenticate: Basic` challenge, so a browser never caches Basic credentials that a foreign page could ride on.
 */
export interface StudioDeps extends ActionDeps {
  readonly login: EditorLogin;
  readonly limiter: LoginLimiter;
  readonly store: CatalogueStore;
  readonly log: Logger;
  readonly uploadsBucket: string;
  readonly subscribe: Subscribe;
  /** The catalogue's subtitle tracks (../subtitles.ts): the stream bucket, in each video's queue. */
  readonly subtitles: SubtitleDeps;
}

interface Caller {
  readonly user: string;
  /** Null for HTTP Basic (scripts); a session for browsers. */
  readonly session: Session | null;
}

type Handler = (req: Request, res: Response, deps: StudioDeps, caller: Caller, params: readonly string[]) => Promise<void>;

const ID = "(v[0-9a-f]{19})";
const UPLOAD = "([A-Za-z0-9._~+=-]{1,512})";
const routes: readonly { method: string; path: RegExp; handler: Handler }[] = [
  { method: "GET", path: /^\/api\/studio\/session$/, handler: getSession },
  { method: "GET", path: /^\/api\/studio\/videos$/, handler: listVideos },
  { method: "GET", path: new RegExp(`^/api/studio/videos/${ID}$`), handler: getVideo },
  { method: "GET", path: new RegExp(`^/api/studio/videos/${ID}/events$`), handler: videoEvents },
  { method: "PATCH", path: new RegExp(`^/api/studio/videos/${ID}$`), handler: patchVideo },
  { method: "DELETE", path: new RegExp(`^/api/studio/videos/${ID}$`), handler: deleteVideo },
  { method: "POST", path: new RegExp(`^/api/studio/videos/${ID}/retry$`), handler: retryVideo },
  {
    method: "GET",
    path: new RegExp(`^/api/studio/videos/${ID}/subtitles$`),
    handler: (_q, res, d, _c, [id]) => listSubtitles(res, d.subtitles, id!),
  },
  {
    method: "POST",
    path: new RegExp(`^/api/studio/videos/${ID}/subtitles$`),
    handler: (q, res, d, _c, [id]) => postSubtitle(q, res, d.subtitles, id!),
  },
  {
    method: "DELETE",
    path: new RegExp(`^/api/studio/videos/${ID}/subtitles/([A-Za-z0-9-]{1,35})$`),
    handler: (_q, res, d, _c, [id, language]) => deleteSubtitle(res, d.subtitles, id!, language!),
  },
  { method: "POST", path: /^\/api\/studio\/uploads$/, handler: startUpload },
  { method: "GET", path: new RegExp(`^/api/studio/uploads/${UPLOAD}/parts$`), handler: listParts },
  { method: "POST", path: new RegExp(`^/api/studio/uploads/${UPLOAD}/urls$`), handler: partUrls },
  { method: "POST", path: new RegExp(`^/api/studio/uploads/${UPLOAD}/complete$`), handler: completeUpload },
  { method: "DELETE", path: new RegExp(`^/api/studio/uploads/${UPLOAD}$`), handler: abortUpload },
];

export function send(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res
    .status(status)
    .set({ "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers })
    .send(JSON.stringify(body));
}

/** The client's address: the last X-Forwarded-For entry is the one our gateway added. */
function clientOf(req: Request): string {
  const hops = String(req.headers["x-forwarded-for"] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return hops[hops.length - 1] ?? req.socket?.remoteAddress ?? "unknown";
}

/** Where the browser reached us (the gateway passes Host and scheme on): presigned URLs and the Origin check use it. */
export function publicOrigin(req: Request): URL {
  const host = String(req.headers["x-forwarded-host"] ?? req.headers.host ?? "");
  const proto =
    String(req.headers["x-forwarded-proto"] ?? "http")
      .split(",")[0]!
      .trim() === "https"
      ? "https"
      : "http";
  try {
    return new URL(`${proto}://${host}`);
  } catch {
    throw new EstrenaError(ErrorCode.BadRequest, "the request has no usable Host");
  }
}

const isSecure = (req: Request) => publicOrigin(req).protocol === "https:";

function sameOrigin(req: Request): boolean {
  const origin = req.headers.origin;
  if (typeof origin !== "string") return false;
  try {
    return new URL(origin).origin === publicOrigin(req).origin;
  } catch {
    return false;
  }
}

function refuse(res: Response, code: ErrorCode, message: string, status: number, headers: Record<string, string> = {}): void {
  send(res, status, { error: { code, message } }, headers);
}

/** Answers every /api/studio/ request. */
export async function handleStudio(req: Request, res: Response, deps: StudioDeps): Promise<void> {
  const method = req.method === "HEAD" ? "GET" : req.method;
  const client = clientOf(req);
  if (req.path === "/api/studio/session" && method === "POST") return login(req, res, deps, client);
  if (req.path === "/api/studio/session" && method === "DELETE") {
    send(res, 200, { user: null }, { "set-cookie": sessionCookie(null, isSecure(req)) });
    return;
  }
  const caller = authenticate(req, deps, client);
  if (caller === "limited")
    return refuse(res, ErrorCode.RateLimited, "too many failed logins; wait a minute", 429, { "retry-after": "60" });
  if (!caller) return refuse(res, ErrorCode.Unauthorized, "the studio needs the editor login", 401);
  if (caller.session && method !== "GET" && (!sameOrigin(req) || !checkCsrf(deps.login, caller.session, header(req, CSRF_HEADER)))) {
    return refuse(res, ErrorCode.Forbidden, "a change from a browser needs this site's page and its CSRF token", 403);
  }
  const matching = routes.filter((r) => r.path.test(req.path));
  const row = matching.find((r) => r.method === method);
  if (!row) {
    if (matching.length) res.set("allow", matching.map((r) => r.method).join(", "));
    return refuse(
      res,
      matching.length ? ErrorCode.BadRequest : ErrorCode.NotFound,
      `no ${req.method} ${req.path}`,
      matching.length ? 405 : 404,
    );
  }
  await row.handler(req, res, deps, caller, row.path.exec(req.path)?.slice(1) ?? []);
}

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === "string" ? v : undefined;
}

function authenticate(req: Request, deps: StudioDeps, client: string): Caller | null | "limited" {
  const basic = parseBasic(header(req, "authorization"));
  if (basic) {
    if (deps.limiter.retryAfter(client)) return "limited";
    if (checkLogin(deps.login, basic.user, basic.password)) return { user: basic.user, session: null };
    deps.limiter.failed(client);
    deps.log.warn({ client }, "studio: refused Basic login");
    return null;
  }
  const session = verifySession(deps.login, readCookie(header(req, "cookie"), SESSION_COOKIE));
  return session ? { user: session.user, session } : null;
}

async function login(req: Request, res: Response, deps: StudioDeps, client: string): Promise<void> {
  if (req.headers.origin !== undefined && !sameOrigin(req))
    return refuse(res, ErrorCode.Forbidden, "log in from this site's own page", 403);
  const wait = deps.limiter.retryAfter(client);
  if (wait) return refuse(res, ErrorCode.RateLimited, "too many failed logins; wait a minute", 429, { "retry-after": String(wait) });
  const body = (req.body ?? {}) as { user?: unknown; password?: unknown };
  if (typeof body.user !== "string" || typeof body.password !== "string" || !checkLogin(deps.login, body.user, body.password)) {
    deps.limiter.failed(client);
    deps.log.warn({ client }, "studio: refused login");
    return refuse(res, ErrorCode.Unauthorized, "wrong user name or password", 401);
  }
  deps.limiter.succeeded(client);
  const { token, session } = issueSession(deps.login);
  deps.log.info({ client }, "studio: editor logged in");
  send(res, 200, { user: session.user, csrf: csrfToken(deps.login, session) }, { "set-cookie": sessionCookie(token, isSecure(req)) });
}

async function getSession(_req: Request, res: Response, deps: StudioDeps, caller: Caller): Promise<void> {
  send(res, 200, { user: caller.user, csrf: caller.session ? csrfToken(deps.login, caller.session) : null });
}

async function listVideos(req: Request, res: Response, deps: StudioDeps): Promise<void> {
  const page = listPage(await deps.store.all(), parseListQuery(req.query as Record<string, unknown>));
  send(res, 200, { videos: page.videos.map(studioVideo), next: page.next });
}

async function getVideo(_req: Request, res: Response, deps: StudioDeps, _c: Caller, [id]: readonly string[]): Promise<void> {
  const v = await deps.store.get(id!);
  if (!v) throw new EstrenaError(ErrorCode.NotFound, `no video ${id}`);
  send(res, 200, studioVideo(v));
}

/** Live status for editors: the viewers' stream, with every status and the failure message. */
async function videoEvents(req: Request, res: Response, deps: StudioDeps, _c: Caller, [id]: readonly string[]): Promise<void> {
  const first = await deps.store.get(id!);
  if (!first) throw new EstrenaError(ErrorCode.NotFound, `no video ${id}`);
  const [{ streamVideoEvents }, { videoChannel }] = await Promise.all([
    import("../sse.js"),
    import("../../../lib/contracts/cache-keys.js"),
  ]);
  await streamVideoEvents(req, res, {
    store: deps.store,
    subscribe: deps.subscribe,
    channel: videoChannel(first.id),
    first,
    view: studioVideo,
  });
}

async function patchVideo(req: Request, res: Response, deps: StudioDeps, _c: Caller, [id]: readonly string[]): Promise<void> {
  const body = (req.body ?? {}) as { title?: unknown; description?: unknown };
  send(res, 200, studioVideo(await rename(deps, id!, body)));
}

async function deleteVideo(_req: Request, res: Response, deps: StudioDeps, _c: Caller, [id]: readonly string[]): Promise<void> {
  await remove(deps, id!);
  res.status(204).end();
}

async function retryVideo(_req: Request, res: Response, deps: StudioDeps, _c: Caller, [id]: readonly string[]): Promise<void> {
  send(res, 202, studioVideo(await retry(deps, id!)));
}

/** The upload's object key, checked to be one this API hands out. */
function keyParam(value: unknown): string {
  if (typeof value !== "string" || uploadKey(value) !== value) throw new EstrenaError(ErrorCode.BadRequest, "key is not an upload key");
  return value;
}

async function startUpload(req: Request, res: Response, deps: StudioDeps): Promise<void> {
  const body = (req.body ?? {}) as { name?: unknown; size?: unknown; type?: unknown; title?: unknown; replaces?: unknown };
  if (typeof body.name !== "string" || typeof body.size !== "number")
    throw new EstrenaError(ErrorCode.BadRequest, "name and size are required");
  let key = uploadKey(body.name);
  if (body.replaces !== undefined) {
    const old = typeof body.replaces === "string" && isVideoId(body.replaces) ? await deps.store.get(body.replaces) : null;
    if (!old) throw new EstrenaError(ErrorCode.NotFound, "the video to replace does not exist");
    key = old.source.key;
  }
  const contentType = typeof body.type === "string" && /^[\w.+-]+\/[\w.+-]+$/.test(body.type) ? body.type : "application/octet-stream";
  const title = typeof body.title === "string" && body.title.trim() ? body.title.trim().slice(0, 200) : undefined;
  const uploadId = await (await deps.bucket()).start(key, { contentType, ...(title ? { title } : {}) });
  deps.log.info({ key, size: body.size }, "studio: upload started");
  send(res, 201, { key, uploadId, partSize: partSize(body.size), partCount: partCount(body.size) });
}

async function listParts(req: Request, res: Response, deps: StudioDeps, _c: Caller, [uploadId]: readonly string[]): Promise<void> {
  send(res, 200, { parts: await (await deps.bucket()).parts(keyParam(req.query.key), uploadId!) });
}

async function partUrls(req: Request, res: Response, deps: StudioDeps, _c: Caller, [uploadId]: readonly string[]): Promise<void> {
  const body = (req.body ?? {}) as { key?: unknown; parts?: unknown };
  const parts = Array.isArray(body.parts) ? body.parts : [];
  if (!parts.length || parts.length > 100 || !parts.every((n) => Number.isInteger(n) && n >= 1 && n <= MAX_PARTS)) {
    throw new EstrenaError(ErrorCode.BadRequest, `parts must list 1 to 100 part numbers from 1 to ${MAX_PARTS}`);
  }
  const urls = await (await deps.bucket()).partUrls(publicOrigin(req), keyParam(body.key), uploadId!, parts as number[]);
  send(res, 200, { urls });
}

async function completeUpload(req: Request, res: Response, deps: StudioDeps, _c: Caller, [uploadId]: readonly string[]): Promise<void> {
  const body = (req.body ?? {}) as { key?: unknown; parts?: unknown };
  const key = keyParam(body.key);
  const parts = (Array.isArray(body.parts) ? body.parts : []) as { partNumber?: unknown; etag?: unknown }[];
  if (!parts.length || !parts.every((p) => Number.isInteger(p.partNumber) && typeof p.etag === "string")) {
    throw new EstrenaError(ErrorCode.BadRequest, "parts must list every part with its partNumber and etag");
  }
  const { etag } = await (await deps.bucket()).complete(key, uploadId!, parts as { partNumber: number; etag: string }[]);
  deps.log.info({ key }, "studio: upload complete");
  send(res, 200, { key, etag, videoId: videoId(deps.uploadsBucket, key, etag) });
}

async function abortUpload(req: Request, res: Response, deps: StudioDeps, _c: Caller, [uploadId]: readonly string[]): Promise<void> {
  await (await deps.bucket()).abort(keyParam(req.query.key), uploadId!);
  res.status(204).end();
}
