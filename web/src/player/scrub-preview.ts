import { byId, listenDom } from "../shared/dom.js";
import { formatTime } from "../shared/format.js";
import type { Piece, PlayerContext } from "./events.js";
import { cueAt, parseThumbnailsVtt, type ThumbCue } from "./vtt.js";

/**
 * Thumbnail and time above the seek bar while the pointer hovers or drags it. The VTT is fetched on first
 * hover (and again later while the video is still transcoding, since new thumbnails appear).
 */
export function createScrubPreview(ctx: PlayerContext): Piece {
  const { bus } = ctx;
  const seek = byId<HTMLInputElement>("seek");
  const preview = byId("preview");
  const thumb = byId("preview-thumb");
  const label = byId("preview-time");
  let vttUrl: string | null = null;
  let cues: ThumbCue[] = [];
  let loadedAt = 0;
  let loading: Promise<void> | null = null;
  let complete = false;

  function load(): Promise<void> {
    if (!vttUrl || loading || (complete && cues.length) || Date.now() - loadedAt < 5000) return loading ?? Promise.resolve();
    const url = vttUrl;
    loading = fetch(url)
      .then((r) => (r.ok ? r.text() : ""))
      .then((text) => {
        cues = parseThumbnailsVtt(text, new URL(url, location.href).href);
      })
      .catch(() => undefined)
      .finally(() => {
        loading = null;
        loadedAt = Date.now();
      });
    return loading;
  }

  function show(clientX: number): void {
    const rect = seek.getBoundingClientRect();
    const max = Number(seek.max);
    if (rect.width <= 0 || !(max > 0)) return;
    const x = Math.min(rect.width, Math.max(0, clientX - rect.left));
    const t = (x / rect.width) * max;
    label.textContent = formatTime(t);
    const cue = cueAt(cues, t);
    preview.hidden = false;
    preview.classList.toggle("has-thumb", cue !== null);
    if (cue) {
      thumb.style.backgroundImage = `url("${cue.url.replace(/"/g, "%22")}")`;
      thumb.style.backgroundPosition = `-${cue.x}px -${cue.y}px`;
      thumb.style.width = `${cue.w}px`;
      thumb.style.height = `${cue.h}px`;
    }
    const half = preview.offsetWidth / 2;
    preview.style.transform = `translateX(${Math.min(rect.width - half, Math.max(half, x)) - half}px)`;
    void load().then(() => {
      // First hover: the cues arrived after we drew; draw again if still hovering.
      if (!preview.hidden && cue === null && cues.length) show(clientX);
    });
  }

  const hide = (): void => {
    preview.hidden = true;
  };

  const offs = [
    listenDom(seek, {
      pointerenter: () => void load(),
      pointermove: (e) => show(e.clientX),
      pointerleave: hide,
      pointerup: hide,
    }),
    bus.on({
      video: (v) => {
        vttUrl = v.thumbnails;
        complete = v.status === "ready";
      },
    }),
  ];
  return { destroy: () => offs.forEach((off) => off()) };
}
