import { open, stat } from "node:fs/promises";
import type { ReadRange } from "./mp4-index.js";

/**
 * Where ffmpeg and ffprobe read a source: a local file, or (the transcode worker's way) a presigned GET URL of the
 * upload, which they read with HTTP range requests, so probing and remuxing start at once instead of after a download
 * of the whole file. `read` is the same bytes for our own parsers (sniffing, the MP4 index).
 */
export interface SourceInput {
  /** A local path, or an http(s) URL. */
  readonly url: string;
  readonly size: number;
  readonly read: ReadRange;
}

/** A local file as a SourceInput. */
export async function fileInput(path: string): Promise<SourceInput> {
  const { size } = await stat(path);
  return {
    url: path,
    size,
    read: async (offset, length) => {
      const fh = await open(path, "r");
      try {
        const buf = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        return buf.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    },
  };
}

/**
 * The protocols ffmpeg may open for this input, and nothing else: a URL needs its own scheme over TCP (and TLS), a
 * path only `file`. Never hls, concat, data or crypto: untrusted media must not make ffmpeg open anything it names.
 * Pure.
 */
export function inputProtocols(url: string): string {
  if (url.startsWith("https://")) return "https,tls,tcp";
  if (url.startsWith("http://")) return "http,tcp";
  return "file";
}

/** Input options that pin the demuxer the probe accepted and the protocols the input needs. Pure. */
export function pinnedInput(url: string, demuxer: string): string[] {
  return ["-protocol_whitelist", inputProtocols(url), "-format_whitelist", demuxer, "-f", demuxer];
}

/**
 * What ffmpeg and ffprobe print when the URL of a source could not be read (MinIO restarting, down or refusing):
 * a transient failure to retry, never a verdict on the file.
 */
const UNREACHABLE =
  /Connection refused|Connection reset|Connection timed out|Server returned 5\d\d|Server returned 5XX|HTTP error 5\d\d|Network is unreachable|Input\/output error|Failed to resolve hostname/i;

/** Whether a failed run of ffmpeg or ffprobe (its error text) could not read its URL: the network, not the media. Pure. */
export function sourceUnreachable(errorText: string): boolean {
  return UNREACHABLE.test(errorText);
}

/**
 * An error text with every URL's query string cut off: a presigned source URL carries its signature there, and
 * ffmpeg's errors (which reach logs and failed events) name their input. Pure.
 */
export function withoutUrlQueries(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s'"?]*)\?[^\s'"]*?(?=:?(?:[\s'"]|$))/gi, "$1");
}
