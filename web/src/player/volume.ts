import { byId, listenDom } from "../shared/dom.js";
import type { Piece, PlayerContext } from "./events.js";

const KEY = "estrena:volume";

/** Mute button and volume slider; the level is remembered across videos. */
export function createVolume(ctx: PlayerContext): Piece {
  const { video, root } = ctx;
  const mute = byId<HTMLButtonElement>("mute");
  const slider = byId<HTMLInputElement>("volume");

  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? "null") as { v?: number; m?: boolean } | null;
    if (saved && typeof saved.v === "number") video.volume = Math.min(1, Math.max(0, saved.v));
    if (saved?.m) video.muted = true;
  } catch {
    // No storage: defaults are fine.
  }

  function render(): void {
    const silent = video.muted || video.volume === 0;
    root.dataset.muted = String(silent);
    mute.setAttribute("aria-label", silent ? "Unmute" : "Mute");
    slider.value = String(video.muted ? 0 : video.volume);
    slider.setAttribute("aria-valuetext", `${Math.round((video.muted ? 0 : video.volume) * 100)}%`);
    try {
      localStorage.setItem(KEY, JSON.stringify({ v: video.volume, m: video.muted }));
    } catch {
      // Storage disabled.
    }
  }

  const offs = [
    listenDom(video, { volumechange: render }),
    listenDom(mute, {
      click: () => {
        if (video.volume === 0) video.volume = 0.5;
        video.muted = !video.muted;
      },
    }),
    listenDom(slider, {
      input: () => {
        video.volume = Number(slider.value);
        video.muted = video.volume === 0;
      },
    }),
  ];
  render();
  return { destroy: () => offs.forEach((off) => off()) };
}
