import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IDENTITIES, IDENTITY_NAMES } from "../../lib/runtime/identities.js";
import { ROOT, allManifests, yamlFiles, type K8sObject } from "./support/manifests.js";

const manifests = allManifests();
const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

/** Every container image in an object, wherever a pod template or Knative template holds it. */
function images(doc: K8sObject): string[] {
  const out: string[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === "object") {
      for (const [k, v] of Object.entries(n)) {
        if ((k === "containers" || k === "initContainers") && Array.isArray(v)) out.push(...v.map((c: { image: string }) => c.image));
        else walk(v);
      }
    }
  };
  walk(doc.spec);
  return out;
}

describe("manifest layout", () => {
  it("builds every YAML file under knative/ and minio/, one resource per file", () => {
    const built = [...new Set(manifests.map((m) => m.file))].sort();
    expect(built).toEqual([...yamlFiles("knative"), ...yamlFiles("minio")].sort());
    const perFile = new Map<string, number>();
    for (const m of manifests) perFile.set(m.file, (perFile.get(m.file) ?? 0) + 1);
    expect([...perFile].filter(([, n]) => n !== 1)).toEqual([]);
  });

  it("gives every resource an explicit namespace and the name and part-of labels", () => {
    const problems = manifests.flatMap((m) => {
      const { kind, metadata } = m.doc;
      const out: string[] = [];
      if (kind !== "Namespace" && !metadata.namespace) out.push(`${m.file}: no namespace`);
      if (kind !== "Namespace" && metadata.namespace !== "estrena" && !(kind === "ConfigMap" && metadata.namespace === "knative-serving"))
        out.push(`${m.file}: namespace ${metadata.namespace}`);
      if (!metadata.labels?.["app.kubernetes.io/name"]) out.push(`${m.file}: no app.kubernetes.io/name label`);
      if (metadata.labels?.["app.kubernetes.io/part-of"] !== "estrena") out.push(`${m.file}: no part-of label`);
      return out;
    });
    expect(problems).toEqual([]);
  });

  it("pins every image; our own carry the package version", () => {
    const all = manifests.flatMap((m) => images(m.doc).map((image) => ({ file: m.file, image })));
    expect(all.length).toBeGreaterThan(0);
    const unpinned = all.filter(({ image }) => !/^[^:@]+(:[\w][\w.-]*|@sha256:[0-9a-f]{64})$/.test(image) || image.endsWith(":latest"));
    expect(unpinned).toEqual([]);
    const ours = all.filter(({ image }) => image.startsWith("dev.local/estrena/"));
    expect(ours.filter(({ image }) => !image.endsWith(`:${version}`))).toEqual([]);
  });

  it("never commits a Secret, only references to the root, webhook and per-identity Secrets", () => {
    expect(manifests.filter((m) => m.doc.kind === "Secret").map((m) => m.file)).toEqual([]);
    const refs = new Set<string>();
    for (const m of manifests) for (const name of Object.keys(secretRefs(m.doc))) refs.add(name);
    expect([...refs].sort()).toEqual(["estrena-minio-root", "estrena-webhook", ...IDENTITY_NAMES.map((n) => `estrena-s3-${n}`)].sort());
  });
});

/** Secret name → the variables a workload fills from it, over all its containers. */
function secretRefs(doc: K8sObject): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === "object") {
      const e = n as { name?: string; valueFrom?: { secretKeyRef?: { name: string } } };
      if (e.name && e.valueFrom?.secretKeyRef) (out[e.valueFrom.secretKeyRef.name] ??= []).push(e.name);
      for (const v of Object.values(n)) walk(v);
    }
  };
  walk(doc);
  return out;
}

describe("least privilege on Knative: one Secret per identity", () => {
  const workloads = Object.fromEntries(
    manifests
      .filter((m) => secretRefs(m.doc) && Object.keys(secretRefs(m.doc)).length)
      .map((m) => [`${m.doc.kind}/${m.doc.metadata.name}`, secretRefs(m.doc)]),
  );

  it("gives MinIO's root login to MinIO and its bootstrap Job alone", () => {
    const holders = Object.entries(workloads)
      .filter(([, refs]) => refs["estrena-minio-root"])
      .map(([w]) => w)
      .sort();
    expect(holders).toEqual(["Job/minio-bootstrap", "StatefulSet/minio"]);
  });

  it("gives each function, the gateway and the resync only their own identity (the catalogue also the studio's login)", () => {
    const s3 = (w: string) =>
      Object.keys(workloads[w] ?? {})
        .filter((n) => n.startsWith("estrena-s3-"))
        .sort();
    expect(Object.fromEntries(["ingest", "transcode", "catalogue", "deadletter", "gateway"].map((f) => [f, s3(`Service/${f}`)]))).toEqual({
      ingest: ["estrena-s3-ingest"],
      transcode: ["estrena-s3-transcode"],
      catalogue: ["estrena-s3-catalogue", "estrena-s3-editor"],
      deadletter: ["estrena-s3-deadletter"],
      gateway: ["estrena-s3-gateway"],
    });
    expect(workloads["Service/catalogue"]?.["estrena-s3-editor"]).toEqual(["ESTRENA_EDITOR_USER", "ESTRENA_EDITOR_PASSWORD"]);
    expect(s3("CronJob/resync")).toEqual(["estrena-s3-resync"]);
  });

  it("hands the bootstrap every identity under the variables lib/runtime/identities.ts names", () => {
    const refs = workloads["Job/minio-bootstrap"] ?? {};
    const got = Object.fromEntries(IDENTITY_NAMES.map((n) => [n, refs[`estrena-s3-${n}`]]));
    const want = Object.fromEntries(IDENTITY_NAMES.map((n) => [n, [IDENTITIES[n].userEnv, IDENTITIES[n].secretEnv]]));
    expect(got).toEqual(want);
  });
});
