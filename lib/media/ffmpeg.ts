import ffmpeg from "fluent-ffmpeg";
import { ErrorCode, EstrenaError } from "../contracts/errors.js";
import type { FfmpegCommand } from "./ffmpeg-args.js";
import { withoutUrlQueries } from "./source-input.js";

export interface RunOptions {
  /** Seconds of media this run produces; progress is time-done / this, clamped to 0..1. */
  readonly mediaSeconds: number;
  /** Media time where the output starts (chunks keep absolute timestamps). */
  readonly mediaStart?: number;
  readonly onProgress?: (fraction: number) => void;
  readonly signal?: AbortSignal;
  /** Scheduling priority, 0..19; batch encodes default to NICENESS. */
  readonly niceness?: number;
}

/** Runs ffmpeg. The one place that does. */
export type FfmpegRunner = (cmd: FfmpegCommand, opts: RunOptions) => Promise<void>;

/** Lines of stderr kept for a failure report. */
const STDERR_LINES = 40;
/**
 * Encoding is batch work: ffmpeg runs below normal priority (via `nice`) so that where it shares CPUs with serving
 * (npm start, compose, a small node) nginx and the catalogue answer viewers first. test/faults/load.test.ts runs up
 * to 8 encoders beside 200 viewers on 2 cores.
 */
const NICENESS = 10;

/** Builds the runner on fluent-ffmpeg: progress as 0..1, stderr attached to failures, killed by the abort signal. */
export function createFfmpegRunner(): FfmpegRunner {
  // Before its first run in a process fluent-ffmpeg looks for ffmpeg (`which`) and lists its encoders
  // (`ffmpeg -encoders`), then caches both. Done now, so that the first job does not wait for it: measured 0.2 s
  // before the first spawn on an idle machine (2 ms once warm), 1–3 s at load 20, in front of the remux that the
  // first viewer waits for. A failure here is the real run's to report.
  ffmpeg().availableEncoders(() => undefined);
  return (cmd, opts) =>
    new Promise<void>((resolve, reject) => {
      if (opts.signal?.aborted) return reject(new EstrenaError(ErrorCode.Unavailable, "ffmpeg run aborted before start", true));
      const c = ffmpeg({ stdoutLines: 0, niceness: opts.niceness ?? NICENESS })
        .input(cmd.input.path)
        .inputOptions([...cmd.input.options]);
      if (cmd.filterComplex) c.complexFilter(cmd.filterComplex);
      for (const o of cmd.outputs) c.output(o.path).outputOptions([...o.options]);
      const stderr: string[] = [];
      const onAbort = () => c.kill("SIGKILL");
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      c.on("stderr", (line: string) => {
        stderr.push(line);
        if (stderr.length > STDERR_LINES) stderr.shift();
      });
      c.on("progress", (p: { timemark?: string }) => {
        if (!opts.onProgress || !p.timemark) return;
        opts.onProgress(progressOf(p.timemark, opts.mediaStart ?? 0, opts.mediaSeconds));
      });
      c.on("error", (err: Error) => {
        opts.signal?.removeEventListener("abort", onAbort);
        const aborted = opts.signal?.aborted ?? false;
        reject(
          new EstrenaError(
            aborted ? ErrorCode.Unavailable : ErrorCode.Internal,
            withoutUrlQueries(`${aborted ? "ffmpeg aborted" : err.message}\n${stderr.join("\n")}`),
            true,
            {
              cause: err,
            },
          ),
        );
      });
      c.on("end", () => {
        opts.signal?.removeEventListener("abort", onAbort);
        opts.onProgress?.(1);
        resolve();
      });
      c.run();
    });
}

/** Progress from an ffmpeg timemark (HH:MM:SS.cc, the output time), clamped to 0..1. Pure. */
export function progressOf(timemark: string, start: number, seconds: number): number {
  const parts = timemark.split(":").map(Number);
  if (parts.some((n) => !Number.isFinite(n))) return 0;
  const t = parts.reduce((acc, n) => acc * 60 + n, 0);
  if (!(seconds > 0)) return 0;
  // With -copyts the timemark may be absolute (start + done) or relative; take whichever reads as inside the range.
  const done = t >= start ? t - start : t;
  return Math.min(1, Math.max(0, done / seconds));
}
