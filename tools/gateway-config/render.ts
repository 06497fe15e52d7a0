import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Where and how the gateway runs; everything else in gateway/nginx.conf.template is fixed. */
export interface GatewayParams {
  port: number;
  /** nginx prefix (`-p`): conf/, logs/, temp/ and the pid file go here. */
  prefix: string;
  /** The web build (`web/dist`). */
  webRoot: string;
  /** e.g. http://127.0.0.1:8093 */
  catalogueUrl: string;
  /** e.g. http://127.0.0.1:9000 */
  s3Endpoint: string;
  streamBucket: string;
  /** The studio's browser uploads: `PUT /<uploadsBucket>/<key>?partNumber&uploadId&X-Amz-Signature…` pass to MinIO. Default `uploads`. */
  uploadsBucket?: string;
  redisHost: string;
  redisPort: number;
  /** Host header for /api/ and /healthz; default `$host`. Behind Knative: the catalogue's own name (its ingress routes by Host). */
  catalogueHost?: string;
  /** Port of a separate server answering `GET /metrics` (Prometheus); none when absent. Never the public port. */
  metricsPort?: number;
}

/** Debian's dynamic modules; OpenResty has them built in, so no load_module lines are written there. */
const DEBIAN_MODULES = ["/usr/share/nginx/modules/ndk_http_module.so", "/usr/share/nginx/modules/ngx_http_lua_module.so"];

/** The repository's gateway/ folder (this file runs from tools/gateway-config/ or dist/tools/gateway-config/). */
function gatewayDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "gateway", "nginx.conf.template"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`gateway/nginx.conf.template not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return join(dir, "gateway");
}

function hostPort(url: string, what: string): { host: string; port: string } {
  const u = new URL(url);
  if (u.protocol !== "http:") throw new Error(`${what} must be an http:// URL, got ${url}`);
  return { host: u.hostname, port: u.port || "80" };
}

/** Lua string literal (JSON's escapes are valid Lua for the printable ASCII we pass). */
const lua = (s: string) => JSON.stringify(s);

/** nginx needs a resolver only when Lua connects to Redis by name (compose: `redis`). */
function resolverLine(redisHost: string): string {
  if (isIP(redisHost) || redisHost === "localhost") return "";
  const conf = existsSync("/etc/resolv.conf") ? readFileSync("/etc/resolv.conf", "utf8") : "";
  const ns = /^nameserver\s+(\S+)/m.exec(conf)?.[1] ?? "127.0.0.11";
  return `resolver ${isIP(ns) === 6 ? `[${ns}]` : ns} valid=30s ipv6=off;`;
}

/**
 * The Prometheus endpoint on its own port: behind Knative every public request reaches nginx from the queue-proxy
 * on 127.0.0.1, so the public port cannot tell a scraper from a viewer; only the pod's other ports are private.
 */
function metricsServer(port: number): string {
  return `  server {
    listen ${port};
    access_log off;
    location = /metrics { content_by_lua_block { require("estrena.metrics").render() } }
    location / { return 404; }
  }`;
}

/** Renders the template for these params into `<prefix>/conf/nginx.conf` and returns that path. */
export function writeGatewayConfig(p: GatewayParams): string {
  const prefix = resolve(p.prefix);
  // The L1 reaches its fill handler over <prefix>/stream.sock; Linux caps socket paths at 107 bytes.
  if (join(prefix, "stream.sock").length > 100)
    throw new Error(`gateway prefix ${prefix} is too long for a unix socket path (max ~88 characters)`);
  for (const d of ["conf", "logs", "temp/body", "temp/proxy", "temp/fastcgi", "temp/uwsgi", "temp/scgi"])
    mkdirSync(join(prefix, d), { recursive: true });
  const dir = gatewayDir();
  const s3 = hostPort(p.s3Endpoint, "s3Endpoint");
  const cat = hostPort(p.catalogueUrl, "catalogueUrl");
  const redisHost = p.redisHost === "localhost" ? "127.0.0.1" : p.redisHost;
  const s3Host = s3.port === "80" ? s3.host : `${s3.host}:${s3.port}`;
  const values: Record<string, string> = {
    load_modules: DEBIAN_MODULES.filter((m) => existsSync(m))
      .map((m) => `load_module ${m};`)
      .join("\n"),
    // A root master would run workers as nobody, who cannot use the prefix's temp dirs (local runs as root only).
    user: process.getuid?.() === 0 ? "user root;" : "",
    prefix,
    gateway_dir: dir,
    web_root: resolve(p.webRoot),
    port: String(p.port),
    resolver: resolverLine(redisHost),
    catalogue_hostport: `${cat.host}:${cat.port}`,
    catalogue_host: p.catalogueHost ?? "$host",
    s3_hostport: `${s3.host}:${s3.port}`,
    s3_host: s3Host,
    s3_host_lua: lua(s3Host),
    stream_bucket_lua: lua(p.streamBucket),
    uploads_bucket: p.uploadsBucket ?? "uploads",
    redis_host_lua: lua(redisHost),
    redis_port: String(p.redisPort),
    metrics_server: p.metricsPort ? metricsServer(p.metricsPort) : "",
  };
  const template = readFileSync(join(dir, "nginx.conf.template"), "utf8");
  const conf = template.replace(/\$\{([a-z0-9_]+)\}/g, (whole, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`gateway template names unknown parameter ${whole}`);
    return v;
  });
  const file = join(prefix, "conf", "nginx.conf");
  writeFileSync(file, conf);
  return file;
}
