import { byId } from "../shared/dom.js";
import { formatRendition } from "../shared/format.js";
import { createMenu } from "../shared/menu.js";
import type { LevelInfo, Piece, PlayerContext } from "./events.js";

/** Button text: `Auto · 720p` while ABR chooses, `360p` when the viewer chose. */
export function qualityButtonText(auto: boolean, current: LevelInfo | null): string {
  if (!current) return auto ? "Auto" : "—";
  return auto ? `Auto · ${current.height}p` : `${current.height}p`;
}

/** Quality menu: Auto plus every rendition, highest first, showing the one playing now. */
export function createQualityMenu(ctx: PlayerContext): Piece {
  const { bus, root } = ctx;
  const host = byId("quality-menu");
  let auto = true;
  let current: LevelInfo | null = null;
  const menu = createMenu(host, {
    id: "quality",
    label: "Quality",
    onSelect: (value) => {
      auto = value === "auto";
      menu.setChecked(value);
      render();
      bus.emit("select-level", { index: auto ? -1 : Number(value) });
    },
  });
  host.hidden = true;

  function render(): void {
    menu.setButtonText(qualityButtonText(auto, current));
    if (current) root.dataset.levelHeight = String(current.height);
  }

  const off = bus.on({
    levels: ({ levels, native }) => {
      // Native HLS (Safari on iPhone) picks renditions itself; there is nothing to choose.
      host.hidden = native || levels.length < 2;
      const sorted = [...levels].sort((a, b) => b.height - a.height || b.bandwidth - a.bandwidth);
      menu.setItems([
        { value: "auto", label: "Auto" },
        ...sorted.map((l) => ({ value: String(l.index), label: formatRendition(l.height, l.bandwidth) })),
      ]);
      menu.setChecked(auto ? "auto" : String(current?.index ?? "auto"));
      render();
    },
    "level-switched": ({ level }) => {
      current = level;
      render();
    },
    "close-popups": ({ except }) => except !== "quality" && menu.close(),
  });
  return {
    destroy() {
      off();
      menu.destroy();
    },
  };
}
