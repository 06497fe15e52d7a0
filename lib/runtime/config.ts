import { check, describe, type Parsed, readSettings, type Row } from "./settings.js";

export { ConfigError } from "./settings.js";

// The functions' settings: one table, read by the one settings engine (lib/runtime/settings.ts), where an empty
// variable means unset. Validated with settings.ts's `check`, not zod: every cold start reads this table, and
// zod's import alone was 90 ms of CPU (docs/performance.md#cold-starts).

const int = check.int;
const url = check.url();
const bucket = check.string({ pattern: /^[a-z0-9][a-z0-9.-]{2,62}$/ });

const settings = {
  logLevel: {
    env: "LOG_LEVEL",
    doc: "pino level: trace, debug, info, warn, error",
    default: "info",
    schema: check.oneOf(["trace", "debug", "info", "warn", "error", "silent"]),
  },
  s3Endpoint: { env: "S3_ENDPOINT", doc: "S3/MinIO API URL, e.g. http://127.0.0.1:9000", schema: url },
  s3AccessKey: { env: "S3_ACCESS_KEY", doc: "S3 access key (locally the generated MinIO root user)", schema: check.string({ min: 3 }) },
  s3SecretKey: { env: "S3_SECRET_KEY", doc: "S3 secret key (locally the generated MinIO root password)", schema: check.string({ min: 8 }) },
  s3Region: { env: "S3_REGION", doc: "S3 region", default: "us-east-1", schema: check.string({ min: 1 }) },
  uploadsBucket: {
    env: "UPLOADS_BUCKET",
    doc: "bucket editors write sources to",
    default: "uploads",
    schema: bucket,
  },
  streamBucket: {
    env: "STREAM_BUCKET",
    doc: "bucket the functions publish HLS to",
    default: "stream",
    schema: bucket,
  },
  redisUrl: { env: "REDIS_URL", doc: "Redis URL for caches, progress and job state, e.g. redis://127.0.0.1:6390/0", schema: url },
  sink: {
    env: "K_SINK",
    doc: "where events are POSTed (Knative SinkBinding sets it; locally the event router)",
    default: "",
    schema: check.url({ orEmpty: true }),
  },
  ceOverrides: {
    env: "K_CE_OVERRIDES",
    doc: 'JSON {"extensions":{...}} added to every emitted event (Knative SinkBinding)',
    default: "",
    schema: check.string(),
  },
  webhookToken: {
    env: "WEBHOOK_AUTH_TOKEN",
    doc: "bearer token MinIO sends to ingest (MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_ESTRENA)",
    default: "",
    schema: check.string(),
  },
  eventToken: {
    env: "EVENT_AUTH_TOKEN",
    doc: "bearer token the event router presents on every delivery; the functions refuse events without it (empty: no check, as on Knative)",
    default: "",
    schema: check.string(),
  },
  segmentSeconds: { env: "SEGMENT_SECONDS", doc: "HLS segment length in seconds", default: "4", schema: int(1, 30) },
  chunkSeconds: {
    env: "CHUNK_SECONDS",
    doc: "sources longer than this are split into chunks of this length (rounded to whole segments)",
    default: "60",
    schema: int(4, 3600),
  },
  firstChunkSeconds: {
    env: "FIRST_CHUNK_SECONDS",
    doc: "length of the first chunk of a chunked source (rounded to whole segments): short, so its upper rungs and storyboard start early (a video plays before it from its remux or lead rungs, unless its ladder has one rung)",
    default: "8",
    schema: int(1, 3600),
  },
  chunkParallelism: {
    env: "CHUNK_PARALLELISM",
    doc: "chunk jobs of one video in flight at once (a sliding window; raise it when Knative can scale transcode out)",
    default: "2",
    schema: int(1, 64),
  },
  jobLockSeconds: {
    env: "JOB_LOCK_SECONDS",
    doc: "TTL of a transcode job lock; the holder renews it, so a killed worker's job is retaken this long after it died",
    default: "20",
    schema: int(3, 600),
  },
  maxDurationSeconds: { env: "MAX_DURATION_SECONDS", doc: "longest source accepted", default: "14400", schema: int(1, 86400) },
  maxPixels: { env: "MAX_PIXELS", doc: "largest source frame (width*height) accepted", default: "35389440", schema: int(1, 1 << 30) },
  maxFileBytes: {
    env: "MAX_FILE_BYTES",
    doc: "largest source file accepted",
    default: "21474836480",
    schema: int(1, Number.MAX_SAFE_INTEGER),
  },
  x264Preset: {
    env: "X264_PRESET",
    doc: "libx264 preset for the ladder",
    default: "veryfast",
    schema: check.oneOf(["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"]),
  },
  workDir: { env: "WORK_DIR", doc: "scratch directory for transcoding", default: "/tmp/estrena", schema: check.string({ min: 1 }) },
  publicStreamBase: { env: "PUBLIC_STREAM_BASE", doc: "URL prefix viewers use for HLS", default: "/stream", schema: check.string() },
  editorUser: {
    env: "ESTRENA_EDITOR_USER",
    doc: "the editors' login (a MinIO user that may write only to uploads): the studio checks it and presigns uploads with it; empty turns the studio off",
    default: "",
    schema: check.string(),
  },
  editorPassword: {
    env: "ESTRENA_EDITOR_PASSWORD",
    doc: "the editors' password (see ESTRENA_EDITOR_USER)",
    default: "",
    schema: check.string(),
  },
} satisfies Record<string, Row<unknown>>;

export type Config = Parsed<typeof settings>;
export type ConfigKey = keyof typeof settings;

/** Reads and validates every setting; throws a ConfigError naming each bad variable. */
export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return readSettings(settings, env);
}

/** Every variable the code reads, for docs and the manifest consistency test. */
export function configVariables(): { name: string; doc: string; default?: string }[] {
  return describe(settings);
}
