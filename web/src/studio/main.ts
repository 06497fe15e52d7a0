import "../../styles/base.css";
import "../../styles/studio.css";
import { ApiError } from "../shared/api.js";
import { byId } from "../shared/dom.js";
import { formatPercent } from "../shared/format.js";
import { StudioApi, studioEventsUrl, type StudioVideo } from "./api.js";
import { type Action, renameForm, renderItem } from "./item.js";
import { subtitlesForm } from "./subtitles-form.js";
import { uploadFile } from "./uploader.js";

/** Live streams open at once (HTTP/1.1 allows ~6 connections per host); the list refresh covers the rest. */
const MAX_STREAMS = 3;
const REFRESH_BUSY_MS = 4000;
const REFRESH_IDLE_MS = 15_000;

const api = new StudioApi();
const announce = (text: string) => (byId("announce").textContent = text);
const isFinal = (v: StudioVideo) => v.status === "ready" || v.status === "failed";
const messageOf = (err: unknown) =>
  err instanceof ApiError ? err.message : "The studio could not be reached. Check the connection and try again.";

function showError(id: string, text: string | null): void {
  const el = byId(id);
  el.textContent = text ?? "";
  el.hidden = !text;
}

function studio(user: string): void {
  byId("login-section").hidden = true;
  byId("studio-section").hidden = false;
  byId("who").hidden = false;
  byId("who-name").textContent = `Logged in as ${user}`;
  const list = byId<HTMLUListElement>("studio-list");
  const videos = new Map<string, StudioVideo>();
  const streams = new Map<string, EventSource>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let editing: string | null = null;

  function draw(v: StudioVideo): void {
    videos.set(v.id, v);
    if (editing === v.id) return;
    const old = list.querySelector<HTMLElement>(`[data-id="${v.id}"]`);
    const focused = old?.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.action : undefined;
    const el = renderItem(v);
    if (old) old.replaceWith(el);
    else list.prepend(el);
    if (focused) el.querySelector<HTMLElement>(`[data-action="${focused}"]`)?.focus();
  }

  function follow(v: StudioVideo): void {
    if (isFinal(v) || streams.has(v.id) || streams.size >= MAX_STREAMS) return;
    const source = new EventSource(studioEventsUrl(v.id));
    streams.set(v.id, source);
    const onMessage = (e: MessageEvent<string>) => {
      try {
        const next = JSON.parse(e.data) as StudioVideo;
        const before = videos.get(next.id);
        draw(next);
        if (before && before.status !== next.status)
          announce(`${next.title}: ${next.status === "failed" ? `failed. ${next.error?.message ?? ""}` : next.status}`);
        if (isFinal(next)) stop(next.id);
      } catch {
        // A malformed message: the next one, or the list refresh, carries the full state again.
      }
    };
    for (const t of ["video", "progress", "status"]) source.addEventListener(t, onMessage);
    source.addEventListener("deleted", () => stop(v.id));
    source.addEventListener("error", () => source.readyState === EventSource.CLOSED && stop(v.id));
  }
  function stop(id: string): void {
    streams.get(id)?.close();
    streams.delete(id);
  }

  async function refresh(): Promise<void> {
    clearTimeout(timer);
    try {
      const page = await api.videos();
      const ids = new Set(page.videos.map((v) => v.id));
      for (const el of [...list.children] as HTMLElement[])
        if (!ids.has(el.dataset.id ?? "")) el.remove(), stop(el.dataset.id ?? ""), videos.delete(el.dataset.id ?? "");
      for (const v of [...page.videos].reverse()) if (JSON.stringify(videos.get(v.id)) !== JSON.stringify(v)) draw(v);
      page.videos.forEach(follow);
      byId("list-empty").hidden = page.videos.length > 0;
      showError("list-error", null);
      timer = setTimeout(refresh, page.videos.some((v) => !isFinal(v)) ? REFRESH_BUSY_MS : REFRESH_IDLE_MS);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return location.reload();
      showError("list-error", messageOf(err));
      timer = setTimeout(refresh, REFRESH_IDLE_MS);
    }
  }

  async function act(action: Action, v: StudioVideo, item: HTMLElement): Promise<void> {
    try {
      if (action === "retry") {
        draw(await api.retry(v.id));
        announce(`${v.title}: processing again`);
      } else if (action === "delete") {
        if (!confirm(`Delete "${v.title}"? Viewers lose it at once, and its file is removed.`)) return;
        await api.remove(v.id);
        item.remove();
        videos.delete(v.id);
        announce(`${v.title} deleted`);
        byId<HTMLElement>("main").focus();
      } else if (action === "rename") {
        editing = v.id;
        const form = renameForm(
          v,
          (title, description) => {
            api.rename(v.id, { title, description }).then(
              (next) => {
                editing = null;
                draw(next);
                announce(`Renamed to ${next.title}`);
                list.querySelector<HTMLElement>(`[data-id="${v.id}"] [data-action="rename"]`)?.focus();
              },
              (err) => showError("list-error", messageOf(err)),
            );
          },
          () => {
            editing = null;
            form.remove();
            item.querySelector<HTMLElement>('[data-action="rename"]')?.focus();
          },
        );
        item.querySelector(".actions")?.after(form);
        form.querySelector("input")?.focus();
      } else if (action === "subtitles") {
        editing = v.id;
        const close = () => {
          editing = null;
          form.remove();
          draw(videos.get(v.id) ?? v);
          list.querySelector<HTMLElement>(`[data-id="${v.id}"] [data-action="subtitles"]`)?.focus();
        };
        const reopen = (next: StudioVideo, text: string) => {
          editing = null;
          draw(next);
          announce(text);
          list.querySelector<HTMLElement>(`[data-id="${v.id}"] [data-action="subtitles"]`)?.click();
        };
        const form = subtitlesForm(v, {
          add: async (file, language) => reopen(await api.addSubtitles(v.id, language, file), `Subtitles added to ${v.title}`),
          remove: async (language) => {
            await api.removeSubtitles(v.id, language);
            reopen(await api.video(v.id), `Subtitles removed from ${v.title}`);
          },
          close,
        });
        item.querySelector(".actions")?.after(form);
        form.querySelector("input")?.focus();
      } else if (action === "replace") {
        const picker = byId<HTMLInputElement>("replace-file");
        picker.value = "";
        picker.onchange = () => {
          const file = picker.files?.[0];
          if (file) void upload(file, { replaces: v.id });
        };
        picker.click();
      }
    } catch (err) {
      showError("list-error", messageOf(err));
    }
  }

  list.addEventListener("click", (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>("button[data-action]");
    const item = button?.closest<HTMLElement>("[data-id]");
    const v = item && videos.get(item.dataset.id ?? "");
    if (button && item && v) void act(button.dataset.action as Action, v, item);
  });

  let uploading: AbortController | null = null;
  async function upload(file: File, opts: { title?: string; replaces?: string }): Promise<void> {
    const bar = byId<HTMLProgressElement>("upload-bar");
    const text = byId("upload-progress-text");
    byId("upload-progress").hidden = false;
    byId("upload-cancel").hidden = false;
    byId<HTMLButtonElement>("upload-start").disabled = true;
    showError("upload-error", null);
    uploading = new AbortController();
    try {
      await uploadFile(api, file, {
        ...opts,
        signal: uploading.signal,
        onProgress: (sent, total) => {
          bar.value = total ? (sent / total) * 100 : 100;
          text.textContent = `Uploading ${file.name}: ${formatPercent(total ? sent / total : 1)}`;
        },
        onStall: (message) => message && (text.textContent = message),
      });
      text.textContent = `${file.name} is uploaded; it appears below while it is processed.`;
      announce(`${file.name} uploaded`);
      byId<HTMLFormElement>("upload-form").reset();
      void refresh();
    } catch (err) {
      showError(
        "upload-error",
        (err as Error).name === "AbortError"
          ? "Upload cancelled. Choose the same file again to resume it."
          : `${messageOf(err)} Choose the same file again to resume the upload.`,
      );
    } finally {
      uploading = null;
      byId("upload-cancel").hidden = true;
      byId<HTMLButtonElement>("upload-start").disabled = false;
    }
  }
  byId("upload-cancel").addEventListener("click", () => uploading?.abort());
  byId<HTMLFormElement>("upload-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const file = byId<HTMLInputElement>("upload-file").files?.[0];
    const title = byId<HTMLInputElement>("upload-title-input").value.trim();
    if (file) void upload(file, title ? { title } : {});
  });
  byId("logout").addEventListener("click", () => void api.logout().finally(() => location.reload()));
  void refresh();
}

function login(): void {
  byId("login-section").hidden = false;
  byId<HTMLInputElement>("login-user").focus();
  byId<HTMLFormElement>("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const user = byId<HTMLInputElement>("login-user").value;
    const password = byId<HTMLInputElement>("login-password").value;
    api.login(user, password).then(
      (s) => {
        byId<HTMLInputElement>("login-password").value = "";
        showError("login-error", null);
        studio(s.user);
        byId<HTMLElement>("main").focus();
      },
      (err) => {
        showError("login-error", err instanceof ApiError && err.status === 401 ? "Wrong user name or password." : messageOf(err));
        byId<HTMLInputElement>("login-password").select();
      },
    );
  });
}

api.session().then(
  (s) => (s ? studio(s.user) : login()),
  (err) => {
    login();
    showError("login-error", messageOf(err));
  },
);
