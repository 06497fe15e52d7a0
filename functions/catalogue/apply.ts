import { ErrorCode, EstrenaError } from "../../lib/contracts/errors.js";
import { streamPrefix } from "../../lib/runtime/ids.js";
import type { Logger } from "../../lib/runtime/log.js";
import type { Video } from "../../lib/contracts/video.js";
import type { Intake } from "./intake.js";
import type { Origin } from "./origin.js";
import { applyEvent, linksFor, onlyProgressChanged, type CatalogueEvent } from "./reducer.js";
import type { CatalogueStore } from "./store.js";
import { adoptSidecars, applySidecar, reapplyTracks } from "./subtitles.js";

export interface ApplyDeps {
  readonly store: CatalogueStore;
  readonly origin: Origin;
  readonly streamBase: string;
  readonly log: Logger;
  /** Runs `fn` after every earlier call for the same key has settled (events for one video apply in order). */
  readonly serially: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
}

/** Applies a decoded event. Throws a retryable EstrenaError when trying again later can help. */
export async function applyIntake(deps: ApplyDeps, intake: Intake): Promise<void> {
  switch (intake.action) {
    case "apply":
      return deps.serially(intake.videoId, () => applyToVideo(deps, intake.videoId, intake.event));
    case "unpublish":
      return deps.serially(intake.videoId, () => unpublish(deps, intake.videoId));
    case "ignore":
      return;
    case "sidecar":
      return applySidecar(deps, intake.sidecar);
    case "unpublish-source": {
      // Delete events carry no ETag, so the video ids come from the source index written at upload.
      const ids = await deps.store.sourceVideos(intake.bucket, intake.key);
      let kept = false;
      for (const id of ids) {
        await deps.serially(id, async () => {
          // An upload under the key made after this delete stays: the delete's second copy can come 3 s late.
          const video = await deps.store.get(id);
          if (video && intake.eventTime && Date.parse(video.createdAt) > Date.parse(intake.eventTime)) kept = true;
          else await unpublish(deps, id);
        });
      }
      if (!kept) await deps.store.dropSource(intake.bucket, intake.key);
      return;
    }
  }
}

async function applyToVideo(deps: ApplyDeps, id: string, event: CatalogueEvent): Promise<void> {
  const { store, origin, log } = deps;
  const current = await store.get(id);
  const goneAt = current ? null : await store.goneAt(id);
  if (goneAt !== null && isLate(goneAt, event)) {
    log.info({ videoId: id, kind: event.kind }, "event of a deleted or replaced version: ignored");
    return;
  }
  if (!current && event.kind !== "uploaded") {
    // The upload event and transcode's first events race through the broker; redelivery sorts it out.
    throw new EstrenaError(ErrorCode.Unavailable, `video ${id} is not in the catalogue yet`, true);
  }
  const links = linksFor(deps.streamBase, id);
  const input = event.kind === "ready" ? { ...event, present: await presentFiles(origin, id) } : event;
  const next = applyEvent(current, input, links);
  if (event.kind === "uploaded") {
    await store.addSourceVideo(event.upload.bucket, event.upload.key, id);
    // The same file uploaded again after a delete is the same id: it is no longer gone.
    if (!current) await store.unmarkGone(id, goneAt !== null);
  }
  if (!next || next === current) {
    log.debug({ videoId: id, kind: event.kind }, "event changes nothing");
    return;
  }
  const progressOnly = current !== null && onlyProgressChanged(current, next);
  // EVENT playlists became VOD playlists (transcode wrote them before it sent ready): drop what the gateway cached
  // before viewers hear of ready over SSE, so a player that re-reads the master at once gets the whole ladder.
  if (next.status === "ready") await store.invalidateStream(id, "playlists");
  await store.save(next, { persist: !progressOnly, message: progressOnly ? "progress" : "status" });
  log.info({ videoId: id, kind: event.kind, status: next.status, progress: next.progress }, "video updated");
  // Sidecars uploaded before the video; the master transcode just wrote (first or final) gets the tracks.
  if (event.kind === "uploaded" && !current) await adoptSidecars(deps, next);
  if ((event.kind === "playable" || event.kind === "ready") && next.hls) await reapplyTracks(deps, next);
  if (next.status === "ready" && current?.status !== "ready") await supersede(deps, next);
}

/**
 * A re-upload under the same key is ready: the older versions of that source leave now, not before, so viewers
 * never lose the video while the new one processes (views.ts lists only the newest ready version meanwhile).
 */
async function supersede(deps: ApplyDeps, video: Video): Promise<void> {
  const ids = await deps.store.sourceVideos(video.source.bucket, video.source.key);
  for (const other of ids) {
    if (other === video.id) continue;
    await deps.serially(other, async () => {
      const old = await deps.store.get(other);
      if (old && old.createdAt <= video.createdAt) {
        await unpublish(deps, other);
        deps.log.info({ videoId: other, by: video.id }, "older version replaced");
      }
    });
  }
}

/**
 * Whether an event for a video without a record but with a tombstone (`goneAt`) belongs to the version that was
 * deleted or replaced: every upload
 * event comes twice, the second up to 3 s later (tools/minio-bootstrap/setup.ts), and transcode answers that copy
 * too. Only an upload made after the removal (the same file, uploaded again) brings the id back.
 */
function isLate(goneAt: string, event: CatalogueEvent): boolean {
  return event.kind !== "uploaded" || Date.parse(event.upload.eventTime) <= Date.parse(goneAt);
}

async function presentFiles(origin: Origin, id: string): Promise<{ poster: boolean; thumbnails: boolean }> {
  const [poster, thumbnails] = await Promise.all([
    origin.exists(`${streamPrefix(id)}poster.jpg`),
    origin.exists(`${streamPrefix(id)}thumbnails.vtt`),
  ]);
  return { poster, thumbnails };
}

/**
 * Takes a video off the catalogue and out of the stream bucket. Idempotent, so a redelivery finishes the job.
 * It is listed as gone first, so every gateway replica stops serving it from its L1 within a second.
 */
export async function unpublish(deps: Pick<ApplyDeps, "store" | "origin" | "log">, id: string): Promise<void> {
  await deps.store.markGone(id);
  const video = await deps.store.get(id);
  if (video) await deps.store.drop(video);
  const removed = await deps.origin.removePrefix(streamPrefix(id));
  await deps.store.invalidateStream(id, "all");
  deps.log.info({ videoId: id, removed }, "video unpublished");
}
