import "../../styles/base.css";
import "../../styles/catalogue.css";
import { listVideos, type Video } from "../shared/api.js";
import { byId, listenDom } from "../shared/dom.js";
import { isFinal, watchVideo, type Watch } from "../shared/live.js";
import { renderCard, updateCardProgress } from "./card.js";

/** Streams open at once; the rest poll (HTTP/1.1 allows ~6 connections per host, and the page needs some). */
const MAX_STREAMS = 3;
/** How often the first page is re-read so new uploads appear without a reload. */
const REFRESH_MS = 3000;
const SEARCH_DEBOUNCE_MS = 250;

interface Shown {
  video: Video;
  el: HTMLLIElement;
  watch: Watch | null;
  sse: boolean;
}

function start(): void {
  const grid = byId<HTMLUListElement>("grid");
  const more = byId<HTMLButtonElement>("more");
  const search = byId<HTMLInputElement>("search");
  const statusLine = byId("status");
  const empty = byId("empty");
  const noResults = byId("no-results");
  const loadError = byId("load-error");
  const shown = new Map<string, Shown>();
  let q = new URLSearchParams(location.search).get("q") ?? "";
  let cursor: string | null = null;
  let request: AbortController | null = null;
  let debounce: ReturnType<typeof setTimeout> | undefined;

  byId<HTMLAnchorElement>("console-link").href = `${location.protocol}//${location.hostname}:9001/`;
  search.value = q;

  const streams = (): number => [...shown.values()].filter((s) => s.watch && s.sse).length;

  function follow(entry: Shown): void {
    if (entry.watch || isFinal(entry.video)) return;
    entry.sse = streams() < MAX_STREAMS;
    entry.watch = watchVideo(entry.video, {
      sse: entry.sse,
      onUpdate: (v) => replace(v),
      onGone: () => remove(entry.video.id),
    });
  }

  function replace(v: Video): void {
    const entry = shown.get(v.id);
    if (!entry) return;
    // A video that fails while processing leaves the viewers' page: no broken cards (editors see why in the studio).
    if (v.status === "failed") {
      remove(v.id);
      return;
    }
    if (updateCardProgress(entry.el, entry.video, v)) {
      entry.video = v;
      return;
    }
    const el = renderCard(v);
    const hadFocus = entry.el.contains(document.activeElement);
    entry.el.replaceWith(el);
    entry.el = el;
    entry.video = v;
    if (hadFocus) el.querySelector<HTMLElement>(".card-link")?.focus();
    if (isFinal(v)) {
      entry.watch = null;
      // A stream slot is free: hand it to a video that was polling.
      const polling = [...shown.values()].find((other) => other.watch && !other.sse);
      if (polling) {
        polling.watch?.close();
        polling.watch = null;
        follow(polling);
      }
    }
  }

  function remove(id: string): void {
    const entry = shown.get(id);
    entry?.watch?.close();
    entry?.el.remove();
    shown.delete(id);
    renderEmpty();
  }

  function add(v: Video, where: "append" | "prepend"): void {
    if (shown.has(v.id)) return;
    const entry: Shown = { video: v, el: renderCard(v), watch: null, sse: false };
    shown.set(v.id, entry);
    if (where === "append") grid.append(entry.el);
    else grid.prepend(entry.el);
    follow(entry);
  }

  function renderEmpty(): void {
    empty.hidden = shown.size > 0 || q !== "";
    noResults.hidden = shown.size > 0 || q === "";
    byId("no-results-title").textContent = `No videos match “${q}”`;
  }

  function clear(): void {
    for (const entry of shown.values()) entry.watch?.close();
    shown.clear();
    grid.replaceChildren();
  }

  async function load(reset: boolean): Promise<void> {
    request?.abort();
    const controller = (request = new AbortController());
    if (reset) cursor = null;
    grid.setAttribute("aria-busy", "true");
    more.disabled = true;
    try {
      const page = await listVideos({ q, cursor }, controller.signal);
      if (reset) clear();
      for (const v of page.videos) add(v, "append");
      cursor = page.next;
      more.hidden = cursor === null;
      loadError.hidden = true;
      statusLine.textContent = q ? `${shown.size}${cursor ? "+" : ""} videos match “${q}”` : "";
      renderEmpty();
    } catch (err) {
      if ((err as Error).name === "AbortError") return;
      loadError.hidden = false;
    } finally {
      if (request === controller) {
        request = null;
        grid.setAttribute("aria-busy", "false");
        more.disabled = false;
      }
    }
  }

  /** Re-reads the first page: new uploads appear at the top, and changed records (no stream on them) refresh. */
  async function refresh(): Promise<void> {
    if (document.visibilityState !== "visible" || request) return;
    try {
      const page = await listVideos({ q });
      // Deleted, replaced or failed since: gone from the list, so gone from the page (within the range it covers).
      const listed = new Set(page.videos.map((v) => v.id));
      const oldest = page.videos.at(-1)?.createdAt ?? "";
      for (const [id, entry] of shown) if (!listed.has(id) && (page.next === null || entry.video.createdAt >= oldest)) remove(id);
      for (const v of [...page.videos].reverse()) {
        const entry = shown.get(v.id);
        if (!entry) add(v, "prepend");
        else if (!entry.watch && JSON.stringify(entry.video) !== JSON.stringify(v)) replace(v);
      }
      renderEmpty();
    } catch {
      // The next tick tries again; a brief outage should not flash an error.
    }
  }

  listenDom(more, {
    click: () => {
      const before = grid.children.length;
      // Keyboard users continue at the first new card instead of back at the button.
      void load(false).then(() => grid.children[before]?.querySelector<HTMLElement>(".card-link")?.focus());
    },
  });
  listenDom(search, {
    input: () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        q = search.value.trim();
        const url = new URL(location.href);
        if (q) url.searchParams.set("q", q);
        else url.searchParams.delete("q");
        history.replaceState(null, "", url);
        void load(true);
      }, SEARCH_DEBOUNCE_MS);
    },
  });
  listenDom(byId("search-form"), { submit: (e) => e.preventDefault() });
  listenDom(byId("load-error-retry"), { click: () => void load(true) });
  void load(true);
  setInterval(() => void refresh(), REFRESH_MS);
}

start();
