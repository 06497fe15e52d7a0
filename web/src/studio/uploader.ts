import type { CompletedUpload, StartedUpload } from "../../../lib/contracts/studio.js";
import { ApiError } from "../shared/api.js";
import type { StudioApi } from "./api.js";
import { backoff, fingerprint, partRange, remainingParts } from "./parts.js";

/** Parts in flight at once: enough to fill a fast link, few enough to leave the page responsive. */
const PARALLEL = 3;
/** Presigned URLs asked for at once. */
const URL_BATCH = 20;
/** Failures of one part in a row before the upload stops (it can be resumed later, even after a reload). */
const MAX_ATTEMPTS = 8;

export interface UploadOptions {
  readonly title?: string;
  readonly replaces?: string;
  readonly onProgress: (sent: number, total: number) => void;
  /** Said while waiting to try a part again (a dropped connection); null once it goes on. */
  readonly onStall?: (message: string | null) => void;
  readonly signal?: AbortSignal;
}

type Stored = StartedUpload & { readonly size: number };

function load(fp: string): Stored | null {
  try {
    const raw = localStorage.getItem(fp);
    return raw ? (JSON.parse(raw) as Stored) : null;
  } catch {
    return null;
  }
}

/** Sends one part with XHR (fetch has no upload progress); resolves with the part's ETag. */
function putPart(url: string, body: Blob, onBytes: (n: number) => void, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.upload.onprogress = (e) => onBytes(e.loaded);
    xhr.onload = () => {
      const etag = xhr.getResponseHeader("ETag");
      if (xhr.status >= 200 && xhr.status < 300 && etag) resolve(etag);
      else reject(new Error(`part refused (${xhr.status})`));
    };
    xhr.onerror = () => reject(new Error("connection lost"));
    xhr.ontimeout = xhr.onerror;
    const abort = () => xhr.abort();
    signal?.addEventListener("abort", abort, { once: true });
    xhr.onabort = () => reject(new DOMException("upload cancelled", "AbortError"));
    xhr.onloadend = () => signal?.removeEventListener("abort", abort);
    xhr.send(body);
  });
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), reject(new DOMException("upload cancelled", "AbortError"))), { once: true });
  });

/**
 * Uploads a file as S3 multipart through presigned part URLs. The upload id is kept in localStorage, so after a
 * dropped connection or a reload the same file resumes: ListParts says which parts are stored, and only the rest
 * are sent. Part size grows with the file (the server picks it), so 10 GB and more fit in 10,000 parts.
 */
export async function uploadFile(api: StudioApi, file: File, opts: UploadOptions): Promise<CompletedUpload> {
  const fp = fingerprint(file, opts.replaces);
  let up = load(fp);
  let stored: Awaited<ReturnType<StudioApi["uploadedParts"]>> = [];
  if (up) {
    try {
      stored = await api.uploadedParts(up.key, up.uploadId);
    } catch (err) {
      // The upload was completed or aborted meanwhile (or expired): start over.
      if (!(err instanceof ApiError && (err.status === 404 || err.status === 400))) throw err;
      up = null;
    }
  }
  if (!up) {
    up = {
      ...(await api.startUpload(
        { name: file.name, size: file.size, type: file.type },
        { ...(opts.title ? { title: opts.title } : {}), ...(opts.replaces ? { replaces: opts.replaces } : {}) },
      )),
      size: file.size,
    };
    localStorage.setItem(fp, JSON.stringify(up));
  }
  const { key, uploadId, partSize } = up;
  const { todo, done, doneBytes } = remainingParts(file.size, partSize, stored);
  const inFlight = new Map<number, number>();
  let finished = doneBytes;
  const report = () => opts.onProgress(finished + [...inFlight.values()].reduce((a, b) => a + b, 0), file.size);
  report();

  const urls = new Map<number, string>();
  const queue = [...todo];
  async function urlFor(n: number): Promise<string> {
    if (!urls.has(n)) {
      const batch = [n, ...queue.filter((m) => !urls.has(m)).slice(0, URL_BATCH - 1)];
      for (const [k, v] of Object.entries(await api.partUrls(key, uploadId, batch))) urls.set(Number(k), v);
    }
    return urls.get(n)!;
  }
  async function sendPart(n: number): Promise<void> {
    const { start, end } = partRange(n, partSize, file.size);
    for (let attempt = 1; ; attempt++) {
      try {
        const etag = await putPart(await urlFor(n), file.slice(start, end), (b) => (inFlight.set(n, b), report()), opts.signal);
        inFlight.delete(n);
        finished += end - start;
        done.set(n, etag);
        opts.onStall?.(null);
        report();
        return;
      } catch (err) {
        inFlight.delete(n);
        report();
        if ((err as Error).name === "AbortError" || attempt >= MAX_ATTEMPTS) throw err;
        // A presigned URL may have expired while the connection was down: ask for a fresh one.
        urls.delete(n);
        opts.onStall?.("Connection lost. Trying again…");
        if (typeof navigator !== "undefined" && !navigator.onLine) await new Promise((r) => addEventListener("online", r, { once: true }));
        await sleep(backoff(attempt), opts.signal);
      }
    }
  }
  async function worker(): Promise<void> {
    for (let n = queue.shift(); n !== undefined; n = queue.shift()) await sendPart(n);
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, Math.max(1, todo.length)) }, worker));
  const parts = [...done.entries()].sort(([a], [b]) => a - b).map(([partNumber, etag]) => ({ partNumber, etag }));
  const result = await api.complete(key, uploadId, parts);
  localStorage.removeItem(fp);
  return result;
}

/** Gives up an upload kept for resuming (its stored parts are deleted by S3). */
export async function forgetUpload(api: StudioApi, file: File, replaces?: string): Promise<void> {
  const fp = fingerprint(file, replaces);
  const up = load(fp);
  localStorage.removeItem(fp);
  if (up) await api.abort(up.key, up.uploadId).catch(() => undefined);
}
