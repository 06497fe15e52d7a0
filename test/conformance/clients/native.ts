/**
 * Native players as clients: GStreamer (playbin with hlsdemux, playbin3 with hlsdemux2) and VLC, each run to the
 * end of the stream with sinks that discard what they decode. Each run is bounded: a player that stalls is killed
 * and reported as stalled.
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PlayResult {
  readonly ok: boolean;
  /** Why it failed, with the player's own words. */
  readonly detail: string;
}

function exec(
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number | null; out: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? null) : 0;
      resolve({
        code: typeof code === "number" ? code : null,
        out: `${stdout}${stderr}`,
        timedOut: Boolean(err && (err as { killed?: boolean }).killed),
      });
    });
    child.stdin?.end();
  });
}

export type GstPipeline = "playbin+hlsdemux" | "playbin3+hlsdemux2";

/**
 * GStreamer 1.22's hlsdemux2 sometimes fails at once on a variant of a single segment (a short passthrough clip cut
 * at its only keyframe): the stream reaches the end of its playlist before the demuxer has exposed its pad. Measured
 * here: 4 of 30 and 2 of 30 runs on such streams, 0 of 30 on the same clip cut into two segments. Any other error fails.
 */
const HLSDEMUX2_EOS_RACE = /Can't push EOS on non-exposed pad/;

/**
 * Plays a master playlist to EOS with fakesinks (sync=false: as fast as it decodes). The rank override keeps the
 * other HLS demuxer out, so each pipeline really uses the demuxer it names. A run lost to hlsdemux2's start-up race
 * (above) is run again, twice at most.
 */
export async function gstreamer(url: string, pipeline: GstPipeline, timeoutMs = 30_000): Promise<PlayResult> {
  const [bin, off] = pipeline === "playbin+hlsdemux" ? ["playbin", "hlsdemux2"] : ["playbin3", "hlsdemux"];
  const env = { ...process.env, GST_PLUGIN_FEATURE_RANK: `${off}:NONE`, GST_DEBUG: "*:1" };
  const play = () => exec("gst-launch-1.0", [bin, `uri=${url}`, "video-sink=fakesink", "audio-sink=fakesink"], env, timeoutMs);
  let r = await play();
  for (let again = 0; again < 2 && r.code !== 0 && HLSDEMUX2_EOS_RACE.test(r.out); again++) r = await play();
  const errors = r.out.split("\n").filter((l) => /ERROR/.test(l));
  const eos = /Got EOS from element/.test(r.out);
  if (r.timedOut)
    return { ok: false, detail: `stalled: no EOS within ${timeoutMs / 1000} s; ${errors.slice(0, 5).join(" | ") || r.out.slice(-600)}` };
  if (r.code !== 0 || !eos || errors.length)
    return { ok: false, detail: `exit ${r.code}, EOS ${eos}: ${errors.slice(0, 5).join(" | ") || r.out.slice(-600)}` };
  return { ok: true, detail: "EOS" };
}

/** The uid VLC runs as: it refuses to run as root. */
const NOBODY = "65534";

/**
 * Plays a master playlist with VLC (dummy interface and outputs) as an unprivileged user until it exits at the end.
 * VLC reports trouble only in its log, so the log is read: any "error" line from its input, demuxers or decoders fails.
 */
export async function vlc(url: string, opts: { video: boolean }, timeoutMs = 45_000): Promise<PlayResult> {
  const home = mkdtempSync(join(tmpdir(), "estrena-vlc-"));
  chmodSync(home, 0o777);
  try {
    const args = [
      "--reuid",
      NOBODY,
      "--regid",
      NOBODY,
      "--clear-groups",
      "--",
      "cvlc",
      "-I",
      "dummy",
      "--vout",
      "dummy",
      "--aout",
      "dummy",
      "--no-media-library",
      "--play-and-exit",
      "-vv",
      url,
    ];
    const r = await exec("setpriv", args, { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: home, XDG_CACHE_HOME: home }, timeoutMs);
    // Interface modules (D-Bus, hotkeys) fail without a desktop session, and a late PCR is VLC's clock growing its
    // buffer on a loaded machine (it says so as an error, then plays on): neither says anything about the stream.
    const errors = r.out.split("\n").filter((l) => / error: /.test(l) && !/ (interface|libvlc) error: |PCR +is called too late/.test(l));
    const decoded = /using audio decoder module/.test(r.out) && (!opts.video || /using video decoder module/.test(r.out));
    // VLC's input logs this once its demuxer has reached the end of the stream and it drains the decoders.
    const ended = /main input debug: (EOF reached|waiting decoder fifos to empty)/.test(r.out);
    if (r.timedOut) return { ok: false, detail: `stalled: still playing after ${timeoutMs / 1000} s; ${errors.slice(0, 5).join(" | ")}` };
    if (r.code !== 0 || errors.length || !ended || !decoded)
      return {
        ok: false,
        detail: `exit ${r.code}, ended ${ended}, decoders ${decoded}: ${errors.slice(0, 5).join(" | ") || r.out.slice(-800)}`,
      };
    return { ok: true, detail: "played to the end" };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
