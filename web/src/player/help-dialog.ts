import { byId, h, listenDom } from "../shared/dom.js";
import type { Piece, PlayerContext } from "./events.js";
import { SHORTCUTS } from "./shortcut-table.js";

/** The `?` dialog, listing the same table the key handler uses. */
export function createHelpDialog(ctx: PlayerContext): Piece {
  const { bus } = ctx;
  const dialog = byId<HTMLDialogElement>("help");
  const list = byId("help-list");
  const button = byId<HTMLButtonElement>("help-button");
  const close = byId<HTMLButtonElement>("help-close");
  list.replaceChildren(...SHORTCUTS.flatMap((s) => [h("dt", {}, h("kbd", {}, s.label)), h("dd", {}, s.description)]));

  const toggle = (): void => {
    if (dialog.open) dialog.close();
    else dialog.showModal();
  };
  const offs = [
    bus.on({
      "toggle-help": toggle,
      "close-popups": () => dialog.open && dialog.close(),
    }),
    listenDom(button, { click: toggle }),
    listenDom(close, { click: () => dialog.close() }),
    listenDom(dialog, {
      click: (e) => {
        // A click on the backdrop lands on the <dialog> itself.
        if (e.target === dialog) dialog.close();
      },
    }),
  ];
  return { destroy: () => offs.forEach((off) => off()) };
}
