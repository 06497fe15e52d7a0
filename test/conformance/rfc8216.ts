/**
 * The strict check: RFC 8216 (HLS) rules and the fMP4 timing rules of ISO/IEC 14496-12 that players rely on, applied
 * to what the gateway serves. Playlists are read with m3u8-parser (stream.ts), boxes with our own reader (boxes.ts),
 * codec strings and sample entries with mp4box. It returns every problem found rather than stopping at the first, so
 * a failing run names all of them.
 */
import { createFile, MP4BoxBuffer, type Movie } from "mp4box";
import { aacChannels, fragments, initTracks, sidxes, type Fragment, type InitTrack } from "./boxes.js";
import type { MediaPlaylist, Stream } from "./stream.js";

/** tfdt is unsigned; a value this large is a negative time wrapped around (AAC priming at -1024 shows as 2^64-1024). */
const WRAPPED = 1n << 63n;
/** One AAC-LC frame at 48 kHz, in seconds. */
const AAC_FRAME = 1024 / 48_000;

export interface TrackTiming {
  readonly track: InitTrack;
  readonly fragments: readonly Fragment[];
  /** Decode start of each segment in seconds (tfdt read as signed, so a wrapped value shows as negative). */
  readonly starts: readonly number[];
  /** Sum of sample durations of each segment, seconds. */
  readonly durations: readonly number[];
}

export interface Report {
  readonly problems: string[];
  /** Numbers worth printing: windowed peaks, averages, A/V offsets. */
  readonly measured: Record<string, number | string>;
}

/** mp4box's view of an init segment: RFC 6381 codec string, picture size, channel count. */
export function describeInit(init: Buffer): Movie {
  const file = createFile();
  let movie: Movie | undefined;
  file.onReady = (m) => {
    movie = m;
  };
  file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(init.buffer.slice(init.byteOffset, init.byteOffset + init.byteLength), 0));
  file.flush();
  if (!movie) throw new Error("mp4box could not read the init segment");
  return movie;
}

export function timing(p: MediaPlaylist): TrackTiming {
  const tracks = initTracks(p.init);
  if (tracks.length !== 1) throw new Error(`${p.uri}: init segment has ${tracks.length} tracks, expected 1`);
  const track = tracks[0]!;
  const frags = p.segments.map((s) => {
    const f = fragments(s.bytes, tracks);
    if (f.length !== 1) throw new Error(`${s.uri}: ${f.length} track fragments, expected 1`);
    return f[0]!;
  });
  return {
    track,
    fragments: frags,
    starts: frags.map((f) => Number(BigInt.asIntN(64, f.baseDecodeTime)) / track.timescale),
    durations: frags.map((f) => f.samples.reduce((a, s) => a + s.duration, 0) / track.timescale),
  };
}

/** Per RFC 8216 4.3.4.2: the largest bit rate of any contiguous run of segments lasting 0.5 to 1.5 target durations. */
export function windowedPeak(segments: readonly { duration: number; bytes: Buffer }[], target: number): number {
  let peak = 0;
  for (let i = 0; i < segments.length; i++) {
    let bits = 0;
    let seconds = 0;
    for (let j = i; j < segments.length; j++) {
      bits += segments[j]!.bytes.length * 8;
      seconds += segments[j]!.duration;
      if (seconds > 1.5 * target) break;
      if (seconds >= 0.5 * target) peak = Math.max(peak, bits / seconds);
    }
  }
  // A playlist shorter than half a target duration has no such run: its whole length is the only window.
  return peak || average(segments);
}

export function average(segments: readonly { duration: number; bytes: Buffer }[]): number {
  const seconds = segments.reduce((a, s) => a + s.duration, 0);
  return seconds > 0 ? segments.reduce((a, s) => a + s.bytes.length * 8, 0) / seconds : 0;
}

/** Presentation time of a track's first sample, seconds: with the edit list applied (ISO) and as an elst-blind player sees it. */
function firstPresentation(t: TrackTiming): { iso: number; raw: number } {
  const f = t.fragments[0]!;
  let dts = BigInt.asIntN(64, f.baseDecodeTime);
  let first = Number.POSITIVE_INFINITY;
  for (const s of f.samples) {
    first = Math.min(first, Number(dts) + s.compositionOffset);
    dts += BigInt(s.duration);
  }
  const edit = t.track.edits.find((e) => e.mediaTime >= 0n)?.mediaTime ?? 0n;
  return { iso: (first - Number(edit)) / t.track.timescale, raw: first / t.track.timescale };
}

