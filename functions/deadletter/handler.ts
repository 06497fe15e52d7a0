import type { HttpFunction, Request, Response } from "@google-cloud/functions-framework";
import type { CloudEvent } from "cloudevents";
import { asEstrenaError, ErrorCode, EstrenaError } from "../../lib/contracts/errors.js";
import { decodeCloudEvent, replyWith } from "../../lib/runtime/cloudevents.js";
import { parseConfig } from "../../lib/runtime/config.js";
import { createLogger, type Logger } from "../../lib/runtime/log.js";
import { createMetrics, withMetrics, type Metrics } from "../../lib/runtime/metrics.js";
import { lazy } from "../../lib/runtime/lazy.js";
import { createStorage } from "../../lib/runtime/storage.js";
import { deadLetterRecord } from "./record.js";

export interface DeadLetterDeps {
  /** Stores one object in the stream bucket. */
  readonly put: (key: string, body: string) => Promise<void>;
  readonly log: Logger;
  readonly metrics?: Metrics;
  readonly now?: () => Date;
}

/**
 * The Broker's dead-letter sink. Answers 202 once the event is stored (no reply event: a dead letter must never
 * re-enter the Broker), 400 for a request that is not a CloudEvent, 503 when storage fails so delivery is retried.
 */
export function createDeadLetterHandler(getDeps: () => DeadLetterDeps): HttpFunction {
  return async (req: Request, res: Response) => {
    if (req.method === "GET" || req.method === "HEAD") return void res.status(200).json({ status: "ok" });
    const deps = getDeps();
    let event: CloudEvent<unknown>;
    try {
      event = decodeCloudEvent(req);
    } catch (err) {
      const error = asEstrenaError(err);
      deps.log.warn({ err: error.message }, "dead-letter request is not a CloudEvent");
      return replyWith(res, { status: "failed", error });
    }
    const record = deadLetterRecord(event, (deps.now ?? (() => new Date()))());
    try {
      await deps.put(record.key, record.body);
    } catch (err) {
      deps.metrics?.eventFailed(event.type, "unavailable");
      deps.log.error({ ...record.summary, err: (err as Error).message }, "dead letter not stored; asking for redelivery");
      return replyWith(res, { status: "failed", error: new EstrenaError(ErrorCode.Unavailable, (err as Error).message, true) });
    }
    deps.metrics?.eventHandled(event.type);
    deps.log.error({ ...record.summary, key: record.key }, "event dead-lettered: delivery failed after every retry");
    replyWith(res, { status: 202 });
  };
}

/** The deployed handler, with `GET /metrics`; deps are built from the environment on first use. */
export function deadLetterHandler(env: NodeJS.ProcessEnv = process.env): HttpFunction {
  const metrics = lazy(() => createMetrics("deadletter"));
  const deps = lazy((): DeadLetterDeps => {
    const config = parseConfig(env);
    const s3 = createStorage(config);
    return {
      put: async (key, body) => {
        await s3.putObject(config.streamBucket, key, Buffer.from(body), Buffer.byteLength(body), { "Content-Type": "application/json" });
      },
      log: createLogger("deadletter", config.logLevel),
      metrics: metrics(),
    };
  });
  return withMetrics(metrics, createDeadLetterHandler(deps));
}
