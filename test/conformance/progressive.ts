/**
 * The progressive case: a chunked video is playable while it is still being encoded, through EVENT playlists that
 * grow. This records every state of its playlists seen through the gateway while it processes, then replays those
 * states to each client from a small local server: a client sees the playlists grow at the pace they grew, then
 * turn VOD, while every other request (the segments, which never change) is passed to the gateway.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One moment of the video's playlists: file name to text. */
export type Snapshot = Readonly<Record<string, string>>;

const isEvent = (s: Snapshot) => Object.values(s).some((t) => /#EXT-X-PLAYLIST-TYPE:EVENT/.test(t));

/**
 * Polls the master playlist and the media playlists it names until the video is ready and the gateway serves its
 * final state (every media playlist ended, and the master the same as the one in storage, `storedMaster()`: the
 * gateway's L1 may keep an older one a few seconds), and returns the distinct states seen, in order: the EVENT ones
 * first, the final VOD one last.
 */
export async function recordGrowth(
  base: string,
  ready: () => Promise<boolean>,
  storedMaster: () => Promise<string>,
  timeoutMs = 240_000,
  everyMs = 100,
): Promise<Snapshot[]> {
  const states: Snapshot[] = [];
  const key = (s: Snapshot) => JSON.stringify(s);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (Date.now() > deadline)
      throw new Error(`the growing video did not reach its final playlists within ${timeoutMs / 1000} s (${states.length} states seen)`);
    const isReady = await ready();
    const master = await fetch(new URL("master.m3u8", base));
    if (master.status === 200) {
      const text = await master.text();
      const uris = text
        .split("\n")
        .flatMap((l) => (l.startsWith("#") ? [...l.matchAll(/URI="([^"]+)"/g)].map((m) => m[1]!) : l.trim() ? [l.trim()] : []));
      const snap: Record<string, string> = { "master.m3u8": text };
      for (const u of uris) snap[u] = await (await fetch(new URL(u, base))).text();
      if (!states.length || key(states.at(-1)!) !== key(snap)) states.push(snap);
      const ended = uris.every((u) => snap[u]!.includes("#EXT-X-ENDLIST"));
      if (isReady && ended && text === (await storedMaster())) return states;
    } else await master.body?.cancel();
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function eventStates(states: readonly Snapshot[]): Snapshot[] {
  return states.filter(isEvent);
}

export interface Replay {
  /** A fresh timeline: the URL of the master playlist for one client. */
  master(client: string): string;
  close(): Promise<void>;
}

/**
 * Serves `states` as a timeline, one client at a time by path (/<client>/...): state k from k × stepMs after the
 * client's first request, the last state (VOD) from then on. Everything else is fetched from the gateway.
 */
export async function startReplay(states: readonly Snapshot[], gatewayBase: string, stepMs: number): Promise<Replay> {
  const started = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const [, client = "", file = ""] = /^\/([^/]+)\/(.*)$/.exec(req.url ?? "") ?? [];
    const t0 = started.get(client) ?? Date.now();
    started.set(client, t0);
    const state = states[Math.min(states.length - 1, Math.floor((Date.now() - t0) / stepMs))]!;
    const headers = { "access-control-allow-origin": "*", "cache-control": "no-store" };
    if (file in state) {
      res.writeHead(200, { ...headers, "content-type": "application/vnd.apple.mpegurl" });
      res.end(state[file]);
      return;
    }
    // Proxied rather than redirected: a browser drops the page's origin on a cross-origin redirect.
    fetch(new URL(file, gatewayBase)).then(
      async (up) => {
        res.writeHead(up.status, { ...headers, "content-type": up.headers.get("content-type") ?? "application/octet-stream" });
        res.end(Buffer.from(await up.arrayBuffer()));
      },
      (err: Error) => {
        res.writeHead(502, headers);
        res.end(err.message);
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    master: (client) => `http://127.0.0.1:${port}/${client}/master.m3u8`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
