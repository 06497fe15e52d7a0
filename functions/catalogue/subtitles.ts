import { createHash } from "node:crypto";
import { ErrorCode, EstrenaError } from "../../lib/contracts/errors.js";
import type { SidecarData } from "../../lib/contracts/events.js";
import { publicError } from "../../lib/contracts/failures.js";
import {
  keyBase,
  languageName,
  pairSidecar,
  SUBTITLE_MAX_BYTES,
  type SubtitleTrack,
  sidecarCandidates,
  viewerSubtitles,
} from "../../lib/contracts/subtitles.js";
import type { Video } from "../../lib/contracts/video.js";
// The two pure modules, not lib/media/index.ts: the catalogue never loads the ffmpeg adapters.
import { withSubtitles, writeSubtitlePlaylist } from "../../lib/media/subtitle-playlist.js";
import { toWebVtt } from "../../lib/media/webvtt.js";
import { streamPrefix } from "../../lib/runtime/ids.js";
import type { Logger } from "../../lib/runtime/log.js";
import type { Origin } from "./origin.js";
import type { CatalogueStore } from "./store.js";

/**
 * Subtitle tracks (issue 14). The catalogue owns them: it pairs sidecars with videos (either order), converts them
 * to WebVTT, publishes each as its own media playlist, and adds them to the master, which transcode writes twice
 * (first publish, final). A rewrite here is conditional (S3 If-Match), so it never puts back an older master over
 * transcode's newer one; and `playable`/`ready` re-apply the tracks to whatever master transcode wrote last.
 */
export interface SubtitleDeps {
  readonly store: CatalogueStore;
  readonly origin: Origin;
  readonly log: Logger;
  readonly serially: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
}

/** A track to add: its language and where its bytes come from. */
export interface TrackInput {
  readonly language: string;
  readonly from:
    | { readonly kind: "sidecar"; readonly bucket: string; readonly key: string; readonly etag: string }
    | { readonly kind: "studio"; readonly bytes: Uint8Array };
}

/**
 * A sidecar waiting for (or already paired with) the videos of one base name, one object each under the base's prefix,
 * so two sidecars arriving together never overwrite each other's entry; delete events leave them.
 */
interface PendingSidecar {
  readonly bucket: string;
  readonly base: string;
  readonly key: string;
  readonly etag: string;
  readonly language: string;
}

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const pendingPrefix = (bucket: string, base: string) => `index/subtitles/${sha(`${bucket}/${base}`)}/`;
const MASTER = "master.m3u8";
const CAS_ATTEMPTS = 5;

/** A sidecar arrived: remember it for videos still to come, then add it to every video already there. */
export async function applySidecar(deps: SubtitleDeps, s: SidecarData): Promise<void> {
  // Written before the videos are listed; an upload writes its record before reading this: one of the two sees the other.
  for (const c of sidecarCandidates(s.key)) {
    const entry: PendingSidecar = { bucket: s.bucket, base: c.base, key: s.key, etag: s.etag, language: c.language };
    await deps.origin.putJson(`${pendingPrefix(s.bucket, c.base)}${sha(s.key)}.json`, entry);
  }
  const videos = (await deps.store.all()).filter((v) => v.source.bucket === s.bucket && pairSidecar(s.key, v.source.key));
  for (const v of videos) {
    const language = pairSidecar(s.key, v.source.key)!;
    await deps.serially(v.id, () =>
      addTrack(deps, v.id, { language, from: { kind: "sidecar", bucket: s.bucket, key: s.key, etag: s.etag } }),
    );
  }
  deps.log.info({ key: s.key, videos: videos.map((v) => v.id) }, "subtitle sidecar applied");
}

/** A new video: the sidecars already uploaded under its base name become its tracks. Runs in the video's queue. */
export async function adoptSidecars(deps: SubtitleDeps, video: Video): Promise<void> {
  for (const name of await deps.origin.listKeys(pendingPrefix(video.source.bucket, keyBase(video.source.key)))) {
    const s = (await deps.origin.getJson(name)) as PendingSidecar | null;
    if (!s || pairSidecar(s.key, video.source.key) !== s.language) continue;
    await addTrack(deps, video.id, {
      language: s.language,
      from: { kind: "sidecar", bucket: video.source.bucket, key: s.key, etag: s.etag },
    });
  }
}

const fileNames = (language: string, vtt: string) => {
  const stem = `sub-${language}-${createHash("sha256").update(vtt).digest("hex").slice(0, 12)}`;
  return { vtt: `${stem}.vtt`, playlist: `${stem}.m3u8` };
};

/**
 * Adds (or replaces) the track of one language. A file we cannot read is recorded as the track's failure with a
 * fixed message, never the video's. Call it inside the video's queue.
 */
