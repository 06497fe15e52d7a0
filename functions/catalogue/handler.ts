import type { HttpFunction, Request, Response } from "@google-cloud/functions-framework";
import { asEstrenaError, ErrorCode, EstrenaError, statusOf } from "../../lib/contracts/errors.js";
import { isVideoId } from "../../lib/runtime/ids.js";
import { lazy } from "../../lib/runtime/lazy.js";
import { eventFields } from "../../lib/runtime/log.js";
import { publicError } from "../../lib/contracts/failures.js";
import type { Deps } from "./deps.js";
import { isPlayable, viewerList, viewerVideo } from "./views.js";

type Route = (req: Request, res: Response, deps: Deps, params: readonly string[]) => Promise<void>;

/**
 * The catalogue's whole HTTP surface. Routes are data: add one row per endpoint.
 */
const routes: readonly { method: string; path: RegExp; route: Route }[] = [
  { method: "POST", path: /^\/$/, route: receiveEvent },
  { method: "GET", path: /^\/api\/videos\/?$/, route: listVideos },
  { method: "GET", path: /^\/api\/videos\/([^/]+)\/?$/, route: getVideo },
  { method: "GET", path: /^\/api\/videos\/([^/]+)\/events\/?$/, route: videoEvents },
  { method: "GET", path: /^\/healthz\/?$/, route: healthz },
  // The editors' API answers its own routes, and 401 for anything without the editor login (studio/routes.ts).
  { method: "*", path: /^\/api\/studio(\/|$)/, route: studio },
  { method: "POST", path: /^\/api\/qoe\/?$/, route: receiveQoe },
  // Prometheus scrapes the pod directly; the gateway proxies only /api/ and /healthz, so this stays internal.
  { method: "GET", path: /^\/metrics$/, route: metrics },
];

/** Builds the functions-framework handler; `getDeps` runs on the first request and its promise is reused. */
export function createHandler(getDeps: () => Promise<Deps>): HttpFunction {
  const deps = lazy(getDeps);
  return async (req, res) => {
    const method = req.method === "HEAD" ? "GET" : req.method;
    const matching = routes.filter((r) => r.path.test(req.path));
    const row = matching.find((r) => r.method === method || r.method === "*");
    if (!row) {
      if (matching.length) res.set("allow", [...new Set(matching.map((r) => r.method))].join(", "));
      return sendError(
        res,
        matching.length ? 405 : 404,
        new EstrenaError(matching.length ? ErrorCode.BadRequest : ErrorCode.NotFound, `no ${req.method} ${req.path}`),
      );
    }
    try {
      const d = await deps();
      await row.route(req, res, d, row.path.exec(req.path)?.slice(1) ?? []);
    } catch (err) {
      const e = asEstrenaError(err);
      if (!res.headersSent) sendError(res, statusOf(e), e);
      else res.end();
    }
  };
}

function sendJson(res: Response, status: number, body: unknown, cacheControl = "no-cache"): void {
  res.status(status).set({ "content-type": "application/json; charset=utf-8", "cache-control": cacheControl }).send(JSON.stringify(body));
}

/**
 * Errors of our own making keep their message (a bad cursor, an unknown id); trouble inside (storage, bugs) is
 * answered with the table's message, since its text may hold a path or an errno name (kept in the log instead).
 */
function sendError(res: Response, status: number, err: EstrenaError): void {
  const inside = err.code === ErrorCode.Internal || err.code === ErrorCode.Unavailable;
  sendJson(res, status, { error: inside ? publicError(err) : err.toJSON() }, "no-store");
}

async function receiveEvent(req: Request, res: Response, deps: Deps): Promise<void> {
  const [{ decodeCloudEvent, deliveryStatus }, { decodeEvent }, { applyIntake }] = await Promise.all([
    import("../../lib/runtime/cloudevents.js"),
    import("./intake.js"),
    import("./apply.js"),
  ]);
  let type = "unknown";
  // Bound to the event's ceId, type and videoId once decoded, so these lines join the upload's trace.
  let log = deps.log;
  try {
    const ce = decodeCloudEvent(req, deps.config.eventToken);
    type = ce.type;
    log = deps.log.child(eventFields(ce));
    const intake = decodeEvent({ type: ce.type, id: ce.id, data: ce.data });
    await applyIntake({ ...deps, log, streamBase: deps.config.publicStreamBase }, intake);
    (await deps.metrics()).eventHandled(type);
    // 204: applied, no reply event (a Knative broker re-publishes a 200 reply body).
    res.status(204).end();
  } catch (err) {
    const e = asEstrenaError(err);
    (await deps.metrics()).eventFailed(type, e.code);
    log.warn({ type, code: e.code, retryable: e.retryable, err: e.message }, "event not applied");
    // For event delivery 5xx means "redeliver": only for trouble that may pass; a sender without the router's
    // credential gets 401; anything else is garbage: 400.
    sendError(res, deliveryStatus(e), e);
  }
}

async function listVideos(req: Request, res: Response, deps: Deps): Promise<void> {
  const { listPage, parseListQuery } = await import("./list.js");
  const query = parseListQuery(req.query as Record<string, unknown>);
  const page = listPage(viewerList(await deps.store.all()), query);
  sendJson(res, 200, { videos: page.videos.map(viewerVideo), next: page.next });
}

/** A video viewers may see; failed, deleted, unknown and not yet playable ones are all just "not found". */
async function findPlayable(deps: Deps, id: string | undefined) {
  const video = id && isVideoId(id) ? await deps.store.get(id) : null;
  if (!video || !isPlayable(video)) throw new EstrenaError(ErrorCode.NotFound, "no such video");
  return video;
}

async function getVideo(_req: Request, res: Response, deps: Deps, [id]: readonly string[]): Promise<void> {
  sendJson(res, 200, viewerVideo(await findPlayable(deps, id)));
}

async function videoEvents(req: Request, res: Response, deps: Deps, [id]: readonly string[]): Promise<void> {
  const first = await findPlayable(deps, id);
  const [{ streamVideoEvents }, { videoChannel }] = await Promise.all([import("./sse.js"), import("../../lib/contracts/cache-keys.js")]);
  await streamVideoEvents(req, res, {
    store: deps.store,
    subscribe: deps.subscribe,
    channel: videoChannel(first.id),
    first,
    view: viewerVideo,
  });
}

async function studio(req: Request, res: Response, deps: Deps): Promise<void> {
  const { handleStudio } = await import("./studio/routes.js");
  await handleStudio(req, res, await deps.studio());
}

async function healthz(_req: Request, res: Response, deps: Deps): Promise<void> {
  const { health } = await import("./health.js");
  const { httpStatus, body } = await health(deps.origin, deps.redis);
  sendJson(res, httpStatus, body, "no-store");
}

/** Player QoE beacon (see ./qoe.ts): folded into Prometheus metrics; 204, since sendBeacon ignores answers. */
async function receiveQoe(req: Request, res: Response, deps: Deps): Promise<void> {
  const { parseQoeBeacon, qoeMetrics } = await import("./qoe.js");
  qoeMetrics((await deps.metrics()).registry).record(parseQoeBeacon(req.rawBody ?? req.body));
  res.status(204).end();
}

/** `GET /metrics`: the catalogue's Prometheus registry (events, cache lookups, QoE). */
async function metrics(req: Request, res: Response, deps: Deps): Promise<void> {
  const { serveMetrics } = await import("../../lib/runtime/metrics.js");
  await serveMetrics(await deps.metrics(), req, res);
}
