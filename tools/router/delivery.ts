import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CloudEvent, HTTP } from "cloudevents";
import { type DeadLetter, deadLetterFileName } from "../../lib/contracts/dead-letter.js";

/** Outcome of one HTTP attempt to a subscriber. */
export type Attempt =
  | { readonly ok: true; readonly status: number; readonly reply?: CloudEvent<unknown> }
  | { readonly ok: false; readonly status: number; readonly error: string; readonly retryable: boolean };

/**
 * Knative retries these 4xx answers (not found, timeout, conflict, too many requests) like 5xx;
 * any other 4xx is final. https://knative.dev/docs/eventing/event-delivery/
 */
const RETRYABLE_4XX = new Set([404, 408, 409, 429]);

/** Whether a failed HTTP status is worth another attempt. Status 0 means the request never got an answer. */
export function retryableStatus(status: number): boolean {
  return status === 0 || status >= 500 || RETRYABLE_4XX.has(status);
}

/**
 * Reads a 2xx answer the way a Knative Broker does: an empty body is "done", a CloudEvent is a reply to publish,
 * and any other body is a failure (the Broker answers 502 and redelivers).
 */
export function readReply(headers: Record<string, string>, body: string): { reply?: CloudEvent<unknown>; error?: string } {
  if (body.length === 0 && !headers["ce-specversion"]) return {};
  try {
    if (!HTTP.isEvent({ headers, body }))
      return { error: `non-empty response is not a CloudEvent (content-type ${headers["content-type"] ?? "none"})` };
    const ev = HTTP.toEvent({ headers, body });
    if (Array.isArray(ev)) return { error: "batched CloudEvents are not accepted as a reply" };
    return { reply: ev as CloudEvent<unknown> };
  } catch (err) {
    return { error: `invalid reply CloudEvent: ${(err as Error).message}` };
  }
}

/** POSTs the event in binary content mode, with `auth` headers, and classifies the answer. */
export async function attemptDelivery(
  url: string,
  event: CloudEvent<unknown>,
  timeoutMs: number,
  auth: Readonly<Record<string, string>> = {},
): Promise<Attempt> {
  const msg = HTTP.binary(event);
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      // The router's credential (EVENT_AUTH_TOKEN), which the functions check before reading the event.
      headers: { ...(msg.headers as Record<string, string>), ...auth },
      body: msg.body as string,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { ok: false, status: 0, error: `${(err as Error).message}${cause ? ` (${cause})` : ""}`, retryable: true };
  }
  const body = await res.text().catch(() => "");
  if (!res.ok)
    return {
      ok: false,
      status: res.status,
      error: `subscriber answered ${res.status}: ${body.slice(0, 300)}`,
      retryable: retryableStatus(res.status),
    };
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  const { reply, error } = readReply(headers, body);
  if (error) return { ok: false, status: 502, error, retryable: true };
  return { ok: true, status: res.status, ...(reply ? { reply } : {}) };
}

/** Writes a dead letter (the shape the deadletter function stores too) as one JSON file under `dir`; returns its path. */
export function writeDeadLetter(dir: string, letter: DeadLetter): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, deadLetterFileName(letter));
  writeFileSync(file, `${JSON.stringify(letter, null, 2)}\n`);
  return file;
}
