import type { HttpFunction, Request, Response } from "@google-cloud/functions-framework";
import { HTTP, type CloudEvent } from "cloudevents";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { decodeCloudEvent, deliveryStatus } from "../../lib/runtime/cloudevents.js";
import { parseConfig } from "../../lib/runtime/config.js";
import { lazy } from "../../lib/runtime/lazy.js";
import { asEstrenaError, ErrorCode, type EstrenaError } from "../../lib/contracts/errors.js";
import { estrenaEvent } from "../../lib/contracts/events.js";
import { createMetrics, withMetrics, type Metrics } from "../../lib/runtime/metrics.js";
import { createDeps, type Deps } from "./deps.js";
import { decodeJob, failureAction, jobName, type Job, type JobKind } from "./jobs.js";
import { isAudioOnlyPlan } from "../../lib/media/plan.js";
import { audioStep } from "./steps/audio.js";
import { audioOnlyStep } from "./steps/audio-only.js";
import { remuxStep } from "./steps/remux.js";
import { withdraw } from "./withdraw.js";
import { chunkStep } from "./steps/chunk.js";
import { finalizeStep } from "./steps/finalize.js";
import { planStep } from "./steps/plan.js";

/** What a delivery ends in: 200 with a reply event, 202 with nothing to say, or 503 to ask for redelivery. */
export type Outcome =
  | { readonly status: 200; readonly event: CloudEvent<unknown> }
  | { readonly status: 202 }
  | { readonly status: 503; readonly error: EstrenaError };

type Handler<K extends JobKind> = (deps: Deps, job: Extract<Job, { kind: K }>) => Promise<CloudEvent<unknown> | null>;
/** One handler per job kind; the compiler rejects a kind without one. */
const handlers: { readonly [K in JobKind]: Handler<K> } = {
  plan: (deps, job) => planStep(deps, job.upload),
  chunk: (deps, job) => chunkStep(deps, job.plan, job.chunk),
  // A standard source's "audio" job remuxes its video and audio (steps/remux.ts); an audio-only upload's draws its
  // waveform too (steps/audio-only.ts); otherwise it encodes the audio.
  audio: (deps, job) =>
    job.plan.passthrough
      ? remuxStep(deps, job.plan)
      : isAudioOnlyPlan(job.plan)
        ? audioOnlyStep(deps, job.plan)
        : audioStep(deps, job.plan),
  finalize: (deps, job) => finalizeStep(deps, job.plan),
};

/** Handles one event end to end. The core of the HTTP handler; tests and the bench call it directly. */
export async function handleEvent(deps: Deps, ev: CloudEvent<unknown>): Promise<Outcome> {
  let job: Job | null;
  try {
    job = decodeJob(ev);
  } catch (err) {
    deps.log.warn({ err, ceId: ev.id, type: ev.type }, "undecodable event dropped");
    return { status: 202 };
  }
  if (!job) return { status: 202 };
  const vid = job.kind === "plan" ? job.upload.videoId : job.plan.videoId;
  const log = deps.log.child({ ceId: ev.id, videoId: vid, job: job.kind });
  try {
    const reply = await (handlers[job.kind] as Handler<JobKind>)(deps, job as never);
    return reply ? { status: 200, event: reply } : { status: 202 };
  } catch (raw) {
    const err = asEstrenaError(raw);
    const attempts = job.kind === "plan" || !err.retryable ? 1 : await deps.state.attempt(vid, jobName(job)).catch(() => 1);
    if (failureAction(err, attempts) === "redeliver") {
      log.warn({ err, attempts }, "job failed; asking for redelivery");
      return { status: 503, error: err };
    }
    await deps.state.unplan(vid).catch(() => undefined);
    // A remuxed top rung is published before the source is fully decoded: a video that fails never stays playable.
    await withdraw(deps, vid).catch((e: unknown) => log.error({ err: e }, "could not withdraw a failed video's stream"));
    // The downloaded copy is scratch; the source in the uploads bucket is never touched.
    await rm(join(deps.config.workDir, "src", vid), { force: true }).catch(() => undefined);
    if (err.retryable) log.error({ err, attempts }, "video failed after retries");
    else log.warn({ code: err.code, reason: err.message }, "video failed");
    const error =
      err.code === ErrorCode.Internal || err.code === ErrorCode.Unavailable
        ? { code: ErrorCode.Internal, message: firstLine(err.message) }
        : err.toJSON();
    return { status: 200, event: estrenaEvent("dev.estrena.video.failed", { videoId: vid, error }, { id: `${vid}-failed` }) };
  }
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? s;
}

/** The functions-framework HTTP function: decodes a binary or structured CloudEvent and answers like a Knative subscriber. */
/** `eventToken`: EVENT_AUTH_TOKEN, the credential the router presents (empty: no check, as on Knative). */
export function createHandler(getDeps: () => Promise<Deps>, metrics?: () => Metrics, eventToken: () => string = () => ""): HttpFunction {
  return async (req: Request, res: Response) => {
    let ev: CloudEvent<unknown>;
    try {
      ev = decodeCloudEvent(req, eventToken());
    } catch (err) {
      const e = asEstrenaError(err);
      res.status(deliveryStatus(e)).json({ error: e.toJSON() });
      return;
    }
    let outcome: Outcome;
    try {
      outcome = await handleEvent(await getDeps(), ev);
    } catch (err) {
      // Deps unavailable (Redis or the bucket unreachable): transient, so ask for redelivery.
      outcome = { status: 503, error: asEstrenaError(err) };
    }
    if (outcome.status === 503) metrics?.().eventFailed(ev.type, outcome.error.code);
    else metrics?.().eventHandled(ev.type);
    if (outcome.status === 200) {
      const msg = HTTP.binary(outcome.event);
      res
        .status(200)
        .set(msg.headers as Record<string, string>)
        .send(msg.body);
    } else if (outcome.status === 202) {
      res.status(202).end();
    } else {
      res.status(503).json({ error: outcome.error.toJSON() });
    }
  };
}

/** The deployed handler, plus `GET /metrics`: deps built from the environment on the first request, then reused. */
export function handlerFromEnv(): HttpFunction {
  const getMetrics = lazy(
    (): Metrics => createMetrics("transcode", { chunksWaiting: async (): Promise<number> => (await getDeps()).state.chunksWaiting() }),
  );
  const getDeps = lazy((): Promise<Deps> => createDeps(parseConfig(), undefined, getMetrics()));
  const eventToken = lazy(() => parseConfig().eventToken);
  return withMetrics(getMetrics, createHandler(getDeps, getMetrics, eventToken));
}
