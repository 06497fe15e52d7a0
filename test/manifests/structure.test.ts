import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
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

  it("never commits a Secret, only references to estrena-credentials", () => {
    expect(manifests.filter((m) => m.doc.kind === "Secret").map((m) => m.file)).toEqual([]);
    const refs = new Set<string>();
    JSON.stringify(
      manifests.map((m) => m.doc),
      (k, v: unknown) => {
        if (k === "secretKeyRef" || k === "secretRef") refs.add((v as { name: string }).name);
        return v;
      },
    );
    expect([...refs]).toEqual(["estrena-credentials"]);
  });
});
