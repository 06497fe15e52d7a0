import type { CloudEvent } from "cloudevents";
import { eventFields, type EventFields } from "../../lib/runtime/log.js";

/** Where dead letters go in the stream bucket; outside `videos/`, so the gateway never serves them. */
export const DEAD_LETTER_PREFIX = "deadletter/";

/** The Knative extensions a dead-letter sink receives (https://knative.dev/docs/eventing/event-delivery/). */
const ERROR_EXTENSIONS = ["knativeerrorcode", "knativeerrordest", "knativeerrordata"] as const;

export interface DeadLetterRecord {
  readonly key: string;
  readonly body: string;
  /** For the log line: enough to trace the upload without opening the object. */
  readonly summary: EventFields & { errorCode?: string; errorDest?: string };
}

/** Object key part safe in S3 and on any file system. */
function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 100);
}

/**
 * The stored form of a dead-lettered event: `deadletter/<day>/<time>-<type>-<id>.json` holding the event as
 * structured JSON, so it can be read in the MinIO console and re-POSTed to the Broker as is.
 */
export function deadLetterRecord(event: CloudEvent<unknown>, receivedAt: Date): DeadLetterRecord {
  const iso = receivedAt.toISOString();
  const json = event.toJSON() as Record<string, unknown>;
  // knativeerrordata is base64 of the subscriber's response body; decode it for the reader.
  const errorData = typeof json.knativeerrordata === "string" ? Buffer.from(json.knativeerrordata, "base64").toString("utf8") : undefined;
  const summary = {
    ...eventFields(event),
    ...(typeof json.knativeerrorcode === "string" ? { errorCode: json.knativeerrorcode } : {}),
    ...(typeof json.knativeerrordest === "string" ? { errorDest: json.knativeerrordest } : {}),
  };
  const errors = Object.fromEntries(ERROR_EXTENSIONS.filter((k) => json[k] !== undefined).map((k) => [k, json[k]]));
  const body = `${JSON.stringify({ receivedAt: iso, ...(errorData !== undefined ? { errorBody: errorData } : {}), errors, event: json }, null, 2)}\n`;
  const key = `${DEAD_LETTER_PREFIX}${iso.slice(0, 10)}/${iso.replace(/[:.]/g, "-")}-${safe(event.type)}-${safe(event.id)}.json`;
  return { key, body, summary };
}
