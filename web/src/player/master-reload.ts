import type Hls from "hls.js";

/** What a viewer chose on the instance being replaced, found again on the new one by what it is, not its index. */
export interface Choices {
  /** The chosen rendition's height, or null for Auto. */
  readonly height: number | null;
  readonly audio: string | null;
  readonly subtitle: string | null;
  readonly bandwidth: number;
}

/** The choices of a running instance. */
export function choicesOf(hls: Hls): Choices {
  const level = hls.autoLevelEnabled ? null : hls.levels[hls.loadLevel];
  const subtitle = hls.subtitleDisplay && hls.subtitleTrack >= 0 ? hls.subtitleTracks[hls.subtitleTrack] : undefined;
  return {
    height: level?.height ?? null,
    audio: hls.audioTracks[hls.audioTrack]?.name ?? null,
    subtitle: subtitle?.name ?? null,
    bandwidth: hls.bandwidthEstimate,
  };
}

/** Applies `keep` to a new instance once its master is parsed; Auto stays Auto. */
export function restoreChoices(hls: Hls, keep: Choices): void {
  if (keep.height !== null) {
    const i = hls.levels.findIndex((l) => l.height === keep.height);
    // loadLevel: from the next segment on, without flushing what is buffered (currentLevel would flush it).
    if (i >= 0) hls.loadLevel = i;
  }
  const audio = hls.audioTracks.findIndex((t) => t.name === keep.audio);
  if (audio >= 0 && audio !== hls.audioTrack) hls.audioTrack = audio;
  const subtitle = hls.subtitleTracks.findIndex((t) => t.name === keep.subtitle);
  if (subtitle >= 0) {
    hls.subtitleDisplay = true;
    hls.subtitleTrack = subtitle;
  }
}

/**
 * Loads `url` again in a new instance that takes over the old one's MediaSource and SourceBuffers
 * (hls.js transferMedia, as its interstitials do): what is buffered stays, and the <video> keeps its position,
 * paused state, volume and rate, so the viewer sees no restart. Returns the new instance.
 */
export function reloadInPlace(old: Hls, url: string, create: (startPosition: number, keep: Choices) => Hls): Hls {
  const media = old.media;
  const keep = choicesOf(old);
  const next = create(media?.currentTime ?? 0, keep);
  const transfer = old.transferMedia();
  old.destroy();
  next.loadSource(url);
  if (transfer) next.attachMedia(transfer);
  else if (media) next.attachMedia(media);
  return next;
}
