import type { PublicError } from "./failures.js";

/**
 * Subtitle sidecars and tracks (issue 14): which uploaded `.vtt`/`.srt` belongs to which video, in which language,
 * and how a track is recorded on the video. Pure and browser-safe: ingest, the catalogue and the studio page share it.
 */

/** Largest subtitle file accepted (a feature film's subtitles are ~100 KB); larger ones fail as `subtitle-too-large`. */
export const SUBTITLE_MAX_BYTES = 2 * 1024 * 1024;

/** Where the subtitle renditions sit in the master playlist (one group, named in every variant's SUBTITLES). */
export const SUBTITLE_GROUP = "subs";

/** Language of a track whose file name names none (RFC 5646 "undetermined"). */
export const UNDETERMINED = "und";

/** A subtitle track on a video: published (uri set) or refused (error set), the file it came from, and how. */
export interface SubtitleTrack {
  /** Canonical RFC 5646 tag, one track per language. */
  readonly language: string;
  /** The NAME viewers pick in the captions menu ("English", "Brazilian Portuguese"). */
  readonly name: string;
  /** The subtitle media playlist, relative to the master (`subs/en-<hash>.m3u8`); null when refused. */
  readonly uri: string | null;
  /** Where it came from: an uploaded sidecar's key, or the studio. */
  readonly from: { readonly kind: "sidecar"; readonly key: string; readonly etag: string } | { readonly kind: "studio" };
  /** Why the file was refused; the video is unaffected. */
  readonly error: PublicError | null;
}

/** What viewers see of a track: only published ones, without where they came from. */
export interface ViewerSubtitle {
  readonly language: string;
  readonly name: string;
  readonly uri: string;
}

const SIDECAR = /\.(vtt|srt)$/i;

/** A `.vtt` or `.srt` object: a sidecar, never a video of its own. */
export function isSidecarKey(key: string): boolean {
  return SIDECAR.test(key);
}

/** `srt` or `vtt`, from the key (any case). */
export function sidecarFormat(key: string): "srt" | "vtt" {
  return key.toLowerCase().endsWith(".srt") ? "srt" : "vtt";
}

// Language subtag, then script/region/variant subtags (RFC 5646, the common forms: en, pt-BR, zh-Hant, es-419).
const TAG = /^[a-z]{2,3}(?:-[a-z0-9]{2,8}){0,3}$/i;

/** The canonical form of a language tag (`pt-br` → `pt-BR`), or null when it is not one. */
export function canonicalLanguage(tag: string): string | null {
  if (tag.length > 35 || !TAG.test(tag)) return null;
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    return canonical ?? null;
  } catch {
    return null;
  }
}

/** A track's NAME, in English (the page's language): "English", "Brazilian Portuguese"; "Subtitles" when undetermined. */
export function languageName(language: string): string {
  if (language === UNDETERMINED) return "Subtitles";
  try {
    const name = new Intl.DisplayNames(["en"], { type: "language" }).of(language);
    return name && name !== language ? name : language;
  } catch {
    return language;
  }
}

/** The key without its last extension (`talks/keynote.mp4` → `talks/keynote`); a name without one is its own base. */
export function keyBase(key: string): string {
  const slash = key.lastIndexOf("/");
  const dot = key.lastIndexOf(".");
  return dot > slash + 1 ? key.slice(0, dot) : key;
}

/**
 * The videos a sidecar may belong to, as (base, language) pairs: `talk.en.vtt` is `talk` in English, or a video
 * named `talk.en` with no language; `talk.vtt` is `talk`, undetermined. The sidecar pairs with every video whose
 * key without its extension is one of these bases (re-uploads included), in the same bucket.
 */
export function sidecarCandidates(sidecarKey: string): { base: string; language: string }[] {
  const stem = keyBase(sidecarKey);
  const out = [{ base: stem, language: UNDETERMINED }];
  const slash = stem.lastIndexOf("/");
  const dot = stem.lastIndexOf(".");
  if (dot > slash + 1) {
    const language = canonicalLanguage(stem.slice(dot + 1));
    if (language) out.unshift({ base: stem.slice(0, dot), language });
  }
  return out;
}

/** The language a sidecar has for a video key, or null when they do not pair. */
export function pairSidecar(sidecarKey: string, videoKey: string): string | null {
  if (isSidecarKey(videoKey) || !isSidecarKey(sidecarKey)) return null;
  const base = keyBase(videoKey);
  return sidecarCandidates(sidecarKey).find((c) => c.base === base)?.language ?? null;
}

/** The published tracks, in the order the menu lists them. */
export function viewerSubtitles(tracks: readonly SubtitleTrack[] | undefined): ViewerSubtitle[] {
  return (tracks ?? []).flatMap((t) => (t.uri ? [{ language: t.language, name: t.name, uri: t.uri }] : []));
}
