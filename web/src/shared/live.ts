import { applyUpdate, eventsUrl, getVideo, type Video } from "./api.js";

/** SSE event names the catalogue may use; unnamed messages arrive as "message". */
const SSE_TYPES = ["message", "progress", "status", "video", "ready", "failed", "deleted"] as const;
/** Poll interval when SSE is not used or not available. */
export const POLL_MS = 3000;

export const isFinal = (v: Video): boolean => v.status === "ready" || v.status === "failed";

export interface Watch {
  close(): void;
}

/**
 * Follows one video until it is ready or failed: by Server-Sent Events, or by polling when `sse` is false
 * (browsers allow only ~6 HTTP/1.1 connections per host, so a page opens few streams) or when the stream fails.
 * `onUpdate` gets every changed record; `onGone` when the video was deleted.
 */
export function watchVideo(start: Video, opts: { sse: boolean; onUpdate: (v: Video) => void; onGone?: () => void }): Watch {
  let current = start;
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const update = (next: Video): void => {
    if (closed || next === current) return;
    current = next;
    opts.onUpdate(next);
    if (isFinal(next)) close();
  };

  const poll = (): void => {
    timer = setTimeout(() => {
      getVideo(current.id).then(
        (v) => {
          if (JSON.stringify(v) !== JSON.stringify(current)) update(v);
          if (!closed) poll();
        },
        (err: { status?: number }) => {
          if (err.status === 404) {
            close();
            opts.onGone?.();
          } else if (!closed) poll();
        },
      );
    }, POLL_MS);
  };

  const onMessage = (e: MessageEvent<string>): void => {
    if (e.type === "deleted") {
      close();
      opts.onGone?.();
      return;
    }
    try {
      update(applyUpdate(current, JSON.parse(e.data)));
    } catch {
      // A malformed message is skipped; the next one carries the full state again.
    }
  };

  function close(): void {
    closed = true;
    clearTimeout(timer);
    if (source) for (const t of SSE_TYPES) source.removeEventListener(t, onMessage);
    source?.close();
    source = null;
  }

  if (opts.sse && typeof EventSource !== "undefined") {
    source = new EventSource(eventsUrl(start.id));
    for (const t of SSE_TYPES) source.addEventListener(t, onMessage);
    source.addEventListener("error", () => {
      // CLOSED means the server refused the stream (EventSource will not retry): fall back to polling.
      if (source?.readyState === EventSource.CLOSED && !closed) {
        source = null;
        poll();
      }
    });
  } else {
    poll();
  }
  return { close };
}
