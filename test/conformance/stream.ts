/**
 * Reads one published video through the gateway as a client would, with m3u8-parser (a parser we did not write our
 * playlists with): the master playlist, every media playlist, and every init and media segment's bytes.
 */
import { LineStream, ParseStream, Parser } from "m3u8-parser";

/** The parts of m3u8-parser's output the checks read (the package ships no types). */
export interface ParsedMaster {
  readonly independentSegments?: boolean;
  readonly playlists: readonly {
    readonly uri: string;
    readonly attributes: {
      readonly BANDWIDTH?: number;
      readonly "AVERAGE-BANDWIDTH"?: number;
      readonly CODECS?: string;
      readonly RESOLUTION?: { readonly width: number; readonly height: number };
      readonly "FRAME-RATE"?: number;
      readonly AUDIO?: string;
    };
  }[];
}

export interface ParsedMedia {
  readonly targetDuration?: number;
  readonly playlistType?: string;
  readonly endList?: boolean;
  readonly independentSegments?: boolean;
  readonly mediaSequence?: number;
  readonly segments: readonly { readonly uri: string; readonly duration: number; readonly map?: { readonly uri: string } }[];
}

/** An EXT-X-MEDIA tag's attributes as written (m3u8-parser's manifest drops CHANNELS, so read its tag stream). */
export type MediaTag = Readonly<Record<string, string>>;

export interface MediaPlaylist {
  readonly uri: string;
  readonly text: string;
  readonly parsed: ParsedMedia;
  readonly init: Buffer;
  readonly segments: readonly { readonly uri: string; readonly duration: number; readonly bytes: Buffer }[];
}

export interface Stream {
  readonly base: string;
  readonly masterText: string;
  readonly master: ParsedMaster;
  readonly audioTags: readonly MediaTag[];
  /** Variant media playlists in master order, then the audio renditions in tag order. */
  readonly variants: readonly MediaPlaylist[];
  readonly audio: readonly MediaPlaylist[];
}

export function parsePlaylist<T>(text: string): T {
  const p = new Parser();
  p.push(text);
  p.end();
  return p.manifest as T;
}

/** EXT-X-MEDIA attributes, straight from the tag stream. */
export function mediaTags(text: string): MediaTag[] {
  const lines = new LineStream();
  const parse = new ParseStream();
  lines.pipe(parse);
  const tags: MediaTag[] = [];
  parse.on("data", (e: { type: string; tagType?: string; attributes?: Record<string, string> }) => {
    if (e.type === "tag" && e.tagType === "media" && e.attributes) tags.push(e.attributes);
  });
  lines.push(text.endsWith("\n") ? text : `${text}\n`);
  return tags;
}

async function get(url: string): Promise<Buffer> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** Reads a media playlist and everything it names. `text` skips the fetch (for snapshots taken earlier). */
export async function readMedia(base: string, uri: string, text?: string): Promise<MediaPlaylist> {
  const body = text ?? (await get(new URL(uri, base).href)).toString("utf8");
  const parsed = parsePlaylist<ParsedMedia>(body);
  const mapUri = parsed.segments[0]?.map?.uri;
  if (!mapUri) throw new Error(`${uri} has no EXT-X-MAP`);
  const url = new URL(uri, base);
  const init = await get(new URL(mapUri, url).href);
  const segments = await Promise.all(
    parsed.segments.map(async (s) => ({ uri: s.uri, duration: s.duration, bytes: await get(new URL(s.uri, url).href) })),
  );
  return { uri, text: body, parsed, init, segments };
}

/** Reads a whole video: `master` is the master playlist's URL. */
export async function readStream(master: string): Promise<Stream> {
  const masterText = (await get(master)).toString("utf8");
  const parsed = parsePlaylist<ParsedMaster>(masterText);
  const audioTags = mediaTags(masterText).filter((t) => t.TYPE === "AUDIO");
  const variants = await Promise.all(parsed.playlists.map((p) => readMedia(master, p.uri)));
  const audio = await Promise.all(audioTags.filter((t) => t.URI).map((t) => readMedia(master, t.URI!)));
  return { base: master, masterText, master: parsed, audioTags, variants, audio };
}
