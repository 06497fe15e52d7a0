import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { configVariables, parseConfig } from "../../lib/runtime/config.js";
import { webhookEnv, WEBHOOK_TARGET_ID } from "../../tools/minio-bootstrap/setup.js";
import { ROOT, allManifests, ofKind } from "./support/manifests.js";

/*
 * Every variable lib/runtime/config.ts reads must be set where the functions run: in the Knative
 * ConfigMap, as a reference into the Secret, or injected by a SinkBinding; and in compose for each function.
 * `docker-compose config` also proves the compose file is valid (with an env file from compose/generate-env.sh).
 */
const variables = configVariables()
  .map((v) => v.name)
  .sort();
const required = configVariables()
  .filter((v) => v.default === undefined)
  .map((v) => v.name)
  .sort();
const FUNCTIONS = ["ingest", "transcode", "catalogue", "deadletter"];
/** What a SinkBinding injects into its subject's containers. */
const SINK_BINDING_VARS = ["K_SINK", "K_CE_OVERRIDES"];

const manifests = allManifests();
const configMap = manifests.find((m) => m.doc.kind === "ConfigMap" && m.doc.metadata.name === "estrena-config")!.doc.data as Record<
  string,
  string
>;

interface Container {
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
}
const containerOf = (name: string): Container => {
  const s = ofKind(manifests, "serving.knative.dev/v1", "Service").find((m) => m.doc.metadata.name === name);
  if (!s) throw new Error(`no Knative Service ${name}`);
  return (s.doc.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;
};
const boundNames = ofKind(manifests, "sources.knative.dev/v1", "SinkBinding").map(
  (m) => (m.doc.spec as { subject: { name: string } }).subject.name,
);

/** Variable names a Knative function container sees. */
function knativeEnv(name: string): string[] {
  const c = containerOf(name);
  const fromMap = (c.envFrom ?? []).some((e) => e.configMapRef?.name === "estrena-config") ? Object.keys(configMap) : [];
  return [...new Set([...fromMap, ...(c.env ?? []).map((e) => e.name), ...(boundNames.includes(name) ? SINK_BINDING_VARS : [])])].sort();
}

describe("configuration coverage: Knative", () => {
  it("sets every variable in the ConfigMap, the Secret references or a SinkBinding, and nothing else", () => {
    const secretRefs = FUNCTIONS.flatMap((f) => (containerOf(f).env ?? []).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name));
    const provided = new Set([...Object.keys(configMap), ...secretRefs, ...SINK_BINDING_VARS]);
    expect(variables.filter((v) => !provided.has(v))).toEqual([]);
    expect(Object.keys(configMap).filter((k) => !variables.includes(k))).toEqual([]);
  });

  it("gives each function every required variable, and ingest and transcode a K_SINK", () => {
    const missing = FUNCTIONS.flatMap((f) => required.filter((v) => !knativeEnv(f).includes(v)).map((v) => `${f}: ${v}`));
    expect(missing).toEqual([]);
    expect(boundNames.sort()).toEqual(["ingest", "transcode"]);
    expect(knativeEnv("ingest")).toContain("WEBHOOK_AUTH_TOKEN");
  });

  it("has ConfigMap values the functions accept", () => {
    expect(() => parseConfig({ ...configMap, S3_ACCESS_KEY: "placeholder", S3_SECRET_KEY: "placeholder-secret" })).not.toThrow();
  });
});

