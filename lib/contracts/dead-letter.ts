/**
 * One dead-lettered event, in the one shape both stores write: the deadletter function (Knative's dead-letter sink,
 * `stream/deadletter/<day>/…json`) and the local event router (`<state>/dead-letter/…json`, npm start and compose).
 * docs/operations.md#dead-letters shows how to read and replay one.
 */

/** The attributes a Knative dead-letter sink receives (https://knative.dev/docs/eventing/event-delivery/). */
export const ERROR_EXTENSIONS = ["knativeerrorcode", "knativeerrordest", "knativeerrordata"] as const;
export type ErrorExtension = (typeof ERROR_EXTENSIONS)[number];

/** How the local router got there; a Knative sink is not told, so the deadletter function leaves it out. */
export interface DeliveryHistory {
  readonly trigger: string;
  readonly subscriber: string;
  readonly url: string;
  readonly attempts: number;
  /** The last HTTP status (0: no answer at all). */
  readonly lastStatus: number;
  readonly lastError: string;
}

export interface DeadLetter {
  /** When the event was dead-lettered (ISO 8601). */
  readonly receivedAt: string;
  /** The subscriber's last answer, decoded from knativeerrordata, when there was one. */
  readonly errorBody?: string;
  /** Knative's knativeerror* attributes as received. */
  readonly errors: Partial<Record<ErrorExtension, string>>;
  /** The event as structured JSON, knativeerror* attributes included; strip those to replay it. */
  readonly event: Readonly<Record<string, unknown>>;
  readonly delivery?: DeliveryHistory;
}

/** Builds the stored record from the event's structured JSON (with its knativeerror* attributes). Pure. */
export function deadLetter(event: Readonly<Record<string, unknown>>, receivedAt: Date, delivery?: DeliveryHistory): DeadLetter {
  const errors: Partial<Record<ErrorExtension, string>> = {};
  for (const k of ERROR_EXTENSIONS) if (typeof event[k] === "string") errors[k] = event[k];
  const errorBody = errors.knativeerrordata === undefined ? undefined : decodeBase64(errors.knativeerrordata);
  return {
    receivedAt: receivedAt.toISOString(),
    ...(errorBody !== undefined ? { errorBody } : {}),
    errors,
    event,
    ...(delivery ? { delivery } : {}),
  };
}

/**
 * The file name: `<time>-<trigger>-<id>.json` from the router (one event can die on two Triggers), `<time>-<type>-<id>.json`
 * from the deadletter function; safe in S3 and on any file system.
 */
export function deadLetterFileName(letter: Pick<DeadLetter, "receivedAt" | "event" | "delivery">): string {
  const what = letter.delivery?.trigger ?? String(letter.event.type ?? "notype");
  return `${letter.receivedAt.replace(/[:.]/g, "-")}-${safe(what)}-${safe(String(letter.event.id ?? "noid"))}.json`;
}

function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 100);
}

/** UTF-8 text of a base64 string, in Node and in browsers alike (contracts stay browser-safe). */
function decodeBase64(s: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
}