function checkMedia(p: MediaPlaylist, t: TrackTiming, kind: "video" | "audio", final: boolean, problems: string[]): void {
  const target = p.parsed.targetDuration;
  if (!target) problems.push(`${p.uri}: no EXT-X-TARGETDURATION`);
  for (const s of p.segments)
    if (target && Math.round(s.duration) > target)
      problems.push(`${p.uri}: EXTINF ${s.duration} of ${s.uri} rounds above TARGETDURATION ${target} (RFC 8216 4.3.3.1)`);
  if (final && (p.parsed.playlistType !== "VOD" || !p.parsed.endList))
    problems.push(`${p.uri}: a finished video must be PLAYLIST-TYPE VOD with EXT-X-ENDLIST`);
  // While the video grows, each playlist is EVENT without ENDLIST, or already ended (VOD with ENDLIST): the final
  // publish turns the playlists VOD one by one before it writes the new master.
  const growing = p.parsed.playlistType === "EVENT" && !p.parsed.endList;
  const ended = p.parsed.playlistType === "VOD" && p.parsed.endList;
  if (!final && !growing && !ended)
    problems.push(`${p.uri}: a growing video must be PLAYLIST-TYPE EVENT without EXT-X-ENDLIST, or VOD with it`);
  if (!/^#EXT-X-VERSION:([6-9]|\d\d)/m.test(p.text)) problems.push(`${p.uri}: EXT-X-MAP needs EXT-X-VERSION 6 or later (RFC 8216 7)`);
  const ts = t.track.timescale;
  t.fragments.forEach((f, i) => {
    const uri = p.segments[i]!.uri;
    if (f.baseDecodeTime >= WRAPPED)
      problems.push(`${uri}: tfdt ${f.baseDecodeTime} is a negative time wrapped into the unsigned field (${t.starts[i]!.toFixed(4)} s)`);
    if (f.samples.some((s) => s.duration <= 0)) problems.push(`${uri}: a sample with zero duration`);
    if (kind === "video" && !f.startsWithSync)
      problems.push(`${uri}: does not start with a sync sample, yet EXT-X-INDEPENDENT-SEGMENTS claims it does`);
    if (Math.abs(p.segments[i]!.duration - t.durations[i]!) > 0.02)
      problems.push(`${uri}: EXTINF ${p.segments[i]!.duration} but its samples last ${t.durations[i]!.toFixed(4)} s`);
    for (const x of sidxes(p.segments[i]!.bytes))
      if (x.earliestPresentationTime >= WRAPPED) problems.push(`${uri}: sidx earliest_presentation_time wrapped negative`);
    const next = t.fragments[i + 1];
    if (next) {
      const gap =
        Number(BigInt.asIntN(64, next.baseDecodeTime) - BigInt.asIntN(64, f.baseDecodeTime)) -
        f.samples.reduce((a, s) => a + s.duration, 0);
      if (gap !== 0)
        problems.push(
          `${p.segments[i + 1]!.uri}: tfdt is ${((gap / ts) * 1000).toFixed(1)} ms ${gap > 0 ? "after" : "before"} the end of the previous segment (a ${gap > 0 ? "gap" : "overlap"})`,
        );
    }
  });
  if (kind === "audio" && final) {
    const last = t.fragments.at(-1);
    if (last && t.fragments.length > 1 && last.samples.length <= 1)
      problems.push(
        `${p.segments.at(-1)!.uri}: the last audio segment is a single AAC frame (${(AAC_FRAME * 1000).toFixed(1)} ms), a request that adds nothing`,
      );
  }
}

/**
 * Checks a video's master playlist and everything it names. `final`: the video is complete (VOD); otherwise it is a
 * snapshot of the growing EVENT playlists.
 */
export function checkStream(s: Stream, final: boolean): Report {
  const problems: string[] = [];
  const measured: Record<string, number | string> = {};
  if (!s.master.independentSegments) problems.push("master: no EXT-X-INDEPENDENT-SEGMENTS");
  if (!s.master.playlists.length) problems.push("master: no variants");
  const audio = s.audio.map((p) => ({ p, t: timing(p), info: describeInit(p.init).tracks[0]! }));
  s.audioTags.forEach((tag, i) => {
    for (const a of ["NAME", "LANGUAGE", "CHANNELS"]) if (!tag[a]) problems.push(`audio rendition ${i}: no ${a}`);
    const a = audio[i];
    const channels = a ? (aacChannels(a.p.init) ?? a.info.audio?.channel_count) : undefined;
    if (channels && tag.CHANNELS && Number.parseInt(tag.CHANNELS, 10) !== channels)
      problems.push(`audio rendition ${tag.NAME}: CHANNELS="${tag.CHANNELS}" but its stream has ${channels}`);
  });
  for (const a of audio) checkMedia(a.p, a.t, "audio", final, problems);
  const audioPeak = Math.max(0, ...audio.map((a) => windowedPeak(a.p.segments, a.p.parsed.targetDuration ?? 1)));
  const audioAvg = Math.max(0, ...audio.map((a) => average(a.p.segments)));
  const videoTimings: TrackTiming[] = [];
  s.master.playlists.forEach((v, i) => {
    const p = s.variants[i]!;
    const t = timing(p);
    videoTimings.push(t);
    checkMedia(p, t, "video", final, problems);
    const info = describeInit(p.init).tracks[0]!;
    const a = v.attributes;
    const name = v.uri;
    const peak = windowedPeak(p.segments, p.parsed.targetDuration ?? 1) + audioPeak;
    const avg = average(p.segments) + audioAvg;
    measured[`${name} BANDWIDTH/peak`] = `${a.BANDWIDTH}/${Math.round(peak)}`;
    measured[`${name} AVERAGE-BANDWIDTH/average`] = `${a["AVERAGE-BANDWIDTH"]}/${Math.round(avg)}`;
    if (final) {
      if (!a.BANDWIDTH || a.BANDWIDTH < Math.floor(peak))
        problems.push(
          `${name}: BANDWIDTH ${a.BANDWIDTH} is below the peak segment bit rate ${Math.round(peak)} (RFC 8216 4.3.4.2, windows of 0.5-1.5 target durations, audio included)`,
        );
      if (!a["AVERAGE-BANDWIDTH"] || Math.abs(a["AVERAGE-BANDWIDTH"] - avg) > 0.05 * avg)
        problems.push(`${name}: AVERAGE-BANDWIDTH ${a["AVERAGE-BANDWIDTH"]} is not the average segment bit rate ${Math.round(avg)}`);
    }
    const codecs = new Set((a.CODECS ?? "").split(",").map((c) => c.trim().toLowerCase()));
    const want = new Set([info.codec, ...audio.map((x) => x.info.codec)].map((c) => c.toLowerCase()));
    if ([...want].some((c) => !codecs.has(c)) || codecs.size !== want.size)
      problems.push(`${name}: CODECS="${a.CODECS}" but the streams are ${[...want].join(",")}`);
    const res = a.RESOLUTION;
    // An audio-only variant has no picture, so no RESOLUTION (RFC 8216 4.3.4.2: only for variants with video).
    if (info.video ? !res || res.width !== info.video.width || res.height !== info.video.height : res)
      problems.push(`${name}: RESOLUTION ${res?.width}x${res?.height} but the stream is ${info.video?.width}x${info.video?.height}`);
  });
  // Every rung cuts its segments at the same instants, so a player can switch at any boundary.
  const ref = videoTimings[0];
  videoTimings.slice(1).forEach((t, k) => {
    if (t.starts.length !== ref?.starts.length)
      problems.push(`${s.variants[k + 1]!.uri}: ${t.starts.length} segments, ${s.variants[0]!.uri} has ${ref?.starts.length}`);
    t.starts.forEach((x, i) => {
      if (ref && ref.starts[i] !== undefined && Math.abs(x - ref.starts[i]!) > 0.001)
        problems.push(
          `${s.variants[k + 1]!.uri} segment ${i} starts at ${x.toFixed(4)} s, ${s.variants[0]!.uri}'s at ${ref.starts[i]!.toFixed(4)} s`,
        );
    });
  });
  if (ref && audio[0]) {
    const v = firstPresentation(ref);
    const a0 = firstPresentation(audio[0].t);
    measured["A/V offset of the first sample, edit lists applied (ms)"] = Math.round((a0.iso - v.iso) * 1000);
    measured["A/V offset of the first sample, edit lists ignored (ms)"] = Math.round((a0.raw - v.raw) * 1000);
    // Within one video frame: a VFR source's first frame can land on the next slot of the constant-rate grid.
    const frame = (ref.fragments[0]!.samples[0]?.duration ?? 0) / ref.track.timescale;
    if (Math.abs(a0.iso - v.iso) > frame + 1e-3)
      problems.push(`audio starts ${((a0.iso - v.iso) * 1000).toFixed(1)} ms from video (edit lists applied): more than a video frame`);
    const videoEnd = ref.starts.at(-1)! + ref.durations.at(-1)!;
    for (const a of audio) {
      const end = a.t.starts.at(-1)! + a.t.durations.at(-1)!;
      if (final && Math.abs(end - videoEnd) > 0.1)
        problems.push(`${a.p.uri} ends at ${end.toFixed(3)} s, the video at ${videoEnd.toFixed(3)} s`);
    }
  }
  return { problems, measured };
}
