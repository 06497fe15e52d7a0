import { byId } from "../shared/dom.js";
import { createMenu } from "../shared/menu.js";
import type { Piece, PlayerContext, SubtitleInfo } from "./events.js";

const OFF = "off";

/** Button text: "CC off", or the chosen track's language tag ("CC en"). */
export function captionsButtonText(current: SubtitleInfo | null): string {
  return current ? `CC ${current.language || current.name}` : "CC off";
}

/**
 * Captions menu: Off plus every subtitle track of the master, labelled by its NAME ("English"). Hidden when the video
 * has none, or when the browser plays HLS itself (Safari then offers its own captions menu).
 */
export function createCaptionsMenu(ctx: PlayerContext): Piece {
  const { bus, root } = ctx;
  const host = byId("captions-menu");
  let tracks: readonly SubtitleInfo[] = [];
  let current: SubtitleInfo | null = null;
  const menu = createMenu(host, {
    id: "captions",
    label: "Subtitles",
    onSelect: (value) => {
      current = value === OFF ? null : (tracks.find((t) => String(t.index) === value) ?? null);
      render();
      bus.emit("select-subtitle", { index: current?.index ?? -1 });
    },
  });
  host.hidden = true;

  function render(): void {
    menu.setChecked(current ? String(current.index) : OFF);
    menu.setButtonText(captionsButtonText(current));
    root.dataset.subtitle = current?.language ?? OFF;
  }

  const off = bus.on({
    "subtitle-tracks": ({ tracks: next, native }) => {
      tracks = next;
      host.hidden = native || next.length === 0;
      menu.setItems([{ value: OFF, label: "Off" }, ...next.map((t) => ({ value: String(t.index), label: t.name }))]);
      if (current && !next.some((t) => t.index === current?.index)) current = null;
      render();
    },
    "close-popups": ({ except }) => except !== "captions" && menu.close(),
  });
  return {
    destroy() {
      off();
      menu.destroy();
    },
  };
}
