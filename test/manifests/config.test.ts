import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { configVariables, parseConfig } from "../../lib/runtime/config.js";
import { FAST_WEBHOOK_TARGET_ID, webhookEnv, WEBHOOK_TARGET_ID } from "../../tools/minio-bootstrap/setup.js";
import { IDENTITIES, type IdentityName, identityVariables } from "../../lib/runtime/identities.js";
import { readEnvFile, writeComposeEnv } from "../../tools/compose/env.js";
import { ROOT, allManifests, ofKind } from "./support/manifests.js";

/*
 * Every variable lib/runtime/config.ts reads must be set where the functions run: in the Knative
 * ConfigMap, as a reference into the Secret, or injected by a SinkBinding; and in compose for each function.
 * `docker-compose config` also proves the compose file is valid (with an env file from tools/compose/env.ts).
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
    writeComposeEnv(envFile);
    let out: string;
    try {
      out = execFileSync("docker-compose", ["-f", join(ROOT, "compose/docker-compose.yml"), "--env-file", envFile, "config"], {
        env: { ...process.env, ESTRENA_COMPOSE_ENV: envFile },
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
    expect(Object.keys(generated).sort()).toEqual(
      [
        "EVENT_AUTH_TOKEN",
        "MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_ESTRENA",
        "MINIO_ROOT_PASSWORD",
        "MINIO_ROOT_USER",
        "WEBHOOK_AUTH_TOKEN",
        ...identityVariables(),
      ].sort(),
    );
    expect(generated.WEBHOOK_AUTH_TOKEN).toBe(generated.MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_ESTRENA);
    expect(generated.MINIO_ROOT_PASSWORD!.length).toBe(48);
    // A second run keeps every value: MinIO already runs with them.
    expect(writeComposeEnv(join(dir, "compose.env"))).toEqual([]);
    expect(Object.keys(services).sort()).toEqual([
      "catalogue",
      "gateway",
      "ingest",
      "minio",
      "minio-bootstrap",
      "redis",
      "resync",
      "router",
      "transcode",
      "watcher",
    ]);
  });

  it("sets every variable for each function, with values the functions accept", () => {
    const problems = ["ingest", "transcode", "catalogue", "minio-bootstrap", "watcher", "resync"].flatMap((name) => {
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

describe("compose credentials: least privilege", () => {
  const env = readEnvFileFor();
  /** Which identity each service's S3 keys must be; root only for MinIO's bootstrap. */
  const S3_IDENTITY: Record<string, IdentityName | "root"> = {
    "minio-bootstrap": "root",
    ingest: "ingest",
    transcode: "transcode",
    catalogue: "catalogue",
    watcher: "watcher",
    resync: "resync",
    gateway: "gateway",
  };

  it("gives each service its own MinIO identity, and root to MinIO and its bootstrap alone", () => {
    const { services, values } = env();
    const got = Object.fromEntries(
      Object.entries(services)
        .filter(([, s]) => s.environment?.S3_ACCESS_KEY)
        .map(([name, s]) => [name, s.environment!.S3_ACCESS_KEY]),
    );
    const want = Object.fromEntries(
      Object.entries(S3_IDENTITY).map(([name, id]) => [name, id === "root" ? values.MINIO_ROOT_USER : values[IDENTITIES[id].userEnv]]),
    );
    expect(got).toEqual(want);
    const holdsRoot = Object.entries(services)
      .filter(([, s]) => Object.values(s.environment ?? {}).includes(values.MINIO_ROOT_PASSWORD!))
      .map(([name]) => name)
      .sort();
    expect(holdsRoot).toEqual(["minio", "minio-bootstrap"]);
  });

  it("keeps the editors' password to the bootstrap and the catalogue (the studio's login)", () => {
    const { services, values } = env();
    const holders = Object.entries(services)
      .filter(([, s]) => Object.values(s.environment ?? {}).includes(values.ESTRENA_EDITOR_PASSWORD!))
      .map(([name]) => name)
      .sort();
    expect(holders).toEqual(["catalogue", "minio-bootstrap"]);
  });

  it("publishes the gateway alone beyond loopback, and MinIO on loopback", () => {
    const raw = parse(readFileSync(join(ROOT, "compose/docker-compose.yml"), "utf8")) as {
      services: Record<string, { ports?: string[] }>;
    };
    const published = Object.fromEntries(
      Object.entries(raw.services)
        .filter(([, s]) => s.ports)
        .map(([n, s]) => [n, s.ports]),
    );
    expect(published).toEqual({
      minio: ["127.0.0.1:${ESTRENA_MINIO_PORT:-9000}:9000", "127.0.0.1:${ESTRENA_CONSOLE_PORT:-9001}:9001"],
      gateway: ["${ESTRENA_GATEWAY_PORT:-8080}:8080"],
    });
  });
});

/** `docker-compose config` with a fresh env file, parsed, once for the tests that ask. */
function readEnvFileFor(): () => {
  services: Record<string, { environment?: Record<string, string | null> }>;
  values: Record<string, string>;
} {
  let cached: ReturnType<ReturnType<typeof readEnvFileFor>> | undefined;
  return () => {
    if (cached) return cached;
    const d = mkdtempSync(join(tmpdir(), "estrena-compose-"));
    try {
      const file = join(d, "compose.env");
      writeComposeEnv(file);
      const out = execFileSync("docker-compose", ["-f", join(ROOT, "compose/docker-compose.yml"), "--env-file", file, "config"], {
        stdio: "pipe",
        encoding: "utf8",
      });
      cached = { services: (parse(out) as { services: never }).services, values: readEnvFile(file) };
      return cached;
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  };
}

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
    expect(webhook).toEqual({
      ...want,
      [`MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_${WEBHOOK_TARGET_ID}`]: "secret:WEBHOOK_AUTH_TOKEN",
      [`MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_${FAST_WEBHOOK_TARGET_ID}`]: "secret:WEBHOOK_AUTH_TOKEN",
    });
  });

  it("matches in compose, with the token from the generated env file", () => {
    const compose = parse(readFileSync(join(ROOT, "compose/docker-compose.yml"), "utf8")) as {
      services: { minio: { environment: Record<string, string> } };
    };
    const want = {
      ...expected("http://ingest:8080/", "/var/lib/minio/events"),
      [`MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_${WEBHOOK_TARGET_ID}`]: "${WEBHOOK_AUTH_TOKEN:?}",
      [`MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_${FAST_WEBHOOK_TARGET_ID}`]: "${WEBHOOK_AUTH_TOKEN:?}",
    };
    const webhook = Object.fromEntries(
      Object.entries(compose.services.minio.environment).filter(([k]) => k.startsWith("MINIO_NOTIFY_WEBHOOK_")),
    );
    expect(webhook).toEqual(want);
  });
});
