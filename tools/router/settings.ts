import { z } from "zod";
import { describe, jsonStringMap, port, readSettings, type Row } from "../../lib/runtime/settings.js";
import { parseIsoDuration } from "./triggers.js";

const isoDuration = z
  .string()
  .refine((s) => {
    try {
      parseIsoDuration(s);
      return true;
    } catch {
      return false;
    }
  }, "expected an ISO 8601 duration such as PT0.2S")
  .transform(parseIsoDuration);

const rows = {
  port: {
    env: "ROUTER_PORT",
    doc: "port the event router listens on (the stack sets it from ESTRENA_ROUTER_PORT)",
    default: "8090",
    schema: port,
  },
  host: {
    env: "ROUTER_HOST",
    doc: "address the event router listens on: loopback natively; 0.0.0.0 in a container, where its peers are other hosts",
    default: "127.0.0.1",
    schema: z.string().min(1),
  },
  eventToken: {
    env: "EVENT_AUTH_TOKEN",
    doc: "bearer token presented on every delivery; the functions refuse events without it (the stack and compose generate it)",
    default: "",
    schema: z.string(),
  },
  subscribers: {
    env: "ROUTER_SUBSCRIBERS",
    doc: 'JSON map from a Trigger subscriber\'s Service name to its URL, e.g. {"catalogue":"http://127.0.0.1:8093/"}',
    schema: jsonStringMap,
  },
  stateDir: {
    env: "ROUTER_STATE_DIR",
    doc: "folder for the delivery journal (router/) and dead letters (dead-letter/)",
    default: ".estrena",
    schema: z.string().min(1),
  },
  knativeDir: {
    env: "ROUTER_KNATIVE_DIR",
    doc: "folder with broker.yaml and trigger-*.yaml",
    default: "knative/eventing",
    schema: z.string().min(1),
  },
  retry: {
    env: "ROUTER_RETRY",
    doc: "overrides delivery.retry of broker.yaml (tests use a small number)",
    default: "",
    schema: z.union([z.literal(""), z.coerce.number().int().min(0).max(100)]),
  },
  backoffDelay: {
    env: "ROUTER_BACKOFF_DELAY",
    doc: "overrides delivery.backoffDelay of broker.yaml, ISO 8601 (e.g. PT0.1S)",
    default: "",
    schema: z.union([z.literal(""), isoDuration]),
  },
  maxInflight: {
    env: "ROUTER_MAX_INFLIGHT",
    doc: "concurrent deliveries per subscriber, like one replica's containerConcurrency (0 = unlimited)",
    default: "8",
    schema: z.coerce.number().int().min(0),
  },
} satisfies Record<string, Row<unknown>>;

/** The router's settings, from its environment. */
export function routerSettings(env: NodeJS.ProcessEnv) {
  const s = readSettings(rows, env, "router");
  return {
    port: s.port,
    host: s.host,
    eventToken: s.eventToken,
    subscribers: s.subscribers,
    stateDir: s.stateDir,
    knativeDir: s.knativeDir,
    maxInflight: s.maxInflight,
    deliveryOverrides: {
      ...(s.retry !== "" ? { retry: s.retry } : {}),
      ...(s.backoffDelay !== "" ? { backoffDelayMs: s.backoffDelay } : {}),
    },
  };
}

/** Every variable the router reads, for the README. */
export function routerVariables() {
  return describe(rows);
}
