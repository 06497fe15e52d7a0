import { listenDom } from "../shared/dom.js";
import { toggleFullscreen } from "../shared/fullscreen.js";
import type { Piece, PlayerContext } from "./events.js";
import { actionFor, type Action } from "./shortcut-table.js";

/** Keyboard shortcuts for the whole page, dispatched from the table in shortcut-table.ts. */
export function createShortcuts(ctx: PlayerContext): Piece {
  const { video, root, bus } = ctx;

  const run: { [K in Action["kind"]]: (a: Extract<Action, { kind: K }>) => void } = {
    "toggle-play": () => (video.paused ? void video.play().catch(() => undefined) : video.pause()),
    seek: ({ by }) => {
      const end = video.seekable.length ? video.seekable.end(video.seekable.length - 1) : video.duration;
      video.currentTime = Math.max(0, Math.min(video.currentTime + by, Number.isFinite(end) ? end - 0.25 : video.currentTime + by));
    },
    volume: ({ by }) => {
      video.muted = false;
      video.volume = Math.round(Math.min(1, Math.max(0, video.volume + by)) * 100) / 100;
    },
    "toggle-mute": () => (video.muted = !video.muted),
    "toggle-fullscreen": () => toggleFullscreen(root),
    "toggle-help": () => bus.emit("toggle-help", {}),
    close: () => bus.emit("close-popups", {}),
  };

  const off = listenDom(document, {
    keydown: (e) => {
      const target = e.target as HTMLElement | null;
      const action = actionFor({
        key: e.key,
        ctrlKey: e.ctrlKey,
        metaKey: e.metaKey,
        altKey: e.altKey,
        targetTag: target?.tagName,
        targetType: target instanceof HTMLInputElement ? target.type : undefined,
      });
      if (!action) return;
      // Escape also closes <dialog> natively; let it through.
      if (action.kind !== "close") e.preventDefault();
      (run[action.kind] as (a: Action) => void)(action);
      root.classList.remove("idle");
    },
  });
  return { destroy: off };
}
