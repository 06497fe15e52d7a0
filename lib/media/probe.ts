import { execFile } from "node:child_process";
import { open, stat } from "node:fs/promises";
import { probeArgs } from "./ffmpeg-args.js";
import { checkProbe, DEMUXER_WHITELIST, sniff, type Limits, type ProbeResult, type Source } from "./probe-check.js";

/** Bytes read to classify a file before ffprobe sees it. */
const SNIFF_BYTES = 4096;

/**
 * Probes a downloaded source and decides whether we accept it (throws an EstrenaError with the code when not).
 * ffprobe is run directly with `-of json` rather than through fluent-ffmpeg's ffprobe(), whose INI parser drops
 * nested sections such as the display matrix we need for rotation.
 */
export async function probeSource(path: string, limits: Limits, signal?: AbortSignal): Promise<Source> {
  const { size } = await stat(path);
  const head = await readHead(path, SNIFF_BYTES);
  const kind = sniff(head);
  // Refuse what must never reach a demuxer (playlists, concat lists) before ffprobe opens it.
  if (size === 0 || kind === "empty" || kind === "playlist" || kind === "concat") return checkProbe(null, kind, size, limits);
  const { result, stderr } = await ffprobe(path, signal);
  return checkProbe(result, kind, size, limits, stderr);
}

async function readHead(path: string, n: number): Promise<Uint8Array> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function ffprobe(path: string, signal?: AbortSignal): Promise<{ result: ProbeResult | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile("ffprobe", probeArgs(path, DEMUXER_WHITELIST), { maxBuffer: 16 << 20, timeout: 60_000, signal }, (err, stdout, stderr) => {
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
