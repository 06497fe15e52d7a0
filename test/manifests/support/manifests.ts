import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseAllDocuments } from "yaml";

export const ROOT = resolve(import.meta.dirname, "../../..");

/** A parsed Kubernetes object and the file it came from (relative to the repo root). */
export interface Manifest {
  readonly file: string;
  readonly doc: K8sObject;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** Every YAML document in a file. */
export function readYaml(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, "utf8")).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0]?.message}`);
    return d.toJS() as unknown;
  });
}

/** The resources a kustomization builds, following nested kustomization directories (as `kubectl apply -k`). */
export function kustomize(dir: string): Manifest[] {
  const abs = resolve(ROOT, dir);
  const k = readYaml(join(abs, "kustomization.yaml"))[0] as { resources?: string[] };
  const out: Manifest[] = [];
  for (const r of k.resources ?? []) {
    const p = resolve(abs, r);
    if (!existsSync(p)) throw new Error(`${dir}/kustomization.yaml lists ${r}, which does not exist`);
    if (statSync(p).isDirectory()) out.push(...kustomize(relative(ROOT, p)));
    else for (const doc of readYaml(p)) out.push({ file: relative(ROOT, p), doc: doc as K8sObject });
  }
  return out;
}

/** Every `*.yaml` file under `dir` except kustomization files, relative to the repo root. */
export function yamlFiles(dir: string): string[] {
  const abs = resolve(ROOT, dir);
  const out: string[] = [];
  for (const e of readdirSync(abs, { withFileTypes: true })) {
    const p = join(abs, e.name);
    if (e.isDirectory()) out.push(...yamlFiles(relative(ROOT, p)));
    else if (e.name.endsWith(".yaml") && e.name !== "kustomization.yaml") out.push(relative(ROOT, p));
  }
  return out.sort();
}

/** All manifests an operator applies: `kubectl apply -k knative/` (which includes minio/). */
export function allManifests(): Manifest[] {
  return kustomize("knative");
}

export function ofKind(ms: readonly Manifest[], apiVersion: string, kind: string): Manifest[] {
  return ms.filter((m) => m.doc.apiVersion === apiVersion && m.doc.kind === kind);
}

export function dirOf(file: string): string {
  return dirname(file);
}
