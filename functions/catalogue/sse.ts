import type { Request, Response } from "@google-cloud/functions-framework";
import type { Video } from "../../lib/contracts/video.js";
import { isTerminal } from "./reducer.js";
import type { CatalogueStore, VideoMessage } from "./store.js";

/** Subscribes to a pub/sub channel; returns the unsubscribe function. Throws when pub/sub is unavailable. */
export type Subscribe = (channel: string, onMessage: (message: string) => void) => Promise<() => void>;

export interface SseOptions {
  readonly heartbeatMs: number;
  /** Re-read the record this often: covers a Redis outage and any message missed while subscribing. */
  readonly pollMs: number;
  /** How long the first event waits for the subscription (a hung Redis must not hold it). */
  readonly subscribeWaitMs: number;
}

export const SSE_DEFAULTS: SseOptions = { heartbeatMs: 15_000, pollMs: 5_000, subscribeWaitMs: 300 };

/**
 * `GET /api/videos/:id/events`. Every event carries the whole Video as JSON:
 * `video` first (the current record), then `progress` and `status` as they happen, and `deleted`.
 * The stream ends after `ready`, `failed` or `deleted`, since nothing follows them; a client that
 * reconnects then gets one `video` event with the final state.
 */
export async function streamVideoEvents(
  req: Request,
  res: Response,
  deps: {
    store: CatalogueStore;
    subscribe: Subscribe;
    channel: string;
    first: Video;
    /** The shape the caller may see (views.ts): viewers never get the error or the source. */
    view: (video: Video) => unknown;
  },
  opts: SseOptions = SSE_DEFAULTS,
): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    // nginx must pass each event on as it comes instead of buffering the response.
    "x-accel-buffering": "no",
  });
  let last = deps.first;
  let closed = false;
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe: (() => void) | null = null;

  const close = () => {
    if (closed) return;
    closed = true;
    timers.forEach(clearInterval);
    unsubscribe?.();
    res.end();
  };
  const send = (type: VideoMessage["type"] | "video", video: Video) => {
    if (closed) return;
    res.write(`event: ${type}\ndata: ${JSON.stringify(deps.view(video))}\n\n`);
    last = video;
    if (type === "deleted" || isTerminal(video.status)) close();
  };
  const onChange = (type: VideoMessage["type"], video: Video) => {
    // Messages may arrive out of order with polls; never send a step backwards.
    if (type === "progress" && (video.status !== last.status || video.progress <= last.progress)) return;
    if (type === "status" && JSON.stringify(video) === JSON.stringify(last)) return;
    send(type, video);
  };

  req.on("close", close);
  res.write("retry: 3000\n\n");
  // Subscribed before the first event, so a client that acts on it misses no change; but never waiting long for a
  // Redis that hangs: the poll below keeps the stream going without pub/sub, just less promptly.
  const subscribing = deps.subscribe(deps.channel, (raw) => {
    const msg = JSON.parse(raw) as VideoMessage;
    onChange(msg.type, msg.video);
  });
  subscribing.then(
    (u) => (closed ? u() : (unsubscribe = u)),
    () => undefined,
  );
  await Promise.race([subscribing.catch(() => undefined), new Promise((r) => setTimeout(r, opts.subscribeWaitMs).unref())]);
  send("video", deps.first);
  if (closed) return;
  timers.push(setInterval(() => res.write(": ping\n\n"), opts.heartbeatMs));
  timers.push(
    setInterval(() => {
      deps.store.get(last.id).then(
        (v) => {
          if (!v) send("deleted", last);
          else if (v.status !== last.status) onChange("status", v);
          else if (v.progress > last.progress) onChange("progress", v);
        },
        () => undefined,
      );
    }, opts.pollMs),
  );
}
