import { byId, listenDom } from "../shared/dom.js";
import { createMenu } from "../shared/menu.js";
import type { Piece, PlayerContext } from "./events.js";

export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2] as const;

/** `1` → `Normal`, `1.5` → `1.5×`. */
export function speedLabel(rate: number): string {
  return rate === 1 ? "Normal" : `${rate}×`;
}

/** Playback speed menu. */
export function createSpeedMenu(ctx: PlayerContext): Piece {
  const { video, bus } = ctx;
  const menu = createMenu(byId("speed-menu"), {
    id: "speed",
    label: "Playback speed",
    onSelect: (value) => (video.playbackRate = Number(value)),
  });
  menu.setItems(SPEEDS.map((s) => ({ value: String(s), label: speedLabel(s) })));
  const render = (): void => {
    menu.setChecked(String(video.playbackRate));
    menu.setButtonText(video.playbackRate === 1 ? "1×" : `${video.playbackRate}×`);
  };
  const offs = [listenDom(video, { ratechange: render }), bus.on({ "close-popups": ({ except }) => except !== "speed" && menu.close() })];
  render();
  return {
    destroy() {
      offs.forEach((off) => off());
      menu.destroy();
    },
  };
}
