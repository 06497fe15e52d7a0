import { listenDom } from "../shared/dom.js";
import type { Piece, PlayerContext } from "./events.js";

/** Beacon body for `POST /api/qoe`; `functions/catalogue/qoe.ts` validates the same shape. */
export type QoeBeacon =
  | { readonly kind: "startup"; readonly videoId: string; readonly startupMs: number }
  | {
      readonly kind: "session";
      readonly videoId: string;
      readonly rebuffers: number;
      readonly rebufferMs: number;
      readonly switches: number;
      readonly bitrate: number;
    };

export const QOE_URL = "/api/qoe";

function send(beacon: QoeBeacon): void {
  const body = new Blob([JSON.stringify(beacon)], { type: "application/json" });
  // sendBeacon survives page unload; when it refuses (queue full), the metrics are simply lost.
  if (typeof navigator.sendBeacon === "function") navigator.sendBeacon(QOE_URL, body);
}

/**
 * Measures what viewers feel: time to first frame (from navigation start), stalls after the start (not seeks),
 * and rendition switches. Startup is sent once; the session totals are sent as deltas whenever the page hides.
 */
export function createQoe(ctx: PlayerContext): Piece {
  const { video, bus, root, videoId } = ctx;
  let firstFrame = false;
  let stallStart = 0;
  let totals = { rebuffers: 0, rebufferMs: 0, switches: 0 };
  let sent = { rebuffers: 0, rebufferMs: 0, switches: 0 };
  let bitrate = 0;
  let seenLevel = false;
  let sessionSent = false;

  const onFirstFrame = (): void => {
    if (firstFrame) return;
    firstFrame = true;
    const ms = Math.round(performance.now());
    root.dataset.firstFrameMs = String(ms);
    bus.emit("first-frame", { ms });
    send({ kind: "startup", videoId, startupMs: ms });
  };
  const endStall = (): void => {
    if (!stallStart) return;
    totals.rebufferMs += Math.round(performance.now() - stallStart);
    stallStart = 0;
  };
  const flush = (): void => {
    endStall();
    const delta = {
      rebuffers: totals.rebuffers - sent.rebuffers,
      rebufferMs: totals.rebufferMs - sent.rebufferMs,
      switches: totals.switches - sent.switches,
    };
    const changed = delta.rebuffers !== 0 || delta.rebufferMs !== 0 || delta.switches !== 0;
    if (!firstFrame || (sessionSent && !changed)) return;
    send({ kind: "session", videoId, ...delta, bitrate });
    sent = { ...totals };
    sessionSent = true;
  };

  if ("requestVideoFrameCallback" in video) video.requestVideoFrameCallback(onFirstFrame);
  const offs = [
    listenDom(video, {
      playing: () => {
        // Fallback for browsers without requestVideoFrameCallback, and for sound alone (an audio-only stream never
        // presents a frame: its start is when it plays).
        if (!("requestVideoFrameCallback" in video) || video.videoWidth === 0) onFirstFrame();
        endStall();
      },
      waiting: () => {
        if (!firstFrame || video.seeking || stallStart) return;
        totals.rebuffers++;
        stallStart = performance.now();
        root.dataset.rebuffers = String(totals.rebuffers);
      },
      seeking: () => {
        // A stall that turns into a seek is the viewer's doing.
        stallStart = 0;
      },
    }),
    listenDom(document, { visibilitychange: () => document.visibilityState === "hidden" && flush() }),
    listenDom(window, { pagehide: flush }),
    bus.on({
      "level-switched": ({ level }) => {
        if (seenLevel && level.bandwidth !== bitrate) totals.switches++;
        seenLevel = true;
        bitrate = level.bandwidth;
      },
    }),
  ];
  return {
    destroy() {
      flush();
      offs.forEach((off) => off());
      totals = { rebuffers: 0, rebufferMs: 0, switches: 0 };
    },
  };
}
