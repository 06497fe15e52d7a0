import { createHash, timingSafeEqual } from "node:crypto";
import type { HttpFunction, Request, Response } from "@google-cloud/functions-framework";
import type { CloudEvent } from "cloudevents";
import { parseConfig } from "../../lib/runtime/config.js";
import { ErrorCode, EstrenaError, asEstrenaError, statusOf } from "../../lib/contracts/errors.js";
import { parseCeOverrides, sendEvent } from "../../lib/runtime/cloudevents.js";
import { lazy } from "../../lib/runtime/lazy.js";
import { createLogger, eventFields, type Logger } from "../../lib/runtime/log.js";
import { createMetrics, withMetrics, type Metrics } from "../../lib/runtime/metrics.js";
import { notificationToEvents, parseNotification, type IngestEvent } from "./s3-event.js";

/** What the handler needs from the outside world; tests pass their own. */
export interface IngestDeps {
  /** The webhook bearer token; empty means "not configured" and every POST is refused. */
  readonly token: string;
  readonly send: (event: CloudEvent<unknown>) => Promise<void>;
  readonly log: Logger;
  readonly metrics?: Metrics;
}

/** The `Authorization` value MinIO sends for a token: as-is when it already has a scheme (`Key Value`), else `Bearer <token>`. */
export function expectedAuthorization(token: string): string {
  return token.trim().split(/\s+/).length === 2 ? token : `Bearer ${token}`;
}

/** Constant-time check of the Authorization header (digests first, so lengths leak nothing either). */
export function authorized(header: string | undefined, token: string): boolean {
  if (!token || header === undefined) return false;
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(header), digest(expectedAuthorization(token)));
}

/** The request body as JSON: functions-framework has already parsed `application/json`; anything else arrives as text or bytes. */
export function bodyJson(body: unknown): unknown {
  if (Buffer.isBuffer(body)) body = body.toString("utf8");
  if (typeof body !== "string") return body;
  if (!body.trim()) throw new EstrenaError(ErrorCode.BadRequest, "empty body: expected an S3 event notification (JSON)");
  try {
    return JSON.parse(body);
  } catch (err) {
    throw new EstrenaError(ErrorCode.BadRequest, `body is not JSON: ${(err as Error).message}`);
  }
}

function reply(res: Response, status: number, body: unknown): void {
  res.status(status).json(body);
}

function fail(res: Response, err: EstrenaError): void {
  reply(res, statusOf(err), { error: err.toJSON() });
}

/**
 * Builds the webhook handler. Answers: 200 with the emitted ids when every event reached the sink;
 * 401 bad token; 400 not an S3 notification; 503 when the token is unset or the sink failed, so MinIO's
 * queue keeps the notification and retries it (ids are stable, so a partial first attempt is harmless).
 */
export function createIngestHandler(getDeps: () => IngestDeps): HttpFunction {
  return async (req: Request, res: Response) => {
    if (req.method === "GET" || req.method === "HEAD") return reply(res, 200, { status: "ok" });
    if (req.method !== "POST") return reply(res, 405, { error: { code: ErrorCode.BadRequest, message: "POST an S3 event notification" } });
    let deps: IngestDeps;
    try {
      deps = getDeps();
    } catch (err) {
      // Bad configuration: 503 keeps MinIO retrying until an operator fixes it.
      return fail(res, new EstrenaError(ErrorCode.Unavailable, `ingest is misconfigured: ${(err as Error).message}`));
    }
    const { log } = deps;
    if (!deps.token) {
      log.error("WEBHOOK_AUTH_TOKEN is not set: ingest refuses every notification until it is");
      return fail(
        res,
        new EstrenaError(ErrorCode.Unavailable, "ingest has no webhook token configured and refuses to run unauthenticated"),
      );
    }
    if (!authorized(req.get("authorization"), deps.token)) {
      log.warn({ ip: req.ip }, "webhook with a missing or wrong bearer token");
      return fail(res, new EstrenaError(ErrorCode.Unauthorized, "missing or wrong bearer token"));
    }
    let events: IngestEvent[];
    let records: number;
    try {
      const notification = parseNotification(bodyJson(req.body));
      records = notification.Records?.length ?? 0;
      events = notificationToEvents(notification);
    } catch (err) {
      const e = asEstrenaError(err);
      log.warn({ err: e.message }, "rejected webhook body");
      return fail(res, e.code === ErrorCode.Internal ? new EstrenaError(ErrorCode.BadRequest, e.message) : e);
    }
    const results = await Promise.allSettled(events.map((e) => deps.send(e)));
    const failed = results.flatMap((r, i) => (r.status === "rejected" ? [{ event: events[i]!, reason: r.reason as unknown }] : []));
    for (const [i, r] of results.entries()) {
      const e = events[i]!;
      const line = { ...eventFields(e), key: e.data!.key };
      if (r.status === "fulfilled") {
        deps.metrics?.eventHandled(e.type);
        log.info(line, "event sent");
      } else {
        deps.metrics?.eventFailed(e.type, ErrorCode.Unavailable);
        log.error({ ...line, err: String(r.reason) }, "event not delivered; MinIO will retry the notification");
      }
    }
    if (failed.length) {
      return fail(
        res,
        new EstrenaError(
          ErrorCode.Unavailable,
          `${failed.length} of ${events.length} events not delivered: ${String(failed[0]!.reason)}`,
          true,
        ),
      );
    }
    if (records > events.length)
      log.info({ records, events: events.length }, "records acknowledged without an event (metadata-only or unrelated)");
    reply(res, 200, { accepted: events.length, ignored: records - events.length, ids: events.map((e) => e.id) });
  };
}

/** The deployed handler: the webhook plus `GET /metrics` on the same port. Deps are built on first use, from the environment. */
export function ingestHandler(env: NodeJS.ProcessEnv = process.env): HttpFunction {
  const metrics = lazy(() => createMetrics("ingest"));
  const deps = lazy((): IngestDeps => {
    const config = parseConfig(env);
    const overrides = parseCeOverrides(config.ceOverrides);
    return {
      token: config.webhookToken,
      send: (e) => sendEvent(config.sink, e, overrides),
      log: createLogger("ingest", config.logLevel),
      metrics: metrics(),
    };
  });
  return withMetrics(metrics, createIngestHandler(deps));
}
