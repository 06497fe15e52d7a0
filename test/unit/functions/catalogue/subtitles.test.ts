import pino from "pino";
import { describe, expect, it } from "vitest";
import { keyedQueue } from "../../../../functions/catalogue/deps.js";
import type { Origin } from "../../../../functions/catalogue/origin.js";
import type { CatalogueStore } from "../../../../functions/catalogue/store.js";
import { addTrack, adoptSidecars, applySidecar, reapplyTracks, removeTrack } from "../../../../functions/catalogue/subtitles.js";
import { ErrorCode, EstrenaError } from "../../../../lib/contracts/errors.js";
import type { Video } from "../../../../lib/contracts/video.js";
import { writeMasterPlaylist } from "../../../../lib/media/playlist.js";

/**
 * The catalogue's subtitle logic against in-memory stand-ins for its two stores (the real MinIO and Redis paths run in
 * test/e2e/subtitles.test.ts): pairing in both orders, a refused file recorded on its track, and the conditional
 * master rewrite that never puts an older master back.
 */
const ID = "v0123456789abcdef012";
const SRT = "1\n00:00:01,000 --> 00:00:02,000\nHello\n";
const MASTER = writeMasterPlaylist(
  [{ uri: "720p.m3u8", bandwidth: 1e6, averageBandwidth: 8e5, codecs: "avc1.64001f", width: 1280, height: 720, frameRate: 25 }],
  null,
);

function video(over: Partial<Video> = {}): Video {
  return {
    id: ID,
    title: "talk",
    source: { bucket: "uploads", key: "talks/talk.mp4", size: 1, etag: "e" },
    createdAt: "2026-12-01T00:00:00.000Z",
    status: "ready",
    progress: 1,
    duration: 12,
    width: 1280,
    height: 720,
    renditions: [],
    hls: `/stream/${ID}/master.m3u8`,
    poster: null,
    thumbnails: null,
    error: null,
    ...over,
  };
}

