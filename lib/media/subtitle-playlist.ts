import { SUBTITLE_GROUP } from "../contracts/subtitles.js";

/**
 * Subtitle renditions in HLS (RFC 8216 4.3.4.1 EXT-X-MEDIA TYPE=SUBTITLES, 4.3.4.2 the SUBTITLES attribute): one
 * WebVTT segment per track, its own VOD media playlist, and the master rewritten to name them. Pure.
 */

export interface SubtitleRendition {
  /** Canonical RFC 5646 tag. */
  readonly language: string;
  /** Unique within the group (RFC 8216: every NAME in a group differs); the catalogue keeps one track per language. */
  readonly name: string;
  /** The subtitle media playlist, relative to the master. */
  readonly uri: string;
}

/**
 * The media playlist of one subtitle track: the whole WebVTT file as a single segment lasting the whole video.
 * TARGETDURATION is that length rounded up, so the one EXTINF never exceeds it (RFC 8216 4.3.3.1).
 */
export function writeSubtitlePlaylist(vttUri: string, duration: number): string {
  const seconds = Math.max(1, duration);
  return [
    "#EXTM3U",
    "#EXT-X-VERSION:7",
    `#EXT-X-TARGETDURATION:${Math.ceil(seconds)}`,
    "#EXT-X-MEDIA-SEQUENCE:0",
    "#EXT-X-PLAYLIST-TYPE:VOD",
    `#EXTINF:${seconds.toFixed(6)},`,
    vttUri,
    "#EXT-X-ENDLIST",
    "",
  ].join("\n");
}

/** A quoted-string attribute value (RFC 8216 4.2): no double quote, CR or LF. */
function quoted(s: string): string {
  return `"${s.replace(/["\r\n]/g, "'").replace(/\p{Cc}/gu, "")}"`;
}

const SUBTITLE_MEDIA = /^#EXT-X-MEDIA:(?=.*TYPE=SUBTITLES)/;
const SUBTITLES_ATTR = /,SUBTITLES="[^"]*"/;

/**
 * The master playlist with exactly these subtitle renditions: earlier subtitle lines are dropped, the tracks are
 * listed after the other EXT-X-MEDIA tags (before the first variant), and every EXT-X-STREAM-INF names the group.
 * No track: the master without subtitles. Everything else is kept as written.
 */
export function withSubtitles(master: string, tracks: readonly SubtitleRendition[]): string {
  const lines = master
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .filter((l) => !SUBTITLE_MEDIA.test(l))
    .map((l) => (l.startsWith("#EXT-X-STREAM-INF:") ? l.replace(SUBTITLES_ATTR, "") : l));
  if (!tracks.length) return lines.join("\n");
  const media = tracks.map(
    (t) =>
      `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="${SUBTITLE_GROUP}",NAME=${quoted(t.name)},LANGUAGE=${quoted(t.language)},` +
      `DEFAULT=NO,AUTOSELECT=YES,URI=${quoted(t.uri)}`,
  );
  const firstVariant = lines.findIndex((l) => l.startsWith("#EXT-X-STREAM-INF:"));
  const at = firstVariant < 0 ? lines.length : firstVariant;
  return [...lines.slice(0, at), ...media, ...lines.slice(at)]
    .map((l) => (l.startsWith("#EXT-X-STREAM-INF:") ? `${l},SUBTITLES="${SUBTITLE_GROUP}"` : l))
    .join("\n");
}
