import { h } from "../shared/dom.js";
import { formatPercent, formatTime } from "../shared/format.js";
import type { StudioVideo } from "./api.js";
import { tracksText } from "./subtitles-form.js";

export type Action = "rename" | "retry" | "replace" | "subtitles" | "delete";

/** What an editor reads about a video's state. */
export function stateText(v: StudioVideo): string {
  switch (v.status) {
    case "queued":
      return "Waiting to be processed";
    case "processing":
      return v.hls ? `Processing ${formatPercent(v.progress)}, viewers can already watch` : `Processing ${formatPercent(v.progress)}`;
    case "ready":
      return `Ready, ${formatTime(v.duration)}`;
    case "failed":
      return "Failed";
  }
}

/** Which actions a video offers: retry only after a failure; the rest always. */
export function actionsFor(v: StudioVideo): Action[] {
  return v.status === "failed" ? ["retry", "rename", "replace", "delete"] : ["rename", "replace", "subtitles", "delete"];
}

const LABELS: Record<Action, string> = {
  rename: "Rename",
  retry: "Retry",
  replace: "Replace file",
  subtitles: "Subtitles",
  delete: "Delete",
};

/** One video in the studio list. Titles and messages are untrusted: text only, through h(). */
export function renderItem(v: StudioVideo): HTMLLIElement {
  const headingId = `title-${v.id}`;
  const thumb =
    v.poster && v.status === "ready"
      ? h("img", { src: v.poster, alt: "", width: 128, height: 72, loading: "lazy" })
      : h("div", { class: "thumb", "aria-hidden": "true" });
  const progress =
    v.status === "processing" || v.status === "queued"
      ? h("progress", { max: 100, value: Math.round(v.progress * 100), "aria-label": `Processing progress of ${v.title}` })
      : null;
  const buttons = actionsFor(v).map((a) =>
    h(
      "button",
      { type: "button", class: `button ${a === "delete" ? "danger" : "secondary"}`, "data-action": a, "aria-describedby": headingId },
      LABELS[a],
    ),
  );
  return h(
    "li",
    { class: `studio-item is-${v.status}`, "data-id": v.id, "data-status": v.status, "aria-labelledby": headingId },
    thumb,
    h(
      "div",
      {},
      h("h3", { id: headingId }, v.title),
      h("p", { class: "meta" }, `${v.source.key} · uploaded ${new Date(v.createdAt).toLocaleString()}`),
      h("p", { class: "state" }, stateText(v)),
      progress,
      v.error ? h("p", { class: "failure" }, v.error.message) : null,
      tracksText(v) ? h("p", { class: "meta subtitles" }, tracksText(v)) : null,
      v.status === "ready" || v.hls
        ? h("a", { href: `/watch.html?v=${encodeURIComponent(v.id)}` }, "Watch", h("span", { class: "visually-hidden" }, ` ${v.title}`))
        : null,
      h("div", { class: "actions", role: "group", "aria-label": `Actions for ${v.title}` }, ...buttons),
    ),
  );
}

/** The inline rename form for a video; `onSave` gets the new title and description. */
export function renameForm(v: StudioVideo, onSave: (title: string, description: string) => void, onCancel: () => void): HTMLFormElement {
  const titleInput = h("input", { id: `rename-title-${v.id}`, name: "title", required: true, maxlength: 200, value: v.title });
  const desc = h("textarea", { id: `rename-description-${v.id}`, name: "description", maxlength: 5000 });
  desc.value = (v as { description?: string }).description ?? "";
  const form = h(
    "form",
    { class: "rename-form", "aria-label": `Rename ${v.title}` },
    h("label", { for: titleInput.id }, "Title"),
    titleInput,
    h("label", { for: desc.id }, "Description"),
    desc,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "button" }, "Save"),
      h("button", { type: "button", class: "button secondary", "data-cancel": "" }, "Cancel"),
    ),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    onSave(titleInput.value, desc.value);
  });
  form.querySelector("[data-cancel]")?.addEventListener("click", onCancel);
  form.addEventListener("keydown", (e) => {
    if (e.key === "Escape") onCancel();
  });
  return form;
}