function world(videos: Video[] = [video()], uploads: Record<string, string | Uint8Array> = {}) {
  const objects = new Map<string, { text: string; etag: number }>();
  let version = 0;
  const records = new Map(videos.map((v) => [v.id, v]));
  const invalidated: string[] = [];
  /** Called before each conditional put: a test makes "transcode" write the master there. */
  let beforePut: (() => void) | null = null;
  const write = (key: string, text: string) => objects.set(key, { text, etag: ++version });
  const origin: Partial<Origin> = {
    async getJson(key) {
      const o = objects.get(key);
      return o ? JSON.parse(o.text) : null;
    },
    async putJson(key, value) {
      write(key, JSON.stringify(value));
    },
    async remove(key) {
      objects.delete(key);
    },
    async listKeys(prefix) {
      return [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    },
    async getText(key) {
      const o = objects.get(key);
      return o ? { text: o.text, etag: String(o.etag) } : null;
    },
    async putText(key, text, _type, ifMatch) {
      if (ifMatch) beforePut?.();
      if (ifMatch && String(objects.get(key)?.etag) !== ifMatch) return false;
      write(key, text);
      return true;
    },
    async readSidecar(_bucket, key, max) {
      const body = uploads[key];
      if (body === undefined) return null;
      const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
      if (bytes.length > max) throw new EstrenaError(ErrorCode.SubtitleTooLarge, "big");
      return bytes;
    },
  };
  const store: Partial<CatalogueStore> = {
    async get(id) {
      return records.get(id) ?? null;
    },
    async all() {
      return [...records.values()];
    },
    async save(v) {
      records.set(v.id, v);
    },
    async invalidateStream(id, which) {
      invalidated.push(`${id}:${which}`);
    },
  };
  const deps = {
    store: store as CatalogueStore,
    origin: origin as Origin,
    log: pino({ level: "silent" }),
    serially: keyedQueue(),
  };
  return {
    deps,
    objects,
    records,
    invalidated,
    write,
    onPut: (fn: (() => void) | null) => (beforePut = fn),
    master: () => objects.get(`videos/${ID}/master.m3u8`)?.text ?? "",
    tracks: () => (records.get(ID)?.subtitles ?? []).map((t) => `${t.language}:${t.error?.code ?? t.uri?.replace(/-[0-9a-f]{12}/, "")}`),
  };
}

const sidecar = (key: string) => ({ bucket: "uploads", key, size: 10, etag: `etag-${key}`, eventTime: "2026-12-01T00:00:00.000Z" });

describe("subtitle tracks in the catalogue", () => {
  it("a sidecar after the video: the track, its files, the master and a cache drop", async () => {
    const w = world([video()], { "talks/talk.en.srt": SRT });
    w.write(`videos/${ID}/master.m3u8`, MASTER);
    await applySidecar(w.deps, sidecar("talks/talk.en.srt"));
    expect(w.tracks()).toEqual(["en:sub-en.m3u8"]);
    const track = w.records.get(ID)!.subtitles![0]!;
    expect(track).toMatchObject({ name: "English", from: { kind: "sidecar", key: "talks/talk.en.srt" }, error: null });
    expect(w.objects.get(`videos/${ID}/${track.uri!.replace(".m3u8", ".vtt")}`)?.text).toContain("00:00:01.000 --> 00:00:02.000\nHello");
    expect(w.objects.get(`videos/${ID}/${track.uri}`)?.text).toContain("#EXTINF:12.000000,");
    expect(w.master()).toContain(`LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,URI="${track.uri}"`);
    expect(w.invalidated).toEqual([`${ID}:playlists`]);
  });

  it("a sidecar before the video waits in the index; the video's upload adopts it, and playable puts it in the master", async () => {
    const w = world([], { "talks/talk.fr.vtt": "WEBVTT\n\n00:01.000 --> 00:02.000\nBonjour\n", "talks/talk.en.srt": SRT });
    // Two at once (the console's multi-file upload): neither entry is lost.
    await Promise.all([applySidecar(w.deps, sidecar("talks/talk.fr.vtt")), applySidecar(w.deps, sidecar("talks/talk.en.srt"))]);
    const queued = video({ status: "queued", hls: null, duration: null });
    w.records.set(ID, queued);
    await adoptSidecars(w.deps, queued);
    expect(w.tracks()).toEqual(["en:sub-en.m3u8", "fr:sub-fr.m3u8"]);
    // No master yet: nothing to rewrite. transcode writes one, then `playable` re-applies.
    expect(w.master()).toBe("");
    w.write(`videos/${ID}/master.m3u8`, MASTER);
    await reapplyTracks(w.deps, { ...w.records.get(ID)!, hls: `/stream/${ID}/master.m3u8`, duration: 12 });
    expect(w.master()).toContain('NAME="French",LANGUAGE="fr"');
  });

  it("pairs only with videos of the same base name and bucket", async () => {
    const other = video({ id: "v0123456789abcdef013", source: { bucket: "uploads", key: "talks/other.mp4", size: 1, etag: "e" } });
    const w = world([video(), other], { "talks/talk.vtt": SRT });
    await applySidecar(w.deps, sidecar("talks/talk.vtt"));
    expect(w.tracks()).toEqual(["und:sub-und.m3u8"]);
    expect(w.records.get(other.id)?.subtitles).toBeUndefined();
  });

  it("a garbage or oversized sidecar is a failed track with the fixed message; the video stays ready", async () => {
    const w = world([video()], { "talks/talk.de.srt": new Uint8Array([0, 1, 2]), "talks/talk.es.srt": new Uint8Array(3 * 1024 * 1024) });
    w.write(`videos/${ID}/master.m3u8`, MASTER);
    await applySidecar(w.deps, sidecar("talks/talk.de.srt"));
    await applySidecar(w.deps, sidecar("talks/talk.es.srt"));
    expect(w.tracks()).toEqual(["de:subtitle-invalid", "es:subtitle-too-large"]);
    expect(w.records.get(ID)!.status).toBe("ready");
    expect(w.master()).toBe(MASTER);
  });

  it("a master rewritten by transcode meanwhile is read again, never overwritten with the older one", async () => {
    const w = world([video()], { "talks/talk.en.srt": SRT });
    w.write(`videos/${ID}/master.m3u8`, MASTER);
    const final = MASTER.replace("BANDWIDTH=1000000", "BANDWIDTH=1234567");
    let raced = false;
    w.onPut(() => {
      if (!raced) w.write(`videos/${ID}/master.m3u8`, final);
      raced = true;
    });
    await applySidecar(w.deps, sidecar("talks/talk.en.srt"));
    expect(w.master()).toContain("BANDWIDTH=1234567");
    expect(w.master()).toContain('LANGUAGE="en"');
  });

  it("the studio removes a track: record, files and master", async () => {
    const w = world([video()]);
    w.write(`videos/${ID}/master.m3u8`, MASTER);
    await addTrack(w.deps, ID, { language: "pt-BR", from: { kind: "studio", bytes: new TextEncoder().encode(SRT) } });
    expect(w.tracks()).toEqual(["pt-BR:sub-pt-BR.m3u8"]);
    const files = [...w.objects.keys()].filter((k) => k.includes("sub-"));
    expect(files).toHaveLength(2);
    await removeTrack(w.deps, ID, "pt-BR");
    expect(w.tracks()).toEqual([]);
    expect([...w.objects.keys()].filter((k) => k.includes("sub-"))).toEqual([]);
    expect(w.master()).toBe(MASTER);
    await expect(removeTrack(w.deps, ID, "pt-BR")).rejects.toMatchObject({ code: "not-found" });
  });
});