describe("configuration coverage: compose", () => {
  let dir = "";
  let services: Record<string, { environment?: Record<string, string | null> }> = {};

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "estrena-compose-"));
    const envFile = join(dir, "compose.env");
    const env = { ...process.env, ESTRENA_COMPOSE_ENV: envFile };
    execFileSync("bash", [join(ROOT, "compose/generate-env.sh")], { env, stdio: "pipe" });
    let out: string;
    try {
      out = execFileSync("docker-compose", ["-f", join(ROOT, "compose/docker-compose.yml"), "config"], {
        env,
        stdio: "pipe",
        encoding: "utf8",
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === "ENOENT")
        throw new Error(
          "docker-compose is not installed: install it (apt-get install docker-compose; scripts/install.sh does) to validate compose/",
        );
      throw new Error(`docker-compose config failed:\n${e.stderr ?? e.message}`);
    }
    services = (parse(out) as { services: typeof services }).services;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("passes docker-compose config with a generated env file whose secrets match", () => {
    const generated = Object.fromEntries(
      readFileSync(join(dir, "compose.env"), "utf8")
        .split("\n")
        .filter((l) => /^[A-Z0-9_]+=/.test(l))
        .map((l) => l.split("=", 2) as [string, string]),
    );
    expect(Object.keys(generated).sort()).toEqual([
      "MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_ESTRENA",
      "MINIO_ROOT_PASSWORD",
      "MINIO_ROOT_USER",
      "S3_ACCESS_KEY",
      "S3_SECRET_KEY",
      "WEBHOOK_AUTH_TOKEN",
    ]);
    expect(generated.S3_ACCESS_KEY).toBe(generated.MINIO_ROOT_USER);
    expect(generated.S3_SECRET_KEY).toBe(generated.MINIO_ROOT_PASSWORD);
    expect(generated.WEBHOOK_AUTH_TOKEN).toBe(generated.MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_ESTRENA);
    expect(generated.S3_SECRET_KEY!.length).toBe(48);
    expect(Object.keys(services).sort()).toEqual([
      "catalogue",
      "gateway",
      "ingest",
      "minio",
      "minio-bootstrap",
      "redis",
      "router",
      "transcode",
      "watcher",
    ]);
  });

  it("sets every variable for each function, with values the functions accept", () => {
    const problems = ["ingest", "transcode", "catalogue", "minio-bootstrap", "watcher"].flatMap((name) => {
      const env = services[name]?.environment ?? {};
      const missing = variables.filter((v) => !(v in env)).map((v) => `${name}: ${v} not set`);
      try {
        parseConfig(Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v ?? ""])));
        return missing;
      } catch (err) {
        return [...missing, `${name}: ${(err as Error).message}`];
      }
    });
    expect(problems).toEqual([]);
  });
});

describe("MinIO webhook target: the manifests say what tools/minio-bootstrap/setup.ts says", () => {
  // webhookEnv() is what `npm start` gives MinIO; the StatefulSet and compose spell the same variables out in YAML.
  const expected = (ingestUrl: string, queueDir: string) => webhookEnv(ingestUrl, "TOKEN", queueDir);

  it("matches in the Knative StatefulSet, with the token from the Secret", () => {
    const sts = manifests.find((m) => m.doc.kind === "StatefulSet" && m.doc.metadata.name === "minio")!.doc as {
      spec: { template: { spec: { containers: Container[] } } };
    };
    const env = sts.spec.template.spec.containers[0]!.env ?? [];
    const webhook = Object.fromEntries(
      env
        .filter((e) => e.name.startsWith("MINIO_NOTIFY_WEBHOOK_"))
        .map((e) => [e.name, e.value ?? `secret:${e.valueFrom?.secretKeyRef?.key}`]),
    );
    const want = expected("http://ingest.estrena.svc.cluster.local/", "/var/lib/minio/events");
    expect(webhook).toEqual({ ...want, [`MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_${WEBHOOK_TARGET_ID}`]: "secret:WEBHOOK_AUTH_TOKEN" });
  });

  it("matches in compose, with the token from the generated env file", () => {
    const compose = parse(readFileSync(join(ROOT, "compose/docker-compose.yml"), "utf8")) as {
      services: { minio: { environment: Record<string, string> } };
    };
    const want = expected("http://ingest:8080/", "/var/lib/minio/events");
    delete (want as Record<string, string>)[`MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_${WEBHOOK_TARGET_ID}`];
    expect(compose.services.minio.environment).toEqual(want);
  });
});
