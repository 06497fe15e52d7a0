import type { CloudEvent } from "cloudevents";
import { ErrorCode, EstrenaError } from "../../lib/contracts/errors.js";
import {
  estrenaEvent,
  parseEventData,
  parsePayload,
  S3_CREATED_PREFIX,
  type UploadData,
  uploadDataSchema,
} from "../../lib/contracts/events.js";
import type { PlanData } from "../../lib/contracts/plan.js";
import type { Plan } from "../../lib/media/plan.js";

/** The work transcode does, one kind per event type. Upload events start a plan; the rest are our own job events. */
export type Job =
  | { readonly kind: "plan"; readonly upload: UploadData }
  | { readonly kind: "chunk"; readonly plan: Plan; readonly chunk: number }
  | { readonly kind: "audio"; readonly plan: Plan }
  | { readonly kind: "finalize"; readonly plan: Plan };
export type JobKind = Job["kind"];

/** Decodes an incoming event into a job; null for a type transcode does not handle. Throws bad-request on bad data. */
export function decodeJob(ev: CloudEvent<unknown>): Job | null {
  try {
    const data = typeof ev.data === "string" ? (JSON.parse(ev.data) as unknown) : ev.data;
    if (ev.type.startsWith(S3_CREATED_PREFIX)) return { kind: "plan", upload: parsePayload(ev.type, uploadDataSchema, data) };
    switch (ev.type) {
      case "dev.estrena.transcode.chunk": {
        const d = parseEventData(ev.type, data);
        return { kind: "chunk", plan: asPlan(d.plan), chunk: d.chunk };
      }
      case "dev.estrena.transcode.audio":
        return { kind: "audio", plan: asPlan(parseEventData(ev.type, data).plan) };
      case "dev.estrena.transcode.finalize":
        return { kind: "finalize", plan: asPlan(parseEventData(ev.type, data).plan) };
      default:
        return null;
    }
  } catch (err) {
    throw new EstrenaError(ErrorCode.BadRequest, `bad ${ev.type} event: ${err instanceof Error ? err.message : String(err)}`, false, {
      cause: err,
    });
  }
}

/** The event schema has validated the plan (lib/contracts/plan.ts); lib/media's Plan is that shape, in its domain types. */
function asPlan(plan: PlanData): Plan {
  return plan as Plan;
}

/** The job's name in locks, attempt counts and done sets. */
export function jobName(job: Exclude<Job, { kind: "plan" }>): string {
  return job.kind === "chunk" ? chunkJobName(job.chunk) : job.kind;
}
export function chunkJobName(n: number): string {
  return `c${String(n).padStart(4, "0")}`;
}

/** The event that asks for a job. Ids are deterministic, so a re-sent job is recognisably the same one. */
export function jobEvent(job: Exclude<Job, { kind: "plan" }>): CloudEvent<unknown> {
  const plan = job.plan;
  const id = `${job.plan.videoId}-${jobName(job)}`;
  switch (job.kind) {
    case "chunk":
      return estrenaEvent("dev.estrena.transcode.chunk", { videoId: job.plan.videoId, plan, chunk: job.chunk }, { id });
    case "audio":
      return estrenaEvent("dev.estrena.transcode.audio", { videoId: job.plan.videoId, plan }, { id });
    case "finalize":
      return estrenaEvent("dev.estrena.transcode.finalize", { videoId: job.plan.videoId, plan }, { id });
  }
}

/** Failed attempts after which a chunk or audio job fails the video instead of asking for redelivery. */
export const MAX_ATTEMPTS = 3;

/** Decides what a failure means: redeliver (5xx) or fail the video (200 + video.failed). Pure. */
export function failureAction(err: EstrenaError, attempts: number): "redeliver" | "fail" {
  if (!err.retryable) return "fail";
  return attempts >= MAX_ATTEMPTS ? "fail" : "redeliver";
}
