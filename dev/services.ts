import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { httpStatus, redisPing, tcpOpen } from "./health.js";
import type { ServiceSpec } from "./processes.js";
import { type IdentityCredentials, type IdentityName, identityVariables } from "../lib/runtime/identities.js";
import { localHost, REPO_ROOT, type StackSettings } from "../lib/runtime/stack-settings.js";
import { webhookEnv } from "../tools/minio-bootstrap/setup.js";

/** The functions, in start order: their subscribers are up before anything can send them events. */
export const FUNCTIONS = ["catalogue", "transcode", "ingest"] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

const dist = (...p: string[]) => join(REPO_ROOT, "dist", ...p);

/**
 * How a function's process starts, after the node executable: `npm start` (with the loopback preload) and
 * `npm run bench:cold-start` run exactly this; the images' CMD says the same (docker/Dockerfile). Each function
 * serves itself on node:http (lib/runtime/server.ts, on PORT), from its bundle where it has one.
 */
export function functionArgs(name: FunctionName): string[] {
  return [entry(name)];
}

/**
 * A function's bundle (scripts/bundle.ts, part of `npm run build`). A tsc run after it (`npx tsc`, a watch)
 * leaves it stale; then the compiled entry runs instead: the same code, only slower to start.
 */
function entry(name: FunctionName): string {
  const bundle = dist("bundle", name, "index.js");
  const compiled = dist("functions", name, "index.js");
  return existsSync(bundle) && statSync(bundle).mtimeMs >= statSync(compiled).mtimeMs ? bundle : compiled;
}

export function functionBuilt(name: FunctionName): boolean {
  return existsSync(dist("functions", name, "index.js"));
}

export function watcherBuilt(): boolean {
  return existsSync(dist("tools", "watcher", "main.js"));
}

/** Everything the specs below need. */
export interface SpecContext {
  readonly s: StackSettings;
  readonly env: NodeJS.ProcessEnv;
  /** Environment every function gets (lib/runtime/config.ts variables). */
  readonly fnEnv: Readonly<Record<string, string>>;
  readonly routerEnv: Readonly<Record<string, string>>;
  readonly credentials: {
    readonly user: string;
    readonly password: string;
    readonly webhookToken: string;
    readonly eventToken: string;
    readonly identities: IdentityCredentials;
  };
}

/** Secrets no child inherits from the environment: each gets only its own (asIdentity below). */
const SECRETS = new Set([
  "MINIO_ROOT_USER",
  "MINIO_ROOT_PASSWORD",
  "WEBHOOK_AUTH_TOKEN",
  "EVENT_AUTH_TOKEN",
  "S3_ACCESS_KEY",
  "S3_SECRET_KEY",
  ...identityVariables(),
]);

function withoutSecrets(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !SECRETS.has(k)));
}

/**
 * The environment of a service that talks to MinIO as `identity`: the shared settings, and S3_ACCESS_KEY /
 * S3_SECRET_KEY of that identity only. Root never leaves MinIO and the stack's own bootstrap.
 */
function asIdentity(c: SpecContext, identity: IdentityName, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { user, secret } = c.credentials.identities[identity];
  return { ...withoutSecrets(c.env), ...withoutSecrets(c.fnEnv), S3_ACCESS_KEY: user, S3_SECRET_KEY: secret, ...extra };
}

/** What each function holds besides its MinIO identity. */
function functionSecrets(c: SpecContext, name: FunctionName): Record<string, string> {
  if (name === "ingest") return { WEBHOOK_AUTH_TOKEN: c.credentials.webhookToken };
  if (name === "transcode") return { EVENT_AUTH_TOKEN: c.credentials.eventToken };
  // The studio's login is the editor's (docs/studio.md).
  if (name === "catalogue") {
    const { user, secret } = c.credentials.identities.editor;
    return { ESTRENA_EDITOR_USER: user, ESTRENA_EDITOR_PASSWORD: secret, EVENT_AUTH_TOKEN: c.credentials.eventToken };
  }
  return {};
}

export function redisSpec(c: SpecContext): ServiceSpec {
  const dir = join(c.s.stateDir, "redis");
  return {
    name: "redis",
    command: "redis-server",
    args: [
      "--port",
      String(c.s.ports.redis),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--daemonize",
      "no",
      "--logfile",
      "",
      // Job state lives here between restarts; RDB snapshots are off because the AOF already has everything.
      "--appendonly",
      "yes",
      "--appendfsync",
      "everysec",
      "--save",
      "",
      // Caches carry TTLs and may be evicted; job and progress keys have none and never are.
      "--maxmemory",
      c.s.redisMaxMemory,
      "--maxmemory-policy",
      "volatile-lru",
    ],
    env: withoutSecrets(c.env),
    cwd: dir,
    healthy: () => redisPing(c.s.ports.redis),
  };
}

export function routerSpec(c: SpecContext): ServiceSpec {
  return {
    name: "router",
    command: process.execPath,
    args: [dist("tools", "router", "main.js")],
    env: { ...withoutSecrets(c.env), ...c.routerEnv, EVENT_AUTH_TOKEN: c.credentials.eventToken },
    cwd: REPO_ROOT,
    healthy: async () => (await httpStatus(`http://127.0.0.1:${c.s.ports.router}/healthz`)) === 200,
  };
}

export function functionSpec(c: SpecContext, name: FunctionName): ServiceSpec {
  const port = c.s.ports[name];
  return {
    name,
    command: process.execPath,
    args: [
      // Loopback only: the router and the gateway are the ways in (loopback.ts).
      "--import",
      pathToFileURL(dist("dev", "loopback.js")).href,
      ...functionArgs(name),
    ],
    env: { ...asIdentity(c, name, functionSecrets(c, name)), PORT: String(port), K_SERVICE: name },
    cwd: REPO_ROOT,
    healthy: () => tcpOpen(port),
  };
}

export function minioSpec(c: SpecContext): ServiceSpec {
  const { ports, minioHost, stateDir } = c.s;
  return {
    name: "minio",
    command: c.s.minioBin,
    args: [
      "server",
      "--address",
      `${minioHost}:${ports.minio}`,
      "--console-address",
      `${minioHost}:${ports.console}`,
      join(stateDir, "minio"),
    ],
    env: {
      ...c.env,
      MINIO_ROOT_USER: c.credentials.user,
      MINIO_ROOT_PASSWORD: c.credentials.password,
      MINIO_UPDATE: "off",
      ...webhookEnv(`http://127.0.0.1:${ports.ingest}/`, c.credentials.webhookToken, join(stateDir, "minio-events")),
    },
    cwd: stateDir,
    healthy: async () => (await httpStatus(`http://${localHost(minioHost)}:${ports.minio}/minio/health/live`)) === 200,
    healthTimeoutMs: 60_000,
  };
}

export function watcherSpec(c: SpecContext): ServiceSpec {
  return {
    name: "watcher",
    command: process.execPath,
    args: [dist("tools", "watcher", "main.js")],
    env: { ...asIdentity(c, "watcher"), ESTRENA_MEDIA_DIR: c.s.mediaDir },
    cwd: REPO_ROOT,
    healthy: async () => true,
  };
}

export function gatewaySpec(c: SpecContext, conf: string, prefix: string): ServiceSpec {
  const port = c.s.ports.gateway;
  return {
    name: "gateway",
    command: c.s.nginxBin,
    args: ["-p", prefix, "-c", conf, "-g", "daemon off;"],
    env: { ...asIdentity(c, "gateway") },
    cwd: prefix,
    healthy: async () => (await httpStatus(`http://127.0.0.1:${port}/healthz`)) !== 0,
  };
}
