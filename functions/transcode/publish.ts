import { streamPrefix } from "../../lib/runtime/ids.js";
import type { Rendition } from "../../lib/contracts/video.js";
import { chunksWithAudio, contiguousDone } from "../../lib/media/chunks.js";
import type { Deps } from "./deps.js";
import { AUDIO_BITRATE, AUDIO_CHANNELS, AUDIO_CODECS, names, SURROUND_CHANNELS } from "../../lib/media/ffmpeg-args.js";
import { chunkJobName } from "./jobs.js";
import { FPS_CAP_LOW_BELOW, type Rung } from "../../lib/media/ladder.js";
import { measureBandwidth, segmentsUntil, writeMasterPlaylist, writeMediaPlaylist, type Variant } from "../../lib/media/playlist.js";
import { isAudioOnlyPlan, type Plan } from "../../lib/media/plan.js";
import { chunkRungs, isLeadRung, leadJobName, leadRungs } from "../../lib/media/lead.js";
import { publishAudioOnly } from "./publish-audio.js";
import { remuxKey, type RemuxManifest } from "./publish-remux.js";
import { thumbnailsVtt } from "../../lib/media/thumbnails.js";
import { doneJobs, jobKeys, readJson, underLock, type AudioManifest, type ChunkManifest, type SegmentRecord } from "./work.js";

export interface Published {
  /** Chunks the media playlists now name (0: nothing published yet). */
  readonly chunks: number;
  /** This call wrote the master playlist for the first time: the video just became playable. */
  readonly first: boolean;
  readonly renditions: readonly Rendition[];
}

/** Job names a plan completes with. */
export function expectedJobs(plan: Plan): string[] {
  // A passthrough's "audio" job is the remux, which makes the top rung too, so it is expected even without audio.
  // An encoded source's lead rungs are made span by span (one span per chunk) by its "audio" job (steps/lead.ts).
  const lead = leadRungs(plan).length ? plan.chunks.map((c) => leadJobName(c.index)) : [];
  return [...plan.chunks.map((c) => chunkJobName(c.index)), ...(plan.probe.audio || plan.passthrough ? ["audio"] : []), ...lead];
}

/**
 * Publishes every chunk finished without a gap from the start, under the video's publish lock. Order matters: the
 * segments are already uploaded (a chunk's manifest is written last), then the media playlists and the storyboard
 * track are written, and the master playlist last, so a viewer never gets a name that does not exist yet.
 * While the audio job runs, its partial manifest names the audio segments uploaded so far; only chunks that audio
 * already covers are published, so the EVENT audio playlist always keeps up with the video it goes with.
 * `final` writes VOD playlists with ENDLIST and a master with measured bandwidths.
 * A passthrough publishes progressively through its remux (publish-remux.ts), and an encoded source with lead rungs
 * through its lead (publish-lead.ts); for those, here only the storyboard track as chunks finish, and at the end the
 * whole ladder.
 */
