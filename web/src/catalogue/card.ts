import type { Video } from "../shared/api.js";
import { h } from "../shared/dom.js";
import { formatPercent, formatTime, spokenTime } from "../shared/format.js";

/** URL of the player page for a video. */
export function watchUrl(id: string): string {
  return `/watch.html?v=${encodeURIComponent(id)}`;
}

/** The words under a card's title for each state. */
export function cardStatusText(v: Video): string {
  switch (v.status) {
    case "queued":
      return "Queued for processing";
    case "processing":
      return v.hls ? `Processing ${formatPercent(v.progress)} · playable now` : `Processing ${formatPercent(v.progress)}`;
    case "failed":
      return v.error?.message ? `Couldn't process: ${v.error.message}` : "Couldn't process this file";
    case "ready":
      return formatTime(v.duration);
  }
}

/** Builds one catalogue card; only textContent and attributes carry the (untrusted) title. */
export function renderCard(v: Video): HTMLLIElement {
  const playable = v.status !== "failed" && (v.status === "ready" || v.hls !== null);
  const art = h("div", { class: "card-art" });
  if (v.poster && (v.status === "ready" || (v.status === "processing" && v.hls))) {
    const img = h("img", { src: v.poster, alt: "", loading: "lazy", decoding: "async", width: 320, height: 180 });
    // While processing the poster may not be written yet: fall back to the placeholder.
    img.addEventListener("error", () => img.replaceWith(h("div", { class: "card-placeholder", "aria-hidden": "true" })), { once: true });
    art.append(img);
  } else {
    art.append(h("div", { class: "card-placeholder", "aria-hidden": "true" }, v.status === "failed" ? "!" : ""));
  }
  if (v.status === "ready" && v.duration !== null) {
    art.append(h("span", { class: "duration", "aria-hidden": "true" }, formatTime(v.duration)));
  }
  // Sound alone (its poster is a waveform): said on the card, so nobody waits for a picture.
  if (v.kind === "audio") art.append(h("span", { class: "kind", "aria-hidden": "true" }, "Audio"));
  if (v.status === "processing" || v.status === "queued") {
    const bar = h(
      "div",
      {
        class: "progress",
        role: "progressbar",
        "aria-label": `Processing ${v.title}`,
        "aria-valuemin": 0,
        "aria-valuemax": 100,
        "aria-valuenow": Math.round(v.progress * 100),
      },
      h("div", { class: "progress-fill" }),
    );
    (bar.firstElementChild as HTMLElement).style.transform = `scaleX(${Math.min(1, Math.max(0, v.progress))})`;
    art.append(bar);
  }
  const title = h("h2", { class: "card-title", title: v.title }, v.title);
  const status = h("p", { class: "card-status" }, v.status === "ready" ? null : cardStatusText(v));
  const kind = v.kind === "audio" ? ", audio" : "";
  const label = v.status === "ready" ? `${v.title}${kind}, ${spokenTime(v.duration)}` : `${v.title}${kind}, ${cardStatusText(v)}`;
  const body = playable
    ? h("a", { class: "card-link", href: watchUrl(v.id), "aria-label": label }, art, title, status)
    : h("div", { class: "card-link" }, art, title, status);
  return h("li", { class: `card is-${v.status}`, "data-id": v.id, "data-status": v.status }, body);
}

/**
 * Updates a card in place when only the progress moved (no flicker, hover and focus kept); returns false when the
 * change needs a new card (status, playlist or poster changed).
 */
export function updateCardProgress(el: HTMLElement, before: Video, after: Video): boolean {
  if (before.status !== after.status || before.hls !== after.hls || before.poster !== after.poster || before.title !== after.title)
    return false;
  const bar = el.querySelector<HTMLElement>("[role=progressbar]");
  const fill = bar?.querySelector<HTMLElement>(".progress-fill");
  const status = el.querySelector(".card-status");
  if (!bar || !fill || !status) return false;
  bar.setAttribute("aria-valuenow", String(Math.round(after.progress * 100)));
  fill.style.transform = `scaleX(${Math.min(1, Math.max(0, after.progress))})`;
  status.textContent = cardStatusText(after);
  el.querySelector(".card-link")?.setAttribute("aria-label", `${after.title}, ${cardStatusText(after)}`);
  return true;
}
