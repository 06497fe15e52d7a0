import type { Video } from "../shared/api.js";
import { byId, listenDom } from "../shared/dom.js";
import { formatPercent, formatTime } from "../shared/format.js";
import { isFinal, watchVideo, type Watch } from "../shared/live.js";
import type { Piece, PlayerContext } from "./events.js";

/** Status line under a title: `1:05 · 1280×720`, or `1:05 · Audio` for sound alone. */
export function metaLine(v: Video): string {
  const picture = v.kind === "audio" ? "Audio" : v.width && v.height ? `${v.width}×${v.height}` : null;
  const parts = [v.duration !== null ? formatTime(v.duration) : null, picture];
  return parts.filter(Boolean).join(" · ");
}

/**
 * Title and details, the "still processing" notices, and live updates over SSE until the video is final.
 * A video that failed is reported as a fatal error (shown by the error overlay).
 */
export function createStatus(ctx: PlayerContext): Piece {
  const { bus, root } = ctx;
  const title = byId("title");
  const meta = byId("meta");
  const waiting = byId("processing");
  const waitingText = byId("processing-text");
  const badge = byId("badge");
  const edge = byId("edge-note");
  let watch: Watch | null = null;
  let reported = false;
  let processing = false;

  /** Stalled at the end of what is published while the rest is still being transcoded: say so, calmly. */
  const atLiveEdge = (): boolean => {
    const { video } = ctx;
    const s = video.seekable;
    return processing && s.length > 0 && s.end(s.length - 1) - video.currentTime < 1.5;
  };

  function render(v: Video): void {
    document.title = `${v.title} · estrena`;
    title.textContent = v.title;
    meta.textContent = metaLine(v);
    root.dataset.status = v.status;
    processing = v.status === "processing";
    if (!processing) edge.hidden = true;
    // Not playable yet: no master playlist has been published.
    waiting.hidden = v.hls !== null || v.status === "failed";
    waitingText.textContent = v.status === "queued" ? "Waiting to start processing…" : `Preparing this video… ${formatPercent(v.progress)}`;
    badge.hidden = v.status !== "processing" || v.hls === null;
    badge.textContent = `Still processing · ${formatPercent(v.progress)}`;
    if (v.status === "failed" && !reported) {
      reported = true;
      bus.emit("fatal", {
        kind: "failed",
        message: v.error?.message ? `This video couldn't be processed: ${v.error.message}` : "This video couldn't be processed.",
      });
    }
  }

  const offDom = listenDom(ctx.video, {
    waiting: () => (edge.hidden = !atLiveEdge()),
    playing: () => (edge.hidden = true),
    seeking: () => (edge.hidden = true),
  });
  const off = bus.on({
    video: (v) => {
      render(v);
      if (!watch && !isFinal(v)) {
        watch = watchVideo(v, {
          sse: true,
          onUpdate: (next) => bus.emit("video", next),
          onGone: () => bus.emit("fatal", { kind: "not-found", message: "This video was removed." }),
        });
      }
    },
  });
  return {
    destroy() {
      off();
      offDom();
      watch?.close();
    },
  };
}
