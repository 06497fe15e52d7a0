import type { CloudEvent } from "cloudevents";
import { deadLetter, deadLetterFileName } from "../../lib/contracts/dead-letter.js";
import { type EventFields, eventFields } from "../../lib/runtime/log.js";

/** Where dead letters go in the stream bucket; outside `videos/`, so the gateway never serves them. */
export const DEAD_LETTER_PREFIX = "deadletter/";

export interface DeadLetterRecord {
  readonly key: string;
  readonly body: string;
  /** For the log line: enough to trace the upload without opening the object. */
  readonly summary: EventFields & { errorCode?: string; errorDest?: string };
}

/**
 * The stored form of a dead-lettered event: `deadletter/<day>/<time>-<type>-<id>.json` holding the one dead-letter
 * shape (lib/contracts/dead-letter.ts), so it can be read in the MinIO console and replayed.
 */
export function deadLetterRecord(event: CloudEvent<unknown>, receivedAt: Date): DeadLetterRecord {
  const letter = deadLetter(event.toJSON() as Record<string, unknown>, receivedAt);
  const summary = {
    ...eventFields(event),
    ...(letter.errors.knativeerrorcode !== undefined ? { errorCode: letter.errors.knativeerrorcode } : {}),
    ...(letter.errors.knativeerrordest !== undefined ? { errorDest: letter.errors.knativeerrordest } : {}),
  };
  const key = `${DEAD_LETTER_PREFIX}${letter.receivedAt.slice(0, 10)}/${deadLetterFileName(letter)}`;
  return { key, body: `${JSON.stringify(letter, null, 2)}\n`, summary };
}
