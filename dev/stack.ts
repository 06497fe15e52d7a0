import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../lib/runtime/config.js";
import { createLogger, type Logger } from "../lib/runtime/log.js";
import { createStorage } from "../lib/runtime/storage.js";
import { writeGatewayConfig } from "../tools/gateway-config/render.js";
import { httpStatus, portFree } from "./health.js";
import { StackLock, startReaper } from "./lock.js";
import type { IdentityCredentials } from "../lib/runtime/identities.js";
import { provisionIdentities } from "../tools/minio-bootstrap/provision.js";
import { setupBuckets } from "../tools/minio-bootstrap/setup.js";
import { resyncUploads } from "../tools/minio-resync/resync.js";
import { Supervisor, type ServiceSpec } from "./processes.js";
import {
  FUNCTIONS,
  functionBuilt,
  functionSpec,
  gatewaySpec,
  minioSpec,
  redisSpec,
  routerSpec,
  watcherBuilt,
  watcherSpec,
  type SpecContext,
} from "./services.js";
import {
  loadCredentials,
  localHost,
  REPO_ROOT,
  SERVICE_PORTS,
  stackSettings,
  type Ports,
  type PortName,
} from "../lib/runtime/stack-settings.js";

export interface StackOptions {
  /** Defaults to ESTRENA_STATE_DIR, then `.estrena/`. */
  readonly stateDir?: string;
  /** Per-service ports; each defaults to its ESTRENA_*_PORT variable, then the README's default. */
  readonly ports?: Partial<Ports>;
  /** Base environment (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Replaces entries of the router's Service→URL map, e.g. to point `catalogue` at a test server. */
  readonly subscribers?: Readonly<Record<string, string>>;
  /** Extra router settings, e.g. {ROUTER_RETRY:"2", ROUTER_BACKOFF_DELAY:"PT0.1S"}. */
  readonly routerEnv?: Readonly<Record<string, string>>;
  /** Leave out the watcher or the gateway. */
  readonly without?: readonly ("watcher" | "gateway")[];
  /** Echo every service's log to the terminal (npm start). Logs always go to `<state>/logs/`. */
  readonly foreground?: boolean;
  readonly log?: Logger;
  /** Aborting while the stack is starting stops what already runs and rejects (Ctrl-C during start-up). */
  readonly signal?: AbortSignal;
}

export type ServiceName = "redis" | "router" | "catalogue" | "transcode" | "ingest" | "minio" | "watcher" | "gateway";

export interface StackHandle {
  readonly stateDir: string;
  /** The watched folder. */
  readonly mediaDir: string;
  readonly ports: Ports;
  readonly urls: {
    web: string;
    api: string;
    healthz: string;
    gateway: string;
    minio: string;
    console: string;
    router: string;
    redis: string;
    ingest: string;
    transcode: string;
    catalogue: string;
  };
  /** user/password: MinIO root (the stack and tests only); editor: the editors' login; identities: every service's. */
  readonly credentials: {
    readonly user: string;
    readonly password: string;
    readonly webhookToken: string;
    /** The router's credential; a test posting straight to a function presents it as the router would. */
    readonly eventToken: string;
    readonly file: string;
    readonly editor: { readonly user: string; readonly password: string };
    readonly identities: IdentityCredentials;
  };
  /**
   * The functions' shared settings (S3_ENDPOINT, REDIS_URL, K_SINK, ...), with root's S3 keys for tests and tools;
   * each service runs with its own identity's S3 keys instead (dev/services.ts).
   */
  readonly env: Readonly<Record<string, string>>;
  /** Services that were started. */
  readonly services: readonly ServiceName[];
  pids(): Partial<Record<ServiceName, number>>;
  /** Stops one service gracefully and keeps it down. */
  stopService(name: ServiceName): Promise<void>;
  /** Starts a stopped service again and waits until it is healthy. */
  startService(name: ServiceName): Promise<void>;
  /** SIGKILLs a service as a crash would; with restart the supervisor brings it back after its backoff. */
  killService(name: ServiceName, opts?: { restart?: boolean }): void;
  /** Stops everything; nothing is left running. */
  stop(): Promise<void>;
}

/** Long enough for MinIO's own queued notifications to reach the catalogue, so only lost ones are announced again. */
const RESYNC_SETTLE_MS = 5_000;

const PORT_ENV: Record<PortName, string> = {
  gateway: "ESTRENA_GATEWAY_PORT",
  minio: "ESTRENA_MINIO_PORT",
  console: "ESTRENA_CONSOLE_PORT",
  redis: "ESTRENA_REDIS_PORT",
  router: "ESTRENA_ROUTER_PORT",
  ingest: "ESTRENA_INGEST_PORT",
  transcode: "ESTRENA_TRANSCODE_PORT",
  catalogue: "ESTRENA_CATALOGUE_PORT",
};

