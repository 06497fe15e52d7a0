import { byId, listenDom } from "../shared/dom.js";
import { formatTime, spokenTime } from "../shared/format.js";
import type { Piece, PlayerContext } from "./events.js";

/** Controls hide after this long without pointer movement while playing. */
const IDLE_MS = 2500;

/** The end of what can be played now (grows while a video is still transcoding). */
function playableEnd(video: HTMLVideoElement): number {
  const s = video.seekable;
  return s.length ? s.end(s.length - 1) : 0;
}

/**
 * Play/pause, the big play button, time, and the seek bar with its buffered and playable ranges.
 * The catalogue's duration is used until the media knows better, so the bar has its full length while transcoding.
 */
export function createControls(ctx: PlayerContext): Piece {
  const { bus, video, root } = ctx;
  const play = byId<HTMLButtonElement>("play");
  const bigPlay = byId<HTMLButtonElement>("big-play");
  const seek = byId<HTMLInputElement>("seek");
  const time = byId("time");
  const controls = byId("controls");
  const ready = byId("seek-ready");
  const buffered = byId("seek-buffered");
  let apiDuration = 0;
  let dragging = false;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;

  const duration = (): number => {
    const d = video.duration;
    return Math.max(Number.isFinite(d) ? d : 0, apiDuration);
  };

  function renderPlayState(): void {
    const paused = video.paused;
    root.dataset.paused = String(paused);
    play.setAttribute("aria-label", paused ? "Play" : "Pause");
    bigPlay.hidden = !paused || video.seeking;
  }

  function renderTime(): void {
    const d = duration();
    const t = dragging ? Number(seek.value) : video.currentTime;
    seek.max = String(d || 0);
    if (!dragging) seek.value = String(t);
    time.textContent = `${formatTime(t)} / ${formatTime(d || null)}`;
    seek.setAttribute("aria-valuetext", `${spokenTime(t)} of ${spokenTime(d || null)}`);
    const fraction = (x: number): string => `${d > 0 ? Math.min(1, x / d) : 0}`;
    // CSSOM writes are allowed by the CSP (only style="" attributes are not).
    ready.style.transform = `scaleX(${fraction(playableEnd(video))})`;
    const b = video.buffered;
    buffered.style.transform = `scaleX(${fraction(b.length ? b.end(b.length - 1) : 0)})`;
    root.style.setProperty("--played", fraction(t));
  }

  function seekTo(t: number): void {
    const end = playableEnd(video);
    // Past what is transcoded so far: go as far as we can instead of stalling.
    video.currentTime = end > 0 ? Math.min(t, Math.max(0, end - 0.5)) : t;
  }

  function wake(): void {
    root.classList.remove("idle");
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      const focused = document.activeElement;
      const keep =
        video.paused ||
        root.querySelector(".menu:not([hidden])") !== null ||
        controls.matches(":hover") ||
        (focused !== null && controls.contains(focused) && focused.matches(":focus-visible"));
      if (!keep) root.classList.add("idle");
    }, IDLE_MS);
  }

  const toggle = (): void => {
    if (video.paused) void video.play().catch(() => undefined);
    else video.pause();
  };

  const offs = [
    listenDom(video, {
      play: renderPlayState,
      pause: () => {
        renderPlayState();
        wake();
      },
      playing: renderPlayState,
      seeked: renderPlayState,
      timeupdate: renderTime,
      durationchange: renderTime,
      progress: renderTime,
      click: toggle,
      waiting: () => (root.dataset.waiting = "true"),
      canplay: () => delete root.dataset.waiting,
      loadeddata: () => (root.dataset.loaded = "true"),
    }),
    listenDom(play, { click: toggle }),
    listenDom(bigPlay, { click: toggle }),
    listenDom(seek, {
      pointerdown: () => (dragging = true),
      pointerup: () => (dragging = false),
      input: () => {
        seekTo(Number(seek.value));
        renderTime();
      },
      change: () => {
        dragging = false;
        seekTo(Number(seek.value));
      },
    }),
    listenDom(root, { pointermove: wake, focusin: wake }),
    bus.on({
      video: (v) => {
        apiDuration = v.duration ?? 0;
        renderTime();
      },
    }),
  ];
  renderPlayState();
  renderTime();

  return {
    destroy() {
      clearTimeout(idleTimer);
      for (const off of offs) off();
    },
  };
}
