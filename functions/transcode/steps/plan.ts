import type { CloudEvent } from "cloudevents";
import { ErrorCode, EstrenaError } from "../../../lib/contracts/errors.js";
import { estrenaEvent, type UploadData } from "../../../lib/contracts/events.js";
import { videoId as deriveId } from "../../../lib/runtime/ids.js";
import { streamPrefix } from "../../../lib/contracts/layout.js";
import { names } from "../../../lib/media/ffmpeg-args.js";
import { initialChunks } from "../../../lib/media/chunks.js";
import { leadRungs } from "../../../lib/media/lead.js";
import type { Deps } from "../deps.js";
import { jobEvent } from "../jobs.js";
import { buildPlan, mediaOf, parsePlan, type Plan } from "../../../lib/media/plan.js";
import { planLadder } from "../../../lib/media/ladder.js";
import { probeInput, type Probed } from "../../../lib/media/probe.js";
import type { IndexPacket } from "../../../lib/media/mp4-index.js";
import { indexScan, probeFacts, scanSource } from "../../../lib/media/scan.js";
import type { SourceInput } from "../../../lib/media/source-input.js";
import { audioMode, refusedByProbe, standardVerdict, type StandardFacts } from "../../../lib/media/standard.js";
import { hops as startHops, remoteSource } from "../source.js";
import { readyEvent } from "./finalize.js";
import { remuxStep } from "./remux.js";
import { jobKeys, readJson, underLock } from "../work.js";

/**
 * An upload arrived: probe it in place (ranged reads of the upload, no download), plan the ladder and the chunks,
 * and start the first chunk jobs by sending them to K_SINK. A standard source's remux (the top rung and its audio)
 * runs right here, in this request, instead of going out as an "audio" job and coming back through the broker: it is
 * what the first viewer waits for; its chunk jobs are sent once it has published. Otherwise the audio job is sent
 * with the chunk jobs and the reply is `video.processing`.
 * Every upload event comes twice (MinIO's fast and queued webhook targets, tools/minio-bootstrap/setup.ts). The
 * duplicate answers at once, without a reply, when this process is planning the same video right now (if that
 * delivery dies, with its process, the broker redelivers it) or when the work was already handed on to job events
 * (the `started` marker). Otherwise, e.g. a redelivery after a crash, it reuses the stored plan (and a remux already
 * done is not redone), waiting for the plan lock of another worker.
 */
export async function planStep(deps: Deps, upload: UploadData): Promise<CloudEvent<unknown> | null> {
  const { config } = deps;
  if (upload.bucket !== config.uploadsBucket) return null;
  const vid = upload.videoId;
  if (deriveId(upload.bucket, upload.key, upload.etag) !== vid) {
    throw new EstrenaError(ErrorCode.BadRequest, `video id ${vid} does not match (bucket, key, etag)`);
  }
  // Checked and taken before any await, so two deliveries arriving together cannot both pass.
  if (deps.planning.has(vid)) {
    deps.log.info({ videoId: vid }, "duplicate upload event: this process is planning it already");
    return null;
  }
  deps.planning.add(vid);
  try {
    return await planOnce(deps, upload, vid);
  } finally {
    deps.planning.delete(vid);
  }
}

async function planOnce(deps: Deps, upload: UploadData, vid: string): Promise<CloudEvent<unknown> | null> {
  const { config } = deps;
  const [ready, marker] = await Promise.all([
    readJson<{ duration: number }>(deps, jobKeys.ready(vid)),
    readJson<Started>(deps, jobKeys.started(vid)),
  ]);
  if ((ready || marker) && (await removedBefore(deps, vid, marker, upload))) {
    deps.log.info({ videoId: vid }, "the same file uploaded again after its video was removed: transcoding it anew");
    await deps.store.remove((await deps.store.list(jobKeys.prefix(vid))).map((name) => jobKeys.prefix(vid) + name));
    await deps.state.forget(vid);
  } else if (ready) {
    return readyEvent(deps, parsePlan(await readJson(deps, jobKeys.plan(vid))));
  } else if (marker) {
    deps.log.info({ videoId: vid }, "duplicate upload event: its jobs were started already");
    return null;
  }

  const hops = startHops(upload.eventTime);
  let input: SourceInput | undefined;
  const plan = await underLock(
    deps,
    vid,
    "plan",
    async () => false,
    async () => {
      const stored = await readJson<unknown>(deps, jobKeys.plan(vid));
      if (stored) return parsePlan(stored);
      const source = { bucket: upload.bucket, key: upload.key, etag: upload.etag, size: upload.size };
      input = await remoteSource(deps, source);
      // The MP4 index is read beside the probe: both are a few ranged reads, and the probe is an ffprobe process.
      const index = indexScan(input);
      const probed = await probeInput(input, config);
      hops.mark("probed");
      const p = buildPlan(vid, source, probed.source, config, await remuxable(deps, input, probed, vid, index));
      hops.mark("scanned");
      await deps.store.putText(jobKeys.plan(vid), JSON.stringify(p));
      return p;
    },
  );
  if (plan === "done") return null;
  await deps.state.planned(vid, plan.chunks.length).catch(() => undefined);
  deps.log.info(
    { videoId: vid, rungs: plan.rungs.map((r) => r.name), chunks: plan.chunks.length, audio: Boolean(plan.probe.audio) },
    "planned",
  );
  if (!plan.passthrough) {
    await startJobs(deps, plan);
    await markStarted(deps, vid, upload.eventTime);
    return processingEvent(plan);
  }
  // Not awaited before the remux starts: the router journals each event (an fsync) before it answers, 0.5 s on a
  // loaded machine. The catalogue takes `processing` and `playable` in either order (reducer.ts).
  // Its failure is held (a rejection nobody awaits yet would end the process) and thrown once the remux is done.
  const processing = deps.emit(processingEvent(plan)).then(
    () => null,
    (err: unknown) => err,
  );
  hops.mark("planned");
  // The chunk jobs wait for the first publish: started at once, their source download and encodes would compete with
  // the remux for the worker's CPU, disk and network (measured: first segments 1.9 s after the remux started, not 0.5).
  let started: Promise<void> | undefined;
  const chunks = () => (started ??= startJobs(deps, plan));
  const reply = await remuxStep(deps, plan, { input: input ?? (await remoteSource(deps, plan.source)), hops, published: chunks }).finally(
    () => processing,
  );
  const failed = await processing;
  if (failed) throw failed;
  await chunks();
  await markStarted(deps, vid, upload.eventTime);
  return reply;
}

