import { h, listenDom } from "./dom.js";

export interface MenuItem {
  readonly value: string;
  readonly label: string;
}

export interface Menu {
  setItems(items: readonly MenuItem[]): void;
  setChecked(value: string): void;
  setButtonText(text: string): void;
  close(): void;
  readonly isOpen: () => boolean;
  destroy(): void;
}

/**
 * A menu button with radio items (WAI-ARIA menu button pattern): Enter/Space/↓ open it, arrows move,
 * Escape closes and returns focus. Used by the quality and speed pieces.
 */
export function createMenu(host: HTMLElement, opts: { id: string; label: string; onSelect: (value: string) => void }): Menu {
  const text = h("span", { class: "menu-button-text" });
  const button = h(
    "button",
    {
      type: "button",
      class: "ctl menu-button",
      id: `${opts.id}-button`,
      "aria-haspopup": "menu",
      "aria-expanded": "false",
      "aria-controls": `${opts.id}-list`,
      "aria-label": opts.label,
    },
    text,
  );
  const list = h("ul", { class: "menu", id: `${opts.id}-list`, role: "menu", "aria-label": opts.label, hidden: true });
  host.append(button, list);
  let checked = "";

  const items = (): HTMLElement[] => [...list.querySelectorAll<HTMLElement>("[role=menuitemradio]")];
  const open = (focusIndex = -1): void => {
    list.hidden = false;
    button.setAttribute("aria-expanded", "true");
    const all = items();
    const target = focusIndex >= 0 ? all[focusIndex] : (all.find((el) => el.dataset.value === checked) ?? all[0]);
    target?.focus();
  };
  const close = (refocus = false): void => {
    if (list.hidden) return;
    list.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (refocus) button.focus();
  };
  const move = (delta: number): void => {
    const all = items();
    const i = all.indexOf(document.activeElement as HTMLElement);
    all[(i + delta + all.length) % all.length]?.focus();
  };

  const offButton = listenDom(button, {
    click: () => (list.hidden ? open() : close()),
    keydown: (e) => {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        open(e.key === "ArrowUp" ? items().length - 1 : 0);
      }
    },
  });
  const offList = listenDom(list, {
    click: (e) => {
      const item = (e.target as HTMLElement).closest<HTMLElement>("[role=menuitemradio]");
      if (!item?.dataset.value) return;
      close(true);
      opts.onSelect(item.dataset.value);
    },
    keydown: (e) => {
      const keys: Record<string, () => void> = {
        ArrowDown: () => move(1),
        ArrowUp: () => move(-1),
        Home: () => items()[0]?.focus(),
        End: () => items().at(-1)?.focus(),
        Escape: () => close(true),
        Tab: () => close(),
        Enter: () => (document.activeElement as HTMLElement | null)?.click(),
        " ": () => (document.activeElement as HTMLElement | null)?.click(),
      };
      const fn = keys[e.key];
      if (!fn) return;
      if (e.key !== "Tab") e.preventDefault();
      // Keys inside an open menu belong to the menu, not to the player's shortcuts.
      e.stopPropagation();
      fn();
    },
  });
  const offDoc = listenDom(document, {
    pointerdown: (e) => {
      if (!host.contains(e.target as Node)) close();
    },
  });

  return {
    setItems(next) {
      list.replaceChildren(
        ...next.map((item) =>
          h(
            "li",
            { role: "menuitemradio", tabindex: "-1", "data-value": item.value, "aria-checked": String(item.value === checked) },
            item.label,
          ),
        ),
      );
    },
    setChecked(value) {
      checked = value;
      for (const el of items()) el.setAttribute("aria-checked", String(el.dataset.value === value));
    },
    setButtonText(t) {
      text.textContent = t;
    },
    close: () => close(),
    isOpen: () => !list.hidden,
    destroy() {
      offButton();
      offList();
      offDoc();
      button.remove();
      list.remove();
    },
  };
}
