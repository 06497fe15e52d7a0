/**
 * Vendors the openAPIV3Schema of Knative CRDs as JSON, one file per served kind and version, so the manifest
 * tests never read ../shared or the network:
 *   node dist/scripts/knative-schemas.js [CRD_DIR] [OUT_DIR]
 * Defaults: ../shared/knative-crds (the team's reference copies) → test/manifests/schemas.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";

/** One served version of one CRD, as vendored. */
export interface VendoredSchema {
  readonly apiVersion: string;
  readonly kind: string;
  /** The CRD file it came from (name as upstream). */
  readonly crdFile: string;
  readonly schema: Record<string, unknown>;
}

interface CrdDoc {
  kind?: string;
  spec?: {
    group?: string;
    names?: { kind?: string };
    versions?: { name: string; served?: boolean; schema?: { openAPIV3Schema?: Record<string, unknown> } }[];
  };
}

/** Extracts every served version's schema from the YAML text of a CRD file. */
export function schemasFromCrd(text: string, crdFile: string): VendoredSchema[] {
  const out: VendoredSchema[] = [];
  for (const doc of parseAllDocuments(text)) {
    const crd = doc.toJS() as CrdDoc | null;
    if (crd?.kind !== "CustomResourceDefinition" || !crd.spec?.group || !crd.spec.names?.kind) continue;
    for (const v of crd.spec.versions ?? []) {
      const schema = v.schema?.openAPIV3Schema;
      if (!v.served || !schema) continue;
      out.push({ apiVersion: `${crd.spec.group}/${v.name}`, kind: crd.spec.names.kind, crdFile, schema });
    }
  }
  return out;
}

/** File name of a vendored schema, e.g. `serving.knative.dev_v1_Service.json`. */
export function schemaFileName(s: Pick<VendoredSchema, "apiVersion" | "kind">): string {
  return `${s.apiVersion.replace("/", "_")}_${s.kind}.json`;
}

/** Reads every `*.yaml` CRD in `crdDir` and returns file name → JSON text, sorted. */
export function renderSchemas(crdDir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const f of readdirSync(crdDir)
    .filter((n) => n.endsWith(".yaml"))
    .sort()) {
    for (const s of schemasFromCrd(readFileSync(join(crdDir, f), "utf8"), f))
      files.set(schemaFileName(s), `${JSON.stringify(s, null, 1)}\n`);
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

function main(): void {
  const crdDir = resolve(process.argv[2] ?? "../shared/knative-crds");
  const outDir = resolve(process.argv[3] ?? "test/manifests/schemas");
  mkdirSync(outDir, { recursive: true });
  const files = renderSchemas(crdDir);
  for (const [name, text] of files) writeFileSync(join(outDir, name), text);
  console.log(`knative-schemas: wrote ${files.size} schemas from ${crdDir} to ${outDir}`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
