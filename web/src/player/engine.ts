import type Hls from "hls.js";
import type { ErrorData, LevelSwitchedData, ManifestLoadedData, ManifestParsedData, SubtitleTracksUpdatedData } from "hls.js";
import type { LevelInfo, Piece, PlayerContext } from "./events.js";
import { listenDom } from "../shared/dom.js";
import { type Choices, reloadInPlace, restoreChoices } from "./master-reload.js";
import { describeFatal, recoveryFor } from "./recovery.js";

type HlsClass = typeof Hls;

/** Whether to skip hls.js: only when the browser plays HLS itself and has no MediaSource (Safari on iPhone). */
export function prefersNativeHls(video: HTMLVideoElement): boolean {
  const hasMse = "MediaSource" in window || "ManagedMediaSource" in window;
  return !hasMse && video.canPlayType("application/vnd.apple.mpegurl") !== "";
}

/** Starts fetching hls.js; only the player page calls this, so the catalogue never downloads it. */
export function loadHls(): Promise<HlsClass> {
  return import("hls.js").then((m) => m.default);
}

/**
 * Owns playback: attaches hls.js (or native HLS) once the video has a playlist, retries network trouble
 * quietly, recovers media errors, and reports what stays broken as one `fatal` event.
 */
export function createEngine(ctx: PlayerContext, opts: { hls: Promise<HlsClass> | null; startAt: number | null }): Piece {
  const { bus, video } = ctx;
  let hls: Hls | null = null;
  let src: string | null = null;
  let attempts = { network: 0, media: 0 };
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let destroyed = false;
  let levels: LevelInfo[] = [];
  let hlsCtor: HlsClass | null = null;

  const levelInfo = (i: number): LevelInfo | undefined => levels.find((l) => l.index === i);

  function attach(url: string, startAt: number | null): void {
    src = url;
    if (!opts.hls) {
      video.src = url;
      if (startAt !== null) video.addEventListener("loadedmetadata", () => (video.currentTime = startAt), { once: true });
      bus.emit("levels", { levels: [], native: true });
      bus.emit("subtitle-tracks", { tracks: [], native: true });
      void autoplay();
      return;
    }
    opts.hls.then(
      (HlsCtor) => {
        if (destroyed) return;
        if (!HlsCtor.isSupported()) {
          bus.emit("fatal", { kind: "unsupported", message: describeFatal("unsupported") });
          return;
        }
        hlsCtor = HlsCtor;
        hls = create(HlsCtor, startAt ?? 0, null);
        const fresh = hls;
        // Attach first, load on MEDIA_ATTACHED: play() is then never called before the MediaSource is the
        // <video>'s source (otherwise the attach aborts it: "interrupted by a new load request").
        fresh.once(HlsCtor.Events.MEDIA_ATTACHED, () => fresh.loadSource(url));
        fresh.attachMedia(video);
      },
      () => bus.emit("fatal", { kind: "network", message: describeFatal("network"), detail: "could not load the player code" }),
    );
  }

  /** An hls.js instance with our settings and listeners; `keep` when it replaces one (reloadMaster). */
  function create(HlsCtor: HlsClass, startPosition: number, keep: Choices | null): Hls {
    const next = new HlsCtor({
      // The worker is shipped as a same-origin file (see web/vite.config.ts) so the CSP needs no blob: workers.
      workerPath: "/assets/hls.worker.js",
      enableWorker: true,
      // A video still being transcoded has an EVENT playlist; viewers start at the beginning, not the live edge.
      startPosition,
      // A reload carries the bandwidth measured so far, so ABR does not start again from its default guess.
      ...(keep ? { abrEwmaDefaultEstimate: keep.bandwidth } : {}),
      capLevelToPlayerSize: true,
      backBufferLength: 90,
      // Segment errors: 5 quiet retries, 1+2+4+4+4 s, instead of the default 6 up to 8 s apart (31 s). With one
      // more restart in recovery.ts a viewer whose network is really gone hears about it after ~30 s, not 90.
      fragLoadPolicy: {
        default: {
          maxTimeToFirstByteMs: 10_000,
          maxLoadTimeMs: 120_000,
          timeoutRetry: { maxNumRetry: 4, retryDelayMs: 0, maxRetryDelayMs: 0 },
          errorRetry: {
            maxNumRetry: 5,
            retryDelayMs: 1000,
            maxRetryDelayMs: 4000,
            // hls.js does not retry status 0 while navigator.onLine (it assumes CORS); our segments are
            // same-origin, so status 0 is a dropped connection and worth the same quiet retries.
            shouldRetry: (config, count, _timeout, response, retry) =>
              retry || (!!config && count < config.maxNumRetry && response?.code === 0),
          },
        },
      },
    });
    next.on(HlsCtor.Events.MANIFEST_PARSED, (_e, data: ManifestParsedData) => {
      levels = data.levels.map((l, index) => ({ index, height: l.height, width: l.width, bandwidth: l.bitrate }));
      bus.emit("levels", { levels, native: false });
      // A reload keeps what the viewer chose and whether the video plays; the <video> never stopped.
      if (keep) restoreChoices(next, keep);
      else void autoplay();
    });
    next.on(HlsCtor.Events.SUBTITLE_TRACKS_UPDATED, (_e, data: SubtitleTracksUpdatedData) => {
      const tracks = data.subtitleTracks.map((t, index) => ({ index, name: t.name, language: t.lang ?? "" }));
      bus.emit("subtitle-tracks", { tracks, native: false });
    });
    next.on(HlsCtor.Events.LEVEL_SWITCHED, (_e, data: LevelSwitchedData) => {
      const level = levelInfo(data.level);
      if (level) bus.emit("level-switched", { level, auto: next.autoLevelEnabled });
    });
    next.on(HlsCtor.Events.FRAG_BUFFERED, () => {
      if (attempts.network || attempts.media) bus.emit("recovered", {});
      attempts = { network: 0, media: 0 };
    });
    next.on(HlsCtor.Events.MANIFEST_LOADED, (_e, data: ManifestLoadedData) => {
      const shape = { variants: data.levels.length, audio: data.audioTracks.length, subtitles: data.subtitles?.length ?? 0 };
      bus.emit("master", { url: data.url, shape });
    });
    next.on(HlsCtor.Events.ERROR, (_e, data: ErrorData) => onError(data));
    return next;
  }

  function onError(data: ErrorData): void {
    if (!data.fatal || !hls) return; // hls.js retries non-fatal errors by itself.
    ctx.root.dataset.hlsFatal = String(Number(ctx.root.dataset.hlsFatal ?? 0) + 1);
    const status = data.response?.code ?? 0;
    const step = recoveryFor(data.type, status, attempts);
    if (step.kind === "reload") {
      attempts.network++;
      retryTimer = setTimeout(() => hls?.startLoad(video.currentTime || -1), step.delayMs);
    } else if (step.kind === "recover-media") {
      attempts.media++;
      if (step.swapAudio) hls.swapAudioCodec();
      hls.recoverMediaError();
    } else {
      bus.emit("fatal", { kind: step.fatal, message: describeFatal(step.fatal), detail: data.details });
    }
  }

  async function autoplay(): Promise<void> {
    try {
      await video.play();
    } catch (err) {
      // Interrupted by a reload of the source: ask again once the media can play.
      if ((err as DOMException).name === "AbortError")
        video.addEventListener("canplay", () => void video.play().catch(() => undefined), { once: true });
      // NotAllowedError (no user gesture yet): the poster and play button stay up; nothing to report.
      else ctx.root.dataset.autoplay = (err as DOMException).name;
    }
  }

  function restart(at: number): void {
    hls?.destroy();
    hls = null;
    attempts = { network: 0, media: 0 };
    if (src) attach(src, at > 0 ? at : null);
  }

  const offBus = bus.on({
    video: (v) => {
      if (!src && v.hls && v.status !== "failed") attach(v.hls, opts.startAt);
    },
    "select-level": ({ index }) => {
      if (!hls) return;
      // currentLevel flushes the buffer so the choice shows at once; -1 hands control back to ABR.
      hls.currentLevel = index;
    },
    "select-subtitle": ({ index }) => {
      if (!hls) return;
      // subtitleDisplay shows the cues of the chosen track (hls.js renders them as the <video>'s text track).
      hls.subtitleDisplay = index >= 0;
      hls.subtitleTrack = index;
    },
    retry: ({ at }) => restart(at),
    "reload-master": () => {
      if (!hls || !hlsCtor || !src) return;
      const Ctor = hlsCtor;
      hls = reloadInPlace(hls, src, (start, keep) => create(Ctor, start, keep));
    },
  });
  const offDom = listenDom(video, {
    error: () => {
      // With hls.js attached, its ERROR event is the authority; this covers native HLS.
      if (!hls && src) bus.emit("fatal", { kind: "media", message: describeFatal("media"), detail: video.error?.message });
    },
  });

  return {
    destroy() {
      destroyed = true;
      clearTimeout(retryTimer);
      offBus();
      offDom();
      hls?.destroy();
      hls = null;
    },
  };
}
