import { type CloudEvent, HTTP } from "cloudevents";
import { ErrorCode, EstrenaError } from "../contracts/errors.js";
import { authorizeDelivery } from "./event-auth.js";

/**
 * CloudEvents over HTTP for every function, written once: decode a delivery, answer it by outcome, send an event.
 * With Knative (and the local router, which behaves the same way) a 5xx answer means "redeliver", a 2xx "done".
 */

/** The parts of a functions-framework request a decoder reads. */
export interface EventRequest {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body?: unknown;
  readonly rawBody?: Buffer;
}

/**
 * Decodes one binary- or structured-mode CloudEvent. A missing or invalid envelope, or a batch, is the sender's
 * fault: a non-retryable bad-request (answered 400, never redelivered). With `token` (EVENT_AUTH_TOKEN) the
 * delivery must first carry the router's credential, else it is refused unread (401, event-auth.ts).
 */
export function decodeCloudEvent(req: EventRequest, token = ""): CloudEvent<unknown> {
  authorizeDelivery(req.headers, token);
  let parsed: CloudEvent<unknown> | CloudEvent<unknown>[];
  try {
    const body = req.rawBody ? req.rawBody.toString("utf8") : req.body;
    parsed = HTTP.toEvent({ headers: req.headers, body }) as CloudEvent<unknown> | CloudEvent<unknown>[];
  } catch (err) {
    throw new EstrenaError(ErrorCode.BadRequest, `not a CloudEvent: ${(err as Error).message}`);
  }
  if (Array.isArray(parsed)) throw new EstrenaError(ErrorCode.BadRequest, "batched CloudEvents are not accepted");
  return parsed;
}

/**
 * The status that answers a failed delivery: 503 (redeliver) only for trouble that may pass, 401 for a sender
 * without the router's credential, else 400 (drop).
 */
export function deliveryStatus(err: EstrenaError): 400 | 401 | 503 {
  if (err.retryable) return 503;
  return err.code === ErrorCode.Unauthorized ? 401 : 400;
}

/** What handling a delivery ended in. */
export type Outcome =
  /** Done, with a reply event the Broker publishes. */
  | { readonly status: 200; readonly event: CloudEvent<unknown> }
  /** Done, nothing to say (202 accepted, 204 applied). */
  | { readonly status: 202 | 204 }
  /** Not done: the error decides between redelivery and drop (deliveryStatus). */
  | { readonly status: "failed"; readonly error: EstrenaError };

/** The parts of a functions-framework response an outcome is written to. */
export interface EventResponse {
  status(code: number): EventResponse;
  set(headers: Record<string, string>): EventResponse;
  send(body: unknown): unknown;
  json(body: unknown): unknown;
  end(): unknown;
}

/** Answers a delivery: a reply in binary mode, an empty 2xx, or the error as JSON with its delivery status. */
export function replyWith(res: EventResponse, outcome: Outcome): void {
  if (outcome.status === 200) {
    const msg = HTTP.binary(outcome.event);
    res
      .status(200)
      .set(msg.headers as Record<string, string>)
      .send(msg.body);
  } else if (outcome.status === "failed") {
    res.status(deliveryStatus(outcome.error)).json({ error: outcome.error.toJSON() });
  } else {
    res.status(outcome.status).end();
  }
}

/** Parses K_CE_OVERRIDES (`{"extensions":{...}}`, set by a SinkBinding) into extension attributes. */
export function parseCeOverrides(raw: string): Record<string, string> {
  if (!raw) return {};
  const parsed = JSON.parse(raw) as { extensions?: Record<string, unknown> };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed.extensions ?? {})) out[k] = String(v);
  return out;
}

/** POSTs an event in binary mode. Throws (retryable) when the sink is unreachable or answers non-2xx. */
export async function sendEvent(
  sink: string,
  event: CloudEvent<unknown>,
  overrides: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<void> {
  if (!sink) throw new Error("K_SINK is not set: nowhere to send events");
  const withOverrides = Object.keys(overrides).length ? event.cloneWith(overrides) : event;
  const msg = HTTP.binary(withOverrides);
  const res = await fetch(sink, {
    method: "POST",
    headers: msg.headers as Record<string, string>,
    body: msg.body as string,
    signal: signal ?? AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`sink ${sink} answered ${res.status}`);
  await res.body?.cancel();
}
