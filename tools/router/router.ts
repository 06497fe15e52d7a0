import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { CloudEvent, HTTP } from "cloudevents";
import type { Logger } from "pino";
import { deadLetter } from "../../lib/contracts/dead-letter.js";
import { deliveryAuthorization } from "../../lib/runtime/event-auth.js";
import { attemptDelivery, writeDeadLetter } from "./delivery.js";
import { Journal, type PendingDelivery } from "./journal.js";
import { Limiter } from "./limiter.js";
import { backoffMs, loadRoutingTable, matchingTriggers, type Delivery, type RoutingTable } from "./triggers.js";

export interface RouterOptions {
  readonly port: number;
  readonly host?: string;
  /** Folder holding broker.yaml and trigger-*.yaml. */
  readonly knativeDir: string;
  /** Pending deliveries go to `<stateDir>/router/pending`, dead letters to `<stateDir>/dead-letter`. */
  readonly stateDir: string;
  /** Knative Service name → URL, e.g. {"catalogue":"http://127.0.0.1:8093/"}. */
  readonly subscribers: Readonly<Record<string, string>>;
  /** Replaces fields of every Trigger's resolved delivery spec (tests use a short backoff). */
  readonly deliveryOverrides?: Partial<Delivery>;
  /** Concurrent requests per subscriber, like one replica's containerConcurrency. 0 means unlimited. */
  readonly maxInflight?: number;
  /** EVENT_AUTH_TOKEN: presented as a bearer token on every delivery (empty: none). */
  readonly eventToken?: string;
  readonly log: Logger;
}