export async function publish(deps: Deps, plan: Plan, final: boolean): Promise<Published> {
  if (isAudioOnlyPlan(plan)) return publishAudioOnly(deps, plan, final);
  const vid = plan.videoId;
  const result = await underLock(
    deps,
    vid,
    "publish",
    async () => false,
    async () => {
      if (plan.passthrough && !final) return { chunks: 0, first: false, renditions: [] };
      const done = await doneJobs(deps, vid, expectedJobs(plan).length);
      const doneChunks = new Set(plan.chunks.filter((c) => done.has(chunkJobName(c.index))).map((c) => c.index));
      // The audio: the finished job's manifest, or while it runs the segments it has uploaded so far.
      const audioDone = done.has("audio");
      const audio = plan.probe.audio
        ? await readJson<AudioManifest>(deps, audioDone ? jobKeys.done(vid, "audio") : jobKeys.audioPartial(vid))
        : null;
      const audioSeconds = !plan.probe.audio || audioDone ? null : (audio?.segments ?? []).reduce((t, s) => t + s.duration, 0);
      const lead = leadRungs(plan);
      // The lead publishes the playlists of a source with lead rungs; the chunks' part is the storyboard.
      const k = lead.length ? contiguousDone(doneChunks) : chunksWithAudio(plan.chunks, contiguousDone(doneChunks), audioSeconds);
      const leadMissing = final && plan.chunks.some((c) => lead.length > 0 && !done.has(leadJobName(c.index)));
      if (k === 0 || (plan.probe.audio && !audio) || (final && (k < plan.chunks.length || audioSeconds !== null || leadMissing)))
        return { chunks: 0, first: false, renditions: [] };
      const before = lead.length ? 0 : await deps.state.published(vid).catch(() => 0);
      if (!final && k <= before) return { chunks: before, first: false, renditions: [] };

      const manifests: ChunkManifest[] = [];
      for (let i = 0; i < k; i++) {
        const m = await readJson<ChunkManifest>(deps, jobKeys.done(vid, chunkJobName(i)));
        if (!m) throw new Error(`chunk ${i} is marked done but its manifest is missing`);
        manifests.push(m);
      }
      const prefix = streamPrefix(vid);
      if (lead.length && !final) {
        await deps.store.putText(
          prefix + names.thumbnails,
          thumbnailsVtt(
            plan.grid,
            manifests.map((m) => ({ chunk: m.chunk, segments: m.tiles })),
          ),
        );
        return { chunks: k, first: false, renditions: [] };
      }
      const leads = final && lead.length ? await leadManifests(deps, plan, manifests) : null;
      const type = final ? "VOD" : "EVENT";
      const ref = chunkRungs(plan)[0]!.name;
      const videoSeconds = manifests.reduce((t, m) => t + (m.rungs[ref] ?? []).reduce((a, s) => a + s.duration, 0), 0);
      const remux = plan.passthrough ? await readJson<RemuxManifest>(deps, remuxKey(vid)) : null;
      if (plan.passthrough && !remux) throw new Error("the remux is marked done but its manifest is missing");
      const target = plan.passthrough?.targetDuration ?? plan.segmentSeconds;

      const variants: Variant[] = [];
      const renditions: Rendition[] = [];
      const audioSegments = audio ? (final ? audio.segments : segmentsUntil(audio.segments, videoSeconds)) : [];
      // The 5.1 rendition is published at the end, with the rest; a variant's BANDWIDTH covers the larger of the two.
      const surround = final && audio?.surround?.length ? audio.surround : null;
      const rates = [audioSegments, ...(surround ? [surround] : [])].map((segments) => measureBandwidth(segments));
      const audioRate = audio
        ? { peak: Math.max(...rates.map((r) => r.peak)), average: Math.max(...rates.map((r) => r.average)) }
        : { peak: 0, average: 0 };
      for (const r of plan.rungs) {
        const remuxed = remux && r === plan.rungs[0];
        const from = leads && isLeadRung(plan, r.name) ? leads : manifests;
        const segments = remuxed ? remux.segments : from.flatMap((m) => m.rungs[r.name] ?? []);
        await deps.store.putText(
          prefix + names.mediaPlaylist(r.name),
          writeMediaPlaylist({ type, map: names.init(r.name), segmentSeconds: target, segments }),
        );
        const codecs = remuxed ? remux.codecs : (from[0]?.codecs?.[r.name] ?? r.codecs);
        const v = variant({ ...r, codecs }, segments, final, audioRate, Boolean(audio));
        variants.push(v);
        renditions.push({ width: r.width, height: r.height, bandwidth: v.bandwidth, codecs: v.codecs });
      }
      if (audio) {
        await deps.store.putText(
          prefix + names.audioPlaylist,
          writeMediaPlaylist({ type, map: names.audioInit, segmentSeconds: target, segments: audioSegments }),
        );
        if (surround) {
          await deps.store.putText(
            prefix + names.surroundPlaylist,
            writeMediaPlaylist({ type, map: names.surroundInit, segmentSeconds: target, segments: surround }),
          );
        }
      }
      await deps.store.putText(
        prefix + names.thumbnails,
        thumbnailsVtt(
          plan.grid,
          manifests.map((m) => ({ chunk: m.chunk, segments: m.tiles })),
        ),
      );
      const first = before === 0 && !(await deps.store.exists(prefix + names.master));
      if (first || final) {
        const stereo = { uri: names.audioPlaylist, groupId: "audio", name: surround ? "Stereo" : "Audio", channels: AUDIO_CHANNELS };
        const fiveOne = { uri: names.surroundPlaylist, groupId: "audio", name: "5.1", channels: SURROUND_CHANNELS };
        const audioGroup = audio ? (surround ? [stereo, fiveOne] : stereo) : null;
        await deps.store.putText(prefix + names.master, writeMasterPlaylist(startFirst(variants), audioGroup));
      }
      await deps.state.setPublished(vid, k).catch(() => undefined);
      return { chunks: k, first, renditions };
    },
  );
  return result === "done" ? { chunks: 0, first: false, renditions: [] } : result;
}

