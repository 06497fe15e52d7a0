import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { matchTrigger, parseFilter, type Attributes, type Filter, type TriggerSpecFilters } from "./filters.js";

/** Knative `delivery` spec, resolved to milliseconds. */
export interface Delivery {
  readonly retry: number;
  readonly backoffPolicy: "exponential" | "linear";
  readonly backoffDelayMs: number;
  /** Per-attempt timeout; Knative's `delivery.timeout`. */
  readonly timeoutMs: number;
}

export interface Trigger {
  readonly name: string;
  /** `spec.subscriber.ref.name`: the Knative Service the router resolves through its URL map. */
  readonly subscriber: string;
  readonly spec: TriggerSpecFilters;
  readonly delivery: Delivery;
}

export interface RoutingTable {
  readonly broker: string;
  readonly triggers: readonly Trigger[];
}

/** Knative has no default per-attempt timeout; transcode chunks stay well under Knative's 600 s request cap. */
const DEFAULT_TIMEOUT_MS = 600_000;

/** Parses the ISO 8601 durations Knative uses (`PT1S`, `PT0.5S`, `PT2M`, `P1D`) to milliseconds. */
export function parseIsoDuration(text: string): number {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (!m || text === "P" || text.endsWith("T")) throw new Error(`not an ISO 8601 duration: "${text}" (expected e.g. PT1S)`);
  const [, d, h, min, s] = m.map((x) => (x === undefined ? 0 : Number(x)));
  return Math.round((((d ?? 0) * 24 + (h ?? 0)) * 60 + (min ?? 0)) * 60_000 + (s ?? 0) * 1000);
}

/** Delay before retry number `retry` (1-based), following Knative's backoff policies. */
export function backoffMs(d: Delivery, retry: number): number {
  return d.backoffPolicy === "linear" ? d.backoffDelayMs * retry : d.backoffDelayMs * 2 ** (retry - 1);
}

/** Resolves a `delivery` object over a base (Trigger delivery overrides the Broker's, field by field). */
export function parseDelivery(raw: unknown, base?: Delivery): Delivery {
  const r = (raw ?? {}) as Record<string, unknown>;
  const policy = r.backoffPolicy ?? base?.backoffPolicy ?? "exponential";
  if (policy !== "exponential" && policy !== "linear")
    throw new Error(`delivery.backoffPolicy must be exponential or linear, got ${String(policy)}`);
  const retry = r.retry ?? base?.retry ?? 0;
  if (typeof retry !== "number" || !Number.isInteger(retry) || retry < 0)
    throw new Error(`delivery.retry must be a whole number, got ${String(retry)}`);
  return {
    retry,
    backoffPolicy: policy,
    backoffDelayMs: typeof r.backoffDelay === "string" ? parseIsoDuration(r.backoffDelay) : (base?.backoffDelayMs ?? 0),
    timeoutMs: typeof r.timeout === "string" ? parseIsoDuration(r.timeout) : (base?.timeoutMs ?? DEFAULT_TIMEOUT_MS),
  };
}

/** Builds the routing table from parsed manifests (Broker first, then Triggers naming it). */
export function routingTable(broker: unknown, triggers: readonly unknown[], overrides: Partial<Delivery> = {}): RoutingTable {
  const b = broker as { kind?: string; metadata?: { name?: string }; spec?: { delivery?: unknown } };
  if (b?.kind !== "Broker" || !b.metadata?.name) throw new Error("broker.yaml: expected a Broker with metadata.name");
  const brokerDelivery = { ...parseDelivery(b.spec?.delivery), ...overrides };
  const out: Trigger[] = [];
  for (const raw of triggers) {
    const t = raw as { kind?: string; metadata?: { name?: string }; spec?: Record<string, unknown> };
    const name = t?.metadata?.name;
    if (t?.kind !== "Trigger" || !name || !t.spec) throw new Error("expected a Trigger with metadata.name and spec");
    if (t.spec.broker !== b.metadata.name) continue;
    const subscriber = (t.spec.subscriber as { ref?: { name?: string } } | undefined)?.ref?.name;
    if (!subscriber) throw new Error(`trigger ${name}: spec.subscriber.ref.name is required (the local router resolves refs, not URIs)`);
    const filters: Filter[] | undefined = Array.isArray(t.spec.filters)
      ? t.spec.filters.map((f, i) => parseFilter(f, `trigger ${name}: spec.filters[${i}]`))
      : undefined;
    const filter = t.spec.filter as TriggerSpecFilters["filter"];
    out.push({
      name,
      subscriber,
      spec: { ...(filters ? { filters } : {}), ...(filter ? { filter } : {}) },
      delivery: { ...parseDelivery(t.spec.delivery, brokerDelivery), ...overrides },
    });
  }
  return { broker: b.metadata.name, triggers: out };
}

/** Reads `broker.yaml` and every `trigger-*.yaml` from a directory: the same files Knative applies. */
export function loadRoutingTable(dir: string, overrides: Partial<Delivery> = {}): RoutingTable {
  const broker = parse(readFileSync(join(dir, "broker.yaml"), "utf8"));
  const files = readdirSync(dir)
    .filter((f) => /^trigger-.*\.ya?ml$/.test(f))
    .sort();
  return routingTable(
    broker,
    files.map((f) => parse(readFileSync(join(dir, f), "utf8"))),
    overrides,
  );
}

/** Triggers whose filters select the event. */
export function matchingTriggers(table: RoutingTable, event: Attributes): Trigger[] {
  return table.triggers.filter((t) => matchTrigger(t.spec, event));
}
