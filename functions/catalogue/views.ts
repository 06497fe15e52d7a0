import { publicError } from "../../lib/contracts/failures.js";
import type { StudioVideo, ViewerVideo } from "../../lib/contracts/studio.js";
import { viewerSubtitles } from "../../lib/contracts/subtitles.js";
import type { Video } from "../../lib/contracts/video.js";

/**
 * Who sees what. Viewers see only what they can play, without the failure or the source it came from;
 * editors (the studio) see every upload, with its failure mapped to an editor-actionable message.
 */

/** Ready, or still processing with a master playlist that already plays (the progressive playlist). */
export function isPlayable(v: Video): boolean {
  return v.status === "ready" || (v.status === "processing" && v.hls !== null);
}

export function viewerVideo(v: Video): ViewerVideo {
  const { error: _error, source: _source, subtitles, ...rest } = v;
  return subtitles ? { ...rest, subtitles: viewerSubtitles(subtitles) } : rest;
}

export function studioVideo(v: Video): StudioVideo {
  return { ...v, error: v.error ? publicError(v.error) : null };
}

const sourceOf = (v: Video) => `${v.source.bucket}\0${v.source.key}`;

/**
 * The videos viewers may list. A source re-uploaded under the same key gives a new video; while it processes,
 * the older version stays listed and playable, and the new one takes its place only once it is ready.
 */
export function viewerList(all: readonly Video[]): Video[] {
  const readyBySource = new Map<string, Video>();
  for (const v of all) {
    if (v.status !== "ready") continue;
    const seen = readyBySource.get(sourceOf(v));
    if (!seen || seen.createdAt < v.createdAt) readyBySource.set(sourceOf(v), v);
  }
  return all.filter((v) => {
    if (!isPlayable(v)) return false;
    const ready = readyBySource.get(sourceOf(v));
    return !ready || ready === v;
  });
}