/** The `started` marker: when, and the time of the upload event that started the job. */
interface Started {
  readonly at: string;
  readonly eventTime?: string;
}

/** From here on the job events (at-least-once in the broker) carry the work, so a duplicate upload event has none left. */
async function markStarted(deps: Deps, vid: string, eventTime: string): Promise<void> {
  await deps.store.putText(jobKeys.started(vid), JSON.stringify({ at: new Date().toISOString(), eventTime } satisfies Started));
}

/**
 * Whether this upload event is a later upload of the same file (so the same id) after the catalogue removed its video:
 * the job records say done, but the stream is gone. A repeated notification carries the first one's time.
 */
async function removedBefore(deps: Deps, vid: string, started: Started | null, upload: UploadData): Promise<boolean> {
  if (!started?.eventTime || Date.parse(upload.eventTime) <= Date.parse(started.eventTime)) return false;
  return !(await deps.store.exists(streamPrefix(vid) + names.master));
}

function processingEvent(plan: Plan): CloudEvent<unknown> {
  const vid = plan.videoId;
  return estrenaEvent(
    "dev.estrena.video.processing",
    { videoId: vid, ...mediaOf(plan), chunks: plan.chunks.length },
    { id: `${vid}-processing` },
  );
}

/**
 * The facts of a source whose video can be published as it is (lib/media/standard.ts), or undefined. Its audio must be
 * copyable too (or absent), so that the remux makes the whole first playable stream; and there must be a rung below it,
 * whose decode checks the source. Only H.264 is scanned: from the MP4 index, or else a packet scan of the whole file (scan.ts).
 */
async function remuxable(
  deps: Deps,
  input: SourceInput,
  probed: Probed,
  vid: string,
  index: Promise<IndexPacket[] | null>,
): Promise<StandardFacts | undefined> {
  const probe = probed.source;
  if (probe.videoCodec !== "h264") return undefined;
  const below = planLadder(probe.width, probe.height, probe.fps).some(
    (r) => Math.min(r.width, r.height) < Math.min(probe.width, probe.height),
  );
  const refusedBy = (verdict: { refused: readonly string[]; audio: string }) => [
    ...verdict.refused,
    ...(verdict.audio === "encode" ? ["audio: not AAC-LC stereo"] : []),
    ...(below ? [] : ["ladder: no rung below"]),
  ];
  // What the probe refuses needs no index or packet scan.
  const early = probeFacts(probe, probed.result);
  const refusedEarly = refusedBy({ refused: refusedByProbe(early), audio: audioMode(early.audio) });
  if (refusedEarly.length > 0) {
    deps.log.info({ videoId: vid, passthrough: false, refused: refusedEarly, keyframesFrom: "not read" }, "standard input check");
    return undefined;
  }
  const { facts, method } = await scanSource(input, probe, probed.result, undefined, index);
  const refused = refusedBy(standardVerdict(facts));
  deps.log.info({ videoId: vid, passthrough: refused.length === 0, refused, keyframesFrom: method }, "standard input check");
  return refused.length === 0 ? facts : undefined;
}

/**
 * Sends the first chunk jobs, and the audio job of an encoded source (which makes its lead rungs too, so a silent one
 * with lead rungs gets it as well). Ids are deterministic: re-sending is harmless.
 */
async function startJobs(deps: Deps, plan: Plan): Promise<void> {
  if ((plan.probe.audio || leadRungs(plan).length > 0) && !plan.passthrough) await deps.emit(jobEvent({ kind: "audio", plan }));
  for (const n of initialChunks(plan.chunks.length)) await deps.emit(jobEvent({ kind: "chunk", plan, chunk: n }));
}