export async function addTrack(deps: SubtitleDeps, id: string, input: TrackInput): Promise<Video | null> {
  const video = await deps.store.get(id);
  if (!video) return null;
  const prefix = streamPrefix(id);
  const src = input.from;
  const from: SubtitleTrack["from"] = src.kind === "studio" ? { kind: "studio" } : { kind: "sidecar", key: src.key, etag: src.etag };
  let track: SubtitleTrack;
  try {
    const bytes = src.kind === "studio" ? src.bytes : await deps.origin.readSidecar(src.bucket, src.key, SUBTITLE_MAX_BYTES);
    if (!bytes) return video; // The sidecar was deleted meanwhile: nothing to add.
    const { vtt, end } = toWebVtt(bytes);
    const names = fileNames(input.language, vtt);
    await deps.origin.putText(prefix + names.vtt, vtt, "text/vtt; charset=utf-8");
    await deps.origin.putText(
      prefix + names.playlist,
      writeSubtitlePlaylist(names.vtt, video.duration ?? end),
      "application/vnd.apple.mpegurl",
    );
    track = { language: input.language, name: languageName(input.language), uri: names.playlist, from, error: null };
  } catch (err) {
    if (!(err instanceof EstrenaError) || (err.code !== ErrorCode.SubtitleInvalid && err.code !== ErrorCode.SubtitleTooLarge)) throw err;
    deps.log.warn({ videoId: id, language: input.language, code: err.code, err: err.message }, "subtitle refused");
    track = { language: input.language, name: languageName(input.language), uri: null, from, error: publicError(err) };
  }
  const before = video.subtitles ?? [];
  const old = before.find((t) => t.language === track.language);
  if (old && JSON.stringify(old) === JSON.stringify(track)) return video;
  const next: Video = { ...video, subtitles: [...before.filter((t) => t.language !== track.language), track].sort(byLanguage) };
  await deps.store.save(next, { persist: true, message: "status" });
  await refreshMaster(deps, next);
  if (old?.uri && old.uri !== track.uri) await removeFiles(deps, id, old.uri);
  deps.log.info({ videoId: id, language: track.language, ok: !track.error }, "subtitle track set");
  return next;
}

/** Takes one language's track off a video (studio). Call it inside the video's queue. */
export async function removeTrack(deps: SubtitleDeps, id: string, language: string): Promise<Video> {
  const video = await deps.store.get(id);
  const old = video?.subtitles?.find((t) => t.language === language);
  if (!video || !old) throw new EstrenaError(ErrorCode.NotFound, `no ${language} subtitles on ${id}`);
  const next: Video = { ...video, subtitles: (video.subtitles ?? []).filter((t) => t !== old) };
  await deps.store.save(next, { persist: true, message: "status" });
  await refreshMaster(deps, next);
  if (old.uri) await removeFiles(deps, id, old.uri);
  return next;
}

/** transcode wrote a master (first publish or final): the tracks go into it, their playlists get the video's length. */
export async function reapplyTracks(deps: SubtitleDeps, video: Video): Promise<void> {
  const tracks = viewerSubtitles(video.subtitles);
  if (!tracks.length) return;
  if (video.duration) {
    for (const t of tracks) {
      const vtt = t.uri.replace(/\.m3u8$/, ".vtt");
      await deps.origin.putText(
        streamPrefix(video.id) + t.uri,
        writeSubtitlePlaylist(vtt, video.duration),
        "application/vnd.apple.mpegurl",
      );
    }
  }
  await refreshMaster(deps, video);
}

/**
 * Rewrites the master with the video's published tracks, only over the version it read (If-Match), and drops the
 * gateway's cached playlists (L2; the L1 keeps a master 5 s). No master yet: transcode's first publish will be
 * followed by `playable`, which calls this again.
 */
async function refreshMaster(deps: SubtitleDeps, video: Video): Promise<void> {
  const key = streamPrefix(video.id) + MASTER;
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const current = await deps.origin.getText(key);
    if (!current) return;
    const next = withSubtitles(current.text, viewerSubtitles(video.subtitles));
    if (next === current.text) return;
    if (await deps.origin.putText(key, next, "application/vnd.apple.mpegurl", current.etag)) {
      await deps.store.invalidateStream(video.id, "playlists");
      return;
    }
  }
  throw new EstrenaError(ErrorCode.Unavailable, `master of ${video.id} kept changing while subtitles were added`, true);
}

async function removeFiles(deps: SubtitleDeps, id: string, playlist: string): Promise<void> {
  await deps.origin.remove(streamPrefix(id) + playlist);
  await deps.origin.remove(streamPrefix(id) + playlist.replace(/\.m3u8$/, ".vtt"));
}

function byLanguage(a: SubtitleTrack, b: SubtitleTrack): number {
  return a.name.localeCompare(b.name, "en") || a.language.localeCompare(b.language);
}
