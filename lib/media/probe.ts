import { execFile } from "node:child_process";
import { DEMUXER_WHITELIST, checkProbe, sniff, type Limits, type ProbeResult, type Source } from "./probe-check.js";
import { ErrorCode, EstrenaError } from "../contracts/errors.js";
import { probeArgs } from "./ffmpeg-args.js";
import { fileInput, inputProtocols, sourceUnreachable, type SourceInput } from "./source-input.js";

/** Bytes read to classify a file before ffprobe sees it. */
const SNIFF_BYTES = 4096;

/** The accepted source and ffprobe's whole answer (its stream fields feed the standard-input check). */
export interface Probed {
  readonly source: Source;
  readonly result: ProbeResult;
}

/**
 * Probes a source (a local path, or a URL read with ranged requests) and decides whether we accept it (throws an
 * EstrenaError with the code when not). ffprobe is run directly with `-of json` rather than through fluent-ffmpeg's
 * ffprobe(), whose INI parser drops nested sections such as the display matrix we need for rotation.
 */
export async function probeSource(input: string | SourceInput, limits: Limits, signal?: AbortSignal): Promise<Source> {
  return (await probeInput(typeof input === "string" ? await fileInput(input) : input, limits, signal)).source;
}

export async function probeInput(input: SourceInput, limits: Limits, signal?: AbortSignal): Promise<Probed> {
  const head = input.size > 0 ? await input.read(0, Math.min(SNIFF_BYTES, input.size)) : new Uint8Array();
  const kind = sniff(head);
  // Refuse what must never reach a demuxer (playlists, concat lists) before ffprobe opens it.
  if (input.size === 0 || kind === "empty" || kind === "playlist" || kind === "concat") {
    return { source: checkProbe(null, kind, input.size, limits), result: {} };
  }
  const { result, stderr } = await ffprobe(input.url, signal);
  if (!result && inputProtocols(input.url) !== "file" && sourceUnreachable(stderr)) {
    throw new EstrenaError(ErrorCode.Unavailable, "the upload could not be read from storage", true);
  }
  return { source: checkProbe(result, kind, input.size, limits, stderr), result: result ?? {} };
}

function ffprobe(url: string, signal?: AbortSignal): Promise<{ result: ProbeResult | null; stderr: string }> {
  const args = probeArgs(url, DEMUXER_WHITELIST);
  return new Promise((resolve, reject) => {
    execFile("ffprobe", args, { maxBuffer: 16 << 20, timeout: 60_000, signal }, (err, stdout, stderr) => {
      if (signal?.aborted) return reject(err);
      if (err) return resolve({ result: null, stderr: String(stderr) });
      try {
        const parsed = JSON.parse(stdout) as ProbeResult;
        resolve({ result: parsed.format ? parsed : null, stderr: String(stderr) });
      } catch {
        resolve({ result: null, stderr: String(stderr) });
      }
    });
  });
}