export interface RouterHandle {
  readonly url: string;
  readonly table: RoutingTable;
  /** Deliveries accepted but not yet delivered or dead-lettered. */
  pending(): number;
  /** Stops accepting and abandons backoff waits; journaled deliveries resume on the next start. */
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024 * 1024;

/** Starts the local Broker: accepts CloudEvents on POST /, fans them out per Trigger, and publishes replies. */
export async function startRouter(o: RouterOptions): Promise<RouterHandle> {
  const auth = deliveryAuthorization(o.eventToken ?? "");
  const table = loadRoutingTable(o.knativeDir, o.deliveryOverrides);
  const missing = [...new Set(table.triggers.map((t) => t.subscriber))].filter((s) => !o.subscribers[s]);
  if (missing.length)
    throw new Error(`ROUTER_SUBSCRIBERS has no URL for ${missing.join(", ")} (named by the Trigger manifests in ${o.knativeDir})`);
  const journal = new Journal(join(o.stateDir, "router"));
  const deadLetterDir = join(o.stateDir, "dead-letter");
  const limiter = new Limiter(o.maxInflight ?? 0);
  const stop = new AbortController();
  const inflight = new Set<string>();

  /** Journals one delivery per matching Trigger, then starts them. Returns how many. */
  function accept(event: CloudEvent<unknown>): number {
    const triggers = matchingTriggers(table, event as unknown as Record<string, unknown>);
    const items = triggers.map((t) => journal.add(t.name, event.toJSON() as Record<string, unknown>));
    o.log.info(
      { ceId: event.id, type: event.type, subject: event.subject, triggers: triggers.map((t) => t.name) },
      `accepted ${event.type} → ${triggers.map((t) => t.subscriber).join(", ") || "no trigger"}`,
    );
    for (const d of items) void run(d);
    return items.length;
  }

  async function run(d: PendingDelivery): Promise<void> {
    inflight.add(d.id);
    try {
      await deliver(d);
    } catch (err) {
      if (!stop.signal.aborted) o.log.error({ err, delivery: d.id }, "delivery crashed; it stays journaled");
    } finally {
      inflight.delete(d.id);
    }
  }

  async function deliver(d: PendingDelivery): Promise<void> {
    const trigger = table.triggers.find((t) => t.name === d.trigger);
    const event = new CloudEvent<unknown>(d.event as never, false);
    const log = o.log.child({ ceId: event.id, type: event.type, trigger: d.trigger });
    if (!trigger) {
      writeDeadLetter(deadLetterDir, letter(d, "", "", 0, 0, "trigger no longer exists"));
      journal.done(d.id);
      return;
    }
    const url = o.subscribers[trigger.subscriber] as string;
    let attempts = 0;
    for (;;) {
      if (attempts > 0) await sleep(backoffMs(trigger.delivery, attempts), stop.signal);
      attempts += 1;
      const r = await limiter.run(trigger.subscriber, () => attemptDelivery(url, event, trigger.delivery.timeoutMs, auth));
      if (stop.signal.aborted) return;
      if (r.ok) {
        // Journal the reply before forgetting the original, so a crash in between redelivers rather than drops.
        if (r.reply) {
          log.info({ replyType: r.reply.type, replyId: r.reply.id }, `${trigger.subscriber} replied with ${r.reply.type}`);
          accept(r.reply);
        }
        log.debug({ status: r.status, attempts }, "delivered");
        journal.done(d.id);
        return;
      }
      const last = !r.retryable || attempts > trigger.delivery.retry;
      log.warn(
        { status: r.status, attempts, error: r.error, final: last },
        `${event.type} to ${trigger.subscriber} failed (attempt ${attempts}, ${r.status || "no answer"}): ${r.error}`,
      );
      if (last) {
        const file = writeDeadLetter(deadLetterDir, letter(d, trigger.subscriber, url, attempts, r.status, r.error));
        log.error({ file, attempts }, `dead-lettered ${event.type} for ${trigger.subscriber} after ${attempts} attempts: ${file}`);
        journal.done(d.id);
        return;
      }
    }
  }

  function letter(d: PendingDelivery, subscriber: string, url: string, attempts: number, status: number, error: string) {
    // The extensions a Knative dead-letter sink receives, so both stores hold the same record.
    const event = {
      ...d.event,
      knativeerrordest: url,
      knativeerrorcode: String(status),
      knativeerrordata: Buffer.from(error).toString("base64"),
    };
    return deadLetter(event, new Date(), { trigger: d.trigger, subscriber, url, attempts, lastStatus: status, lastError: error });
  }

  const server: Server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === "GET" && req.url === "/healthz") {
      return send(res, 200, { status: "ok", broker: table.broker, triggers: table.triggers.length, pending: inflight.size });
    }
    if (req.method !== "POST" || (req.url ?? "/").split("?")[0] !== "/")
      return send(res, 404, { error: { code: "not-found", message: "POST CloudEvents to /" } });
    let body: string;
    try {
      body = await readBody(req);
    } catch (err) {
      return send(res, 413, { error: { code: "too-large", message: (err as Error).message } });
    }
    const message = { headers: req.headers, body };
    let events: CloudEvent<unknown>[];
    try {
      if (!HTTP.isEvent(message)) throw new Error("missing ce-* headers or a CloudEvents content type");
      const parsed = HTTP.toEvent(message);
      events = (Array.isArray(parsed) ? parsed : [parsed]) as CloudEvent<unknown>[];
      for (const e of events) e.validate();
    } catch (err) {
      return send(res, 400, { error: { code: "bad-request", message: `not a CloudEvent: ${(err as Error).message}` } });
    }
    try {
      for (const e of events) accept(e);
    } catch (err) {
      o.log.error({ err }, "could not journal event");
      return send(res, 503, { error: { code: "unavailable", message: "could not store the event" } });
    }
    res.writeHead(202).end();
  }

  for (const d of journal.recover()) {
    o.log.info({ delivery: d.id, trigger: d.trigger }, "resuming journaled delivery");
    void run(d);
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host ?? "127.0.0.1", () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${o.host ?? "127.0.0.1"}:${addr.port}/`,
    table,
    pending: () => inflight.size,
    close: async () => {
      stop.abort();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error(`event larger than ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error("router stopping"));
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), reject(new Error("router stopping"))), { once: true });
  });
}
