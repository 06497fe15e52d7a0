import type { Chunk } from "./chunks.js";
import { type FfmpegCommand, hlsMuxer, ladderGraph, names, posterChain, STRIP, videoEncoder } from "./ffmpeg-args.js";
import type { Rung } from "./ladder.js";
import { encodedRungs, type Plan } from "./plan.js";
import { inputProtocols, pinnedInput } from "./source-input.js";

/**
 * The lead rungs of an encoded (non-standard) source: the small rungs that a job of their own encodes from the start
 * of the source, span after span, several times faster than real time, and publishes segment by segment with the
 * audio, so that the video plays within seconds and a viewer who starts then never catches up with the encoder. The
 * chunk jobs encode the other rungs; the master playlist names the lead rungs alone until the whole ladder is in.
 * Pure.
 */

/** Rungs whose shorter side is at most this are lead rungs: at 360p the scale and encode cost about what decoding
 * 1080p does, so the lead runs at about 3× real time on one loaded core (measured here on a 1080p MPEG-TS source). */
export const LEAD_MAX_SIDE = 360;

/** The lead rungs of a plan, largest first: none for a remuxed source (its remux leads) or a one-rung ladder. */
export function leadRungs(plan: Pick<Plan, "rungs" | "passthrough">): readonly Rung[] {
  if (plan.passthrough || plan.rungs.length < 2) return [];
  // Never the top rung: the chunks always encode at least one rung (and draw the storyboard from the same decode).
  return plan.rungs.slice(1).filter((r) => Math.min(r.width, r.height) <= LEAD_MAX_SIDE);
}

/** Whether a rung is made by the lead job. */
export function isLeadRung(plan: Pick<Plan, "rungs" | "passthrough">, rung: string): boolean {
  return leadRungs(plan).some((r) => r.name === rung);
}

/**
 * The plan as the chunk jobs see it: without the lead rungs (the top rung, which sizes the poster, always stays), so
 * the chunk command encodes only the rungs that the lead job does not.
 */
export function chunkView(plan: Plan): Plan {
  const lead = new Set(leadRungs(plan).map((r) => r.name));
  return lead.size === 0 ? plan : { ...plan, rungs: plan.rungs.filter((r) => !lead.has(r.name)) };
}

/** The rungs the chunk jobs encode: every encoded rung but the lead ones. */
export function chunkRungs(plan: Plan): readonly Rung[] {
  return encodedRungs(chunkView(plan));
}

/** The lead job's record name for a span (one span per chunk of the plan, the same time range). */
export function leadJobName(chunk: number): string {
  return `l${String(chunk).padStart(4, "0")}`;
}

/**
 * One span of the lead: the lead rungs of `chunk`'s time range, from one decode, with keyframes and segment cuts
 * exactly where the chunk jobs put them (every segmentSeconds from the chunk's start, absolute times), under the
 * same segment names a chunk would use, so the final playlists have the same shape whichever job made a rung.
 * EVENT playlists: ffmpeg rewrites them after each closed segment, which the lead step watches. The first span also
 * draws the poster, so the catalogue has it when the video becomes playable. `src`: a path or the upload's presigned
 * URL (read with range requests, the demuxer and the URL's protocols pinned, as remux-args does).
 */
export function leadCommand(plan: Plan, chunk: Chunk, src: string, dir: string): FfmpegCommand {
  const seg = plan.segmentSeconds;
  const rungs = leadRungs(plan);
  const last = chunk.index === plan.chunks.length - 1;
  const poster = chunk.index === 0;
  const graph = [`[0:v:0]${poster ? "split=2[ladder][still]" : "null[ladder]"}`, ...ladderGraph(rungs)];
  if (poster) graph.push(posterChain(plan, "[still]"));
  const outputs: { path: string; options: string[] }[] = rungs.map((r, i) => ({
    path: `${dir}/${names.mediaPlaylist(r.name)}`,
    options: [
      "-map",
      `[v${i}]`,
      ...videoEncoder(r, plan.preset, seg),
      "-force_key_frames",
      `expr:gte(t,${chunk.start}+n_forced*${seg})`,
      ...STRIP,
      ...hlsMuxer(seg, names.init(r.name), `${dir}/${names.segmentPattern(r.name, chunk.index)}`, "event"),
    ],
  }));
  if (poster) {
    outputs.push({
      path: `${dir}/${names.poster}`,
      options: ["-map", "[poster]", "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3", "-f", "image2", "-update", "1"],
    });
  }
  const options = [
    "-nostdin",
    ...pinnedInput(src, plan.probe.demuxer),
    ...(chunk.start > 0 ? ["-ss", String(chunk.start)] : []),
    // The last span reads to the end: the probed duration can be a little short of the last frame.
    ...(last ? [] : ["-t", String(chunk.duration)]),
    // Absolute timestamps, as the chunk runs keep them, so the lead rungs' fragments line up with the other rungs'.
    "-copyts",
    "-start_at_zero",
  ];
  return { input: { path: src, options }, filterComplex: graph.join(";"), outputs };
}

/**
 * A command built for a local file (ffmpeg-args' builders pin the `file` protocol) made to read `src` instead: the
 * upload's presigned URL, allowed only the protocols that URL needs. Pure.
 */
export function readingFrom(cmd: FfmpegCommand, src: string): FfmpegCommand {
  const options = [...cmd.input.options];
  const i = options.indexOf("-protocol_whitelist");
  if (i >= 0) options[i + 1] = inputProtocols(src);
  return { ...cmd, input: { path: src, options } };
}
