import { byId, listenDom } from "../shared/dom.js";
import { toggleFullscreen } from "../shared/fullscreen.js";
import type { Piece, PlayerContext } from "./events.js";

/** The full-screen button and double-click on the picture. */
export function createFullscreen(ctx: PlayerContext): Piece {
  const { video, root } = ctx;
  const button = byId<HTMLButtonElement>("fullscreen");
  if (!document.fullscreenEnabled) button.hidden = true;
  const render = (): void => {
    const on = document.fullscreenElement === root;
    root.dataset.fullscreen = String(on);
    button.setAttribute("aria-label", on ? "Exit full screen" : "Full screen");
  };
  const offs = [
    listenDom(button, { click: () => toggleFullscreen(root) }),
    listenDom(video, { dblclick: () => toggleFullscreen(root) }),
    listenDom(document, { fullscreenchange: render }),
  ];
  render();
  return { destroy: () => offs.forEach((off) => off()) };
}
