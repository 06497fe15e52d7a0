import { byId, listenDom } from "../shared/dom.js";
import type { Piece, PlayerContext } from "./events.js";

/** The one place fatal playback errors are shown: plain words and a "Try again" button. */
export function createErrorOverlay(ctx: PlayerContext): Piece {
  const { bus, root, video } = ctx;
  const overlay = byId("error");
  const message = byId("error-message");
  const retry = byId<HTMLButtonElement>("error-retry");
  let at = 0;

  const offs = [
    bus.on({
      fatal: ({ kind, message: text }) => {
        at = video.currentTime;
        message.textContent = text;
        root.dataset.state = "error";
        root.dataset.fatalKind = kind;
        overlay.hidden = false;
        // Retrying cannot bring back a removed or failed video.
        retry.hidden = kind === "not-found" || kind === "failed" || kind === "unsupported";
        if (!retry.hidden) retry.focus();
      },
      recovered: () => {
        if (root.dataset.state === "error") hide();
      },
    }),
    listenDom(retry, {
      click: () => {
        hide();
        bus.emit("retry", { at });
      },
    }),
  ];
  function hide(): void {
    overlay.hidden = true;
    delete root.dataset.fatalKind;
    root.dataset.state = "ok";
  }
  return { destroy: () => offs.forEach((off) => off()) };
}
