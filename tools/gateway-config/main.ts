/**
 * Renders the gateway's nginx.conf inside the gateway image, at container start, with the same
 * writeGatewayConfig() `npm start` uses; prints the path for docker/gateway-run.sh to exec nginx with.
 * Rendering at start (not at build) lets one image serve compose and Knative, and picks up the pod's resolver.
 * Reads: PORT, CATALOGUE_URL, S3_ENDPOINT, STREAM_BUCKET, REDIS_URL, GATEWAY_PREFIX, GATEWAY_WEB_ROOT,
 * GATEWAY_METRICS_PORT.
 */
import { z } from "zod";
import { writeGatewayConfig, type GatewayParams } from "./render.js";
import { port, readSettings } from "../../lib/runtime/settings.js";

const rows = {
  port: { env: "PORT", doc: "port nginx listens on (Knative sets it)", default: "8080", schema: port },
  catalogueUrl: {
    env: "CATALOGUE_URL",
    doc: "catalogue base URL, e.g. http://catalogue.estrena.svc.cluster.local",
    schema: z.string().url(),
  },
  s3Endpoint: { env: "S3_ENDPOINT", doc: "MinIO API URL", schema: z.string().url() },
  streamBucket: { env: "STREAM_BUCKET", doc: "bucket holding videos/<id>/", default: "stream", schema: z.string().min(3) },
  uploadsBucket: {
    env: "UPLOADS_BUCKET",
    doc: "bucket the studio's browser uploads go to (presigned part PUTs pass through the gateway)",
    default: "uploads",
    schema: z.string().regex(/^[a-z0-9][a-z0-9.-]{2,62}$/),
  },
  redisUrl: { env: "REDIS_URL", doc: "Redis URL; the gateway uses its host and port", schema: z.string().url() },
  prefix: { env: "GATEWAY_PREFIX", doc: "nginx prefix (conf, logs, temp)", default: "/var/lib/estrena-gateway", schema: z.string().min(1) },
  webRoot: { env: "GATEWAY_WEB_ROOT", doc: "the web build", default: "/srv/estrena/web", schema: z.string().min(1) },
  metricsPort: {
    env: "GATEWAY_METRICS_PORT",
    doc: "private port of GET /metrics (cache hits and misses) for Prometheus",
    default: "9145",
    schema: port,
  },
};

/** Gateway parameters for a container, from its environment. */
export function containerGatewayParams(env: NodeJS.ProcessEnv): GatewayParams {
  const s = readSettings(rows, env, "gateway container");
  const redis = new URL(s.redisUrl);
  const catalogue = new URL(s.catalogueUrl);
  return {
    port: s.port,
    prefix: s.prefix,
    webRoot: s.webRoot,
    catalogueUrl: s.catalogueUrl,
    // Send the catalogue its own name: behind Knative, the ingress picks the Service by Host.
    catalogueHost: catalogue.host,
    s3Endpoint: s.s3Endpoint,
    streamBucket: s.streamBucket,
    uploadsBucket: s.uploadsBucket,
    redisHost: redis.hostname,
    redisPort: Number(redis.port || "6379"),
    metricsPort: s.metricsPort,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.stdout.write(`${writeGatewayConfig(containerGatewayParams(process.env))}\n`);
  } catch (err) {
    process.stderr.write(`gateway-container: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