/**
 * A variant's master-playlist entry. Before the end, BANDWIDTH is at least the rung's cap (later chunks may peak
 * higher than the ones measured so far); at the end it is the measured peak (RFC 8216 4.3.4.2).
 */
function variant(
  r: Rung,
  segments: readonly SegmentRecord[],
  final: boolean,
  audio: { peak: number; average: number },
  hasAudio: boolean,
): Variant {
  const m = measureBandwidth(segments);
  const audioPeak = hasAudio ? Math.max(audio.peak, final ? 0 : AUDIO_BITRATE) : 0;
  const audioAvg = hasAudio ? audio.average || AUDIO_BITRATE : 0;
  return {
    uri: names.mediaPlaylist(r.name),
    bandwidth: (final ? m.peak : Math.max(m.peak, r.maxrate)) + audioPeak,
    averageBandwidth: m.average + audioAvg,
    codecs: hasAudio ? `${r.codecs},${AUDIO_CODECS}` : r.codecs,
    width: r.width,
    height: r.height,
    frameRate: r.fps.num / r.fps.den,
  };
}

/**
 * Players start with the first variant listed (Safari; hls.js before its bandwidth estimate settles), so the
 * largest rung below 720p goes first for a quick start, then the rest from the top down.
 */
export function startFirst(variants: readonly Variant[]): Variant[] {
  const byBw = [...variants].sort((a, b) => b.bandwidth - a.bandwidth);
  const start = byBw.find((v) => Math.min(v.width, v.height) < FPS_CAP_LOW_BELOW) ?? byBw[byBw.length - 1];
  return start ? [start, ...byBw.filter((v) => v !== start)] : byBw;
}

/**
 * The lead spans' manifests, in order, for the final publish. A span cut other than its chunk would make the lead rungs
 * switch badly with the others: that is logged (the rung alignment tests hold it).
 */
async function leadManifests(deps: Deps, plan: Plan, chunks: readonly ChunkManifest[]): Promise<ChunkManifest[]> {
  const out: ChunkManifest[] = [];
  const ref = chunkRungs(plan)[0]!.name;
  for (const c of plan.chunks) {
    const m = await readJson<ChunkManifest>(deps, jobKeys.done(plan.videoId, leadJobName(c.index)));
    if (!m) throw new Error(`lead span ${c.index} is marked done but its manifest is missing`);
    const lead = Object.values(m.rungs)[0] ?? [];
    const other = chunks[c.index]?.rungs[ref] ?? [];
    if (lead.length !== other.length || lead.some((s, i) => Math.abs(s.duration - other[i]!.duration) > 0.002)) {
      deps.log.error(
        { videoId: plan.videoId, chunk: c.index, lead: lead.length, others: other.length },
        "lead span cut off its chunk's cuts",
      );
    }
    out.push(m);
  }
  return out;
}
