import { byId, h, listenDom } from "../shared/dom.js";
import { formatTime } from "../shared/format.js";
import type { Piece, PlayerContext } from "./events.js";
import { saveResume } from "./resume.js";

/** Saves the position every few seconds and on leaving; offers "Start over" when playback resumed mid-way. */
export function createResume(ctx: PlayerContext, startAt: number | null): Piece {
  const { video, videoId } = ctx;
  const toast = byId("toast");
  let lastSave = 0;
  let duration = 0;
  let hideTimer: ReturnType<typeof setTimeout> | undefined;

  const save = (): void => {
    const d = Number.isFinite(video.duration) ? Math.max(video.duration, duration) : duration;
    saveResume(localStorage, videoId, video.currentTime, d);
  };

  if (startAt !== null) {
    const again = h("button", { type: "button", class: "link-button", id: "start-over" }, "Start over");
    again.addEventListener("click", () => {
      video.currentTime = 0;
      toast.replaceChildren();
    });
    toast.replaceChildren(h("span", {}, `Resuming at ${formatTime(startAt)}. `), again);
    hideTimer = setTimeout(() => toast.replaceChildren(), 8000);
  }

  const offs = [
    listenDom(video, {
      timeupdate: () => {
        if (video.seeking || Date.now() - lastSave < 2000) return;
        lastSave = Date.now();
        save();
      },
      pause: save,
      ended: save,
    }),
    listenDom(window, { pagehide: save }),
    ctx.bus.on({ video: (v) => (duration = v.duration ?? 0) }),
  ];
  return {
    destroy() {
      clearTimeout(hideTimer);
      offs.forEach((off) => off());
    },
  };
}
