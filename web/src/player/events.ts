import type { Video } from "../shared/api.js";
import type { Bus } from "../shared/bus.js";

/** A rendition as the quality menu sees it; `index` is the engine's level index. */
export interface LevelInfo {
  readonly index: number;
  readonly height: number;
  readonly width: number;
  readonly bandwidth: number;
}

/** A subtitle track as the captions menu sees it; `index` is hls.js's subtitle track index. */
export interface SubtitleInfo {
  readonly index: number;
  readonly name: string;
  readonly language: string;
}

/** How many entries of each kind a master playlist names. */
export interface MasterShape {
  readonly variants: number;
  readonly audio: number;
  readonly subtitles: number;
}

/** Why playback stopped, in words a viewer understands; the error overlay is the one place that shows it. */
export type FatalKind = "network" | "media" | "unsupported" | "not-found" | "failed" | "other";

/** The player's event catalogue: every piece talks through these and nothing else. */
export interface PlayerEvents {
  /** The catalogue record, first from the API and again on every SSE update. */
  video: Video;
  /** The engine knows the renditions it can play. */
  levels: { readonly levels: readonly LevelInfo[]; readonly native: boolean };
  /** A rendition is now playing (`auto` says whether ABR chose it). */
  "level-switched": { readonly level: LevelInfo; readonly auto: boolean };
  /** hls.js loaded a master playlist (again after `reload-master`). */
  master: { readonly url: string; readonly shape: MasterShape };
  /** The master grew (the whole ladder is in): load it again without interrupting playback. */
  "reload-master": Record<string, never>;
  /** A viewer chose a rendition; -1 is Auto. */
  "select-level": { readonly index: number };
  /** The engine knows the subtitle tracks of the master (none: the captions menu hides). */
  "subtitle-tracks": { readonly tracks: readonly SubtitleInfo[]; readonly native: boolean };
  /** A viewer chose a subtitle track; -1 is off. */
  "select-subtitle": { readonly index: number };
  /** Playback cannot go on without the viewer. */
  fatal: { readonly kind: FatalKind; readonly message: string; readonly detail?: string };
  /** The viewer asked to try again after a fatal error. */
  retry: { readonly at: number };
  /** Playback started again after an error. */
  recovered: Record<string, never>;
  /** Show or hide the shortcut list. */
  "toggle-help": Record<string, never>;
  /** Close open menus and dialogs (Escape). */
  "close-popups": { readonly except?: string };
  /** First frame shown, in ms since navigation started. */
  "first-frame": { readonly ms: number };
}

export type PlayerBus = Bus<PlayerEvents>;

/** What every piece receives: the bus, the <video>, and the player's root element to find its own parts in. */
export interface PlayerContext {
  readonly bus: PlayerBus;
  readonly video: HTMLVideoElement;
  readonly root: HTMLElement;
  readonly videoId: string;
}

/** A UI piece: it registers its listeners when created and removes the same ones in destroy(). */
export interface Piece {
  destroy(): void;
}