/** Starts the whole platform as supervised native processes, each healthy before the next. */
export async function startStack(o: StackOptions = {}): Promise<StackHandle> {
  const env: NodeJS.ProcessEnv = { ...(o.env ?? process.env) };
  if (o.stateDir) env.ESTRENA_STATE_DIR = o.stateDir;
  for (const [k, v] of Object.entries(o.ports ?? {})) env[PORT_ENV[k as PortName]] = String(v);
  const s = stackSettings(env);
  const log = o.log ?? createLogger("stack");
  mkdirSync(join(s.stateDir, "redis"), { recursive: true });

  const lock = new StackLock(s.stateDir);
  const cleaned = lock.acquire();
  if (cleaned.length) log.warn({ cleaned }, "a previous stack died without stopping; killed its leftover processes");
  const reaper = startReaper(lock.file);
  let creds: ReturnType<typeof loadCredentials>;
  let config: ReturnType<typeof parseConfig>;
  const host = "127.0.0.1";
  const url = (p: number, path = "/") => `http://${host}:${p}${path}`;
  const routerUrl = url(s.ports.router);
  const fnEnv: Record<string, string> = {};
  try {
    creds = loadCredentials(s.stateDir, env);
    if (creds.generated.length) log.info({ file: creds.file, generated: creds.generated }, "generated local credentials");
    Object.assign(fnEnv, {
      S3_ENDPOINT: `http://${localHost(s.minioHost)}:${s.ports.minio}`,
      S3_ACCESS_KEY: creds.user,
      S3_SECRET_KEY: creds.password,
      S3_REGION: env.S3_REGION || "us-east-1",
      REDIS_URL: `redis://${host}:${s.ports.redis}/0`,
      K_SINK: routerUrl,
      WEBHOOK_AUTH_TOKEN: creds.webhookToken,
      WORK_DIR: env.WORK_DIR || join(s.stateDir, "work"),
      // The editors' login (console, upload, studio); the catalogue alone gets it, for the studio.
      ESTRENA_EDITOR_USER: creds.identities.editor.user,
      ESTRENA_EDITOR_PASSWORD: creds.identities.editor.secret,
    });
    // Fail now, naming the variable, rather than in a function on its first request.
    config = parseConfig({ ...env, ...fnEnv });
  } catch (err) {
    reaper.dispose();
    lock.release();
    throw err;
  }
  fnEnv.UPLOADS_BUCKET = config.uploadsBucket;
  fnEnv.STREAM_BUCKET = config.streamBucket;
  const subscribers = { ...Object.fromEntries(FUNCTIONS.map((f) => [f, url(s.ports[f])])), ...o.subscribers };
  const routerEnv = {
    ROUTER_PORT: String(s.ports.router),
    ROUTER_SUBSCRIBERS: JSON.stringify(subscribers),
    ROUTER_STATE_DIR: s.stateDir,
    ROUTER_KNATIVE_DIR: join(REPO_ROOT, "knative", "eventing"),
    ...o.routerEnv,
  };
  const ctx: SpecContext = { s, env, fnEnv, routerEnv, credentials: creds };

  const sup = new Supervisor(join(s.stateDir, "logs"), log, o.foreground ?? false, () => lock.update({ children: sup.pids() }));
  const onExit = () => sup.killAllNow();
  process.on("exit", onExit);
  const specs = new Map<ServiceName, ServiceSpec>();
  const started: ServiceName[] = [];
  const portOf: Partial<Record<ServiceName, PortName[]>> = {
    redis: ["redis"],
    router: ["router"],
    catalogue: ["catalogue"],
    transcode: ["transcode"],
    ingest: ["ingest"],
    minio: ["minio", "console"],
    gateway: ["gateway"],
  };

  async function launch(name: ServiceName, spec: ServiceSpec): Promise<void> {
    if (o.signal?.aborted) throw new Error("start-up interrupted");
    for (const p of portOf[name] ?? []) {
      if (!(await portFree(s.ports[p])))
        throw new Error(`port ${s.ports[p]} (${p}) is already in use by another program; choose another with ${PORT_ENV[p]}`);
    }
    specs.set(name, spec);
    const t0 = Date.now();
    await sup.start(spec);
    started.push(name);
    log.info({ service: name, ms: Date.now() - t0 }, `${name} is up`);
  }

  const urls = {
    web: url(s.ports.gateway),
    api: url(s.ports.gateway, "/api/videos"),
    healthz: url(s.ports.gateway, "/healthz"),
    gateway: url(s.ports.gateway),
    minio: fnEnv.S3_ENDPOINT as string,
    console: `http://${localHost(s.minioHost)}:${s.ports.console}/`,
    router: routerUrl,
    redis: fnEnv.REDIS_URL as string,
    ingest: url(s.ports.ingest),
    transcode: url(s.ports.transcode),
    catalogue: url(s.ports.catalogue),
  };
  lock.update({ urls });

  // Uploads MinIO took while still loading its notification rules raised no event: announce them (minio-resync.ts).
  const resyncTimers = new Set<NodeJS.Timeout>();
  const resyncLater = (startedAt: number) => {
    const t = setTimeout(() => {
      resyncTimers.delete(t);
      // MinIO stopped again meanwhile: its next start schedules its own check.
      if (!sup.pids().minio) return;
      const { user, secret } = creds.identities.resync;
      const opts = {
        s3: createStorage({ ...config, s3AccessKey: user, s3SecretKey: secret }),
        uploadsBucket: config.uploadsBucket,
        streamBucket: config.streamBucket,
        since: new Date(startedAt - 1000),
        ingestUrl: urls.ingest,
        token: creds.webhookToken,
        log,
      };
      resyncUploads(opts).catch((err: Error) =>
        log.error({ err: err.message }, "could not check for uploads made while MinIO was starting"),
      );
    }, RESYNC_SETTLE_MS);
    resyncTimers.add(t);
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const t of resyncTimers) clearTimeout(t);
    reaper.dispose();
    await sup.stopAll();
    process.off("exit", onExit);
    lock.release();
  };

  try {
    await launch("redis", redisSpec(ctx));
    await launch("router", routerSpec(ctx));
    for (const f of FUNCTIONS) {
      if (functionBuilt(f)) await launch(f, functionSpec(ctx, f));
      else log.warn({ service: f }, `dist/functions/${f}/index.js is missing (run npm run build); ${f} is not started`);
    }
    await launch("minio", { ...minioSpec(ctx), onReady: (startedAt) => resyncLater(startedAt) });
    await withRetry(() => setupBuckets(createStorage(config), { uploads: config.uploadsBucket, stream: config.streamBucket }), 20, 500);
    const admin = { endpoint: config.s3Endpoint, accessKey: creds.user, secretKey: creds.password, region: config.s3Region };
    await provisionIdentities(admin, creds.identities, { uploads: config.uploadsBucket, stream: config.streamBucket });
    log.info({ buckets: [config.uploadsBucket, config.streamBucket] }, "buckets ready, webhook attached, one MinIO user per service");
    if (!o.without?.includes("watcher") && watcherBuilt()) await launch("watcher", watcherSpec(ctx));
    if (!o.without?.includes("gateway")) {
      const prefix = join(s.stateDir, "gateway");
      mkdirSync(prefix, { recursive: true });
      // An nginx that was SIGKILLed leaves its unix sockets behind, and the next one could not bind them.
      for (const f of readdirSync(prefix)) if (f.endsWith(".sock")) rmSync(join(prefix, f), { force: true });
      const conf = writeGatewayConfig({
        port: s.ports.gateway,
        prefix,
        webRoot: join(REPO_ROOT, "web", "dist"),
        catalogueUrl: urls.catalogue,
        s3Endpoint: urls.minio,
        streamBucket: config.streamBucket,
        uploadsBucket: config.uploadsBucket,
        redisHost: host,
        redisPort: s.ports.redis,
      });
      await launch("gateway", gatewaySpec(ctx, conf, prefix));
      if (!(await waitFor(async () => (await httpStatus(urls.healthz)) === 200, 30_000)))
        log.warn({ url: urls.healthz }, "the gateway's /healthz is not 200 yet");
    }
  } catch (err) {
    await stop();
    throw err;
  }

  const need = (name: ServiceName) => {
    const spec = specs.get(name);
    if (!spec) throw new Error(`${name} is not part of this stack`);
    return spec;
  };
  return {
    stateDir: s.stateDir,
    mediaDir: s.mediaDir,
    ports: s.ports,
    urls,
    credentials: {
      user: creds.user,
      password: creds.password,
      webhookToken: creds.webhookToken,
      eventToken: creds.eventToken,
      file: creds.file,
      editor: { user: creds.identities.editor.user, password: creds.identities.editor.secret },
      identities: creds.identities,
    },
    env: fnEnv,
    services: started,
    pids: () => sup.pids() as Partial<Record<ServiceName, number>>,
    stopService: (name) => (need(name), sup.stop(name)),
    startService: (name) => (need(name), sup.restart(name)),
    killService: (name, opts) => (need(name), sup.kill(name, opts?.restart ?? false)),
    stop,
  };
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

async function withRetry<T>(fn: () => Promise<T>, tries: number, delayMs: number): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= tries) throw err;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

export { SERVICE_PORTS };
