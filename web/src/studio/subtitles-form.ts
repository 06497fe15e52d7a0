import { h } from "../shared/dom.js";
import type { StudioVideo } from "./api.js";

/** What the subtitles panel asks of the page: add one file in a language, remove a language. */
export interface SubtitleActions {
  readonly add: (file: File, language: string) => Promise<void>;
  readonly remove: (language: string) => Promise<void>;
  readonly close: () => void;
}

/** One line per track for the item: "English", "French (refused: …)". */
export function tracksText(v: StudioVideo): string | null {
  const tracks = v.subtitles ?? [];
  if (!tracks.length) return null;
  return `Subtitles: ${tracks.map((t) => (t.error ? `${t.name} (refused: ${t.error.message})` : t.name)).join(", ")}`;
}

/**
 * The subtitles panel of one video: its tracks with a Remove button each, and a form to add a .vtt or .srt file in a
 * language. Every control is labelled and reachable by keyboard; Escape closes the panel.
 */
export function subtitlesForm(v: StudioVideo, actions: SubtitleActions): HTMLFormElement {
  const fileInput = h("input", { id: `sub-file-${v.id}`, name: "file", type: "file", accept: ".vtt,.srt,text/vtt", required: true });
  const langInput = h("input", {
    id: `sub-lang-${v.id}`,
    name: "language",
    required: true,
    maxlength: 35,
    pattern: "[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}",
    placeholder: "en",
    autocomplete: "off",
  });
  const status = h("p", { class: "form-error", role: "alert", hidden: true });
  const tracks = (v.subtitles ?? []).map((t) =>
    h(
      "li",
      {},
      h("span", {}, t.error ? `${t.name} (${t.language}): ${t.error.message}` : `${t.name} (${t.language})`),
      " ",
      h(
        "button",
        { type: "button", class: "button secondary", "data-remove": t.language, "aria-label": `Remove ${t.name} subtitles` },
        "Remove",
      ),
    ),
  );
  const form = h(
    "form",
    { class: "rename-form subtitles-form", "aria-label": `Subtitles of ${v.title}` },
    tracks.length ? h("ul", { class: "subtitle-tracks", "aria-label": "Subtitle tracks" }, ...tracks) : h("p", {}, "No subtitles yet."),
    h("label", { for: fileInput.id }, "Subtitle file (.vtt or .srt, up to 2 MB)"),
    fileInput,
    h("label", { for: langInput.id }, "Language ", h("span", { class: "hint" }, "(a tag such as en, fr or pt-BR)")),
    langInput,
    status,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "button" }, "Add subtitles"),
      h("button", { type: "button", class: "button secondary", "data-cancel": "" }, "Close"),
    ),
  );
  const fail = (err: unknown) => {
    status.textContent = (err as Error).message;
    status.hidden = false;
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const file = fileInput.files?.[0];
    if (file) actions.add(file, langInput.value.trim()).catch(fail);
  });
  form.addEventListener("click", (e) => {
    const language = (e.target as HTMLElement).closest<HTMLButtonElement>("button[data-remove]")?.dataset.remove;
    if (language) actions.remove(language).catch(fail);
  });
  form.querySelector("[data-cancel]")?.addEventListener("click", actions.close);
  form.addEventListener("keydown", (e) => {
    if (e.key === "Escape") actions.close();
  });
  return form;
}
