import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { allManifests, type Manifest } from "./support/manifests.js";
import { describeErrors, knativePodSpecErrors, knativeValidators, metadataErrors } from "./support/validators.js";

const manifests = allManifests();
const validators = knativeValidators();
const knative = manifests.filter((m) => /\.knative\.dev\//.test(m.doc.apiVersion));

const FLAG = /accessible behind a feature flag - ([\w.-]+)/;

/** Fields a manifest sets whose CRD description says a Knative feature flag gates them (the webhook rejects those). */
function gatedFields(data: unknown, schema: Record<string, unknown> | undefined, path: string): string[] {
  if (!schema || data === null || typeof data !== "object") return [];
  const flag = typeof schema.description === "string" ? FLAG.exec(schema.description)?.[1] : undefined;
  const here = flag && path ? [`${path} needs ${flag}`] : [];
  if (Array.isArray(data))
    return [...here, ...data.flatMap((d, i) => gatedFields(d, schema.items as Record<string, unknown>, `${path}[${i}]`))];
  const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (!props) return here;
  return [
    ...here,
    ...Object.entries(data as Record<string, unknown>).flatMap(([k, v]) => {
      const sub = props[k];
      const subFlag = sub && typeof sub.description === "string" ? FLAG.exec(sub.description)?.[1] : undefined;
      return subFlag ? [`${path}/${k} needs ${subFlag}`] : gatedFields(v, sub, `${path}/${k}`);
    }),
  ];
}

function schemaErrors(m: Manifest): string[] {
  const v = validators.get(`${m.doc.apiVersion} ${m.doc.kind}`);
  if (!v) return [`${m.file}: no vendored schema for ${m.doc.apiVersion} ${m.doc.kind}`];
  return v(m.doc) ? [] : describeErrors(m.file, v.errors);
}

describe("Knative manifests against the CRD schemas, strictly", () => {
  it("covers the kinds we deploy", () => {
    const kinds = [...new Set(knative.map((m) => `${m.doc.apiVersion} ${m.doc.kind}`))].sort();
    expect(kinds).toEqual([
      "eventing.knative.dev/v1 Broker",
      "eventing.knative.dev/v1 Trigger",
      "serving.knative.dev/v1 Service",
      "sources.knative.dev/v1 SinkBinding",
    ]);
  });

  it("has 0 schema errors", () => {
    expect(knative.flatMap(schemaErrors)).toEqual([]);
  });

  it("has valid metadata on every Knative object and its Service templates", () => {
    const errors = knative.flatMap((m) => {
      const tmpl = (m.doc.spec as { template?: { metadata?: unknown } } | undefined)?.template;
      return [...metadataErrors(m.file, m.doc.metadata), ...(tmpl?.metadata ? metadataErrors(`${m.file} template`, tmpl.metadata) : [])];
    });
    expect(errors).toEqual([]);
  });

  it("uses no field that a Knative feature flag gates (the schema accepts them, the webhook does not)", () => {
    const dir = join(import.meta.dirname, "schemas");
    const gated = knative.flatMap((m) => {
      const file = `${m.doc.apiVersion.replace("/", "_")}_${m.doc.kind}.json`;
      const schema = (JSON.parse(readFileSync(join(dir, file), "utf8")) as { schema: Record<string, unknown> }).schema;
      return gatedFields(m.doc, schema, "").map((g) => `${m.file}: ${g}`);
    });
    expect(gated).toEqual([]);
    // The check itself: a pod-level securityContext is gated by kubernetes.podspec-securitycontext.
    const svc = knative.find((m) => m.doc.kind === "Service")!;
    const doc = structuredClone(svc.doc) as { spec: { template: { spec: Record<string, unknown> } } };
    doc.spec.template.spec.securityContext = { fsGroup: 1 };
    const schema = (
      JSON.parse(readFileSync(join(dir, "serving.knative.dev_v1_Service.json"), "utf8")) as { schema: Record<string, unknown> }
    ).schema;
    expect(gatedFields(doc, schema, "")).toEqual(["/spec/template/spec/securityContext needs kubernetes.podspec-securitycontext"]);
  });

  it("has Service PodSpecs that are valid core PodSpecs", () => {
    const services = knative.filter((m) => m.doc.kind === "Service");
    const errors = services.flatMap((m) =>
      knativePodSpecErrors(m.file, (m.doc.spec as { template: { spec: Record<string, unknown> } }).template.spec),
    );
    expect(errors).toEqual([]);
  });

  // The strictness is the point of this suite: prove that a typo anywhere is caught, including under fields
  // Knative marks x-kubernetes-preserve-unknown-fields (a Service's template spec, a Broker's delivery).
  it.each([
    ["a container field", "serving.knative.dev/v1 Service", ["spec", "template", "spec", "containers", 0], "imagePullPolicyy"],
    ["a template spec field", "serving.knative.dev/v1 Service", ["spec", "template", "spec"], "containerConcurency"],
    ["a delivery field", "eventing.knative.dev/v1 Broker", ["spec", "delivery"], "retries"],
    ["a trigger spec field", "eventing.knative.dev/v1 Trigger", ["spec"], "filterz"],
    ["a sink field", "sources.knative.dev/v1 SinkBinding", ["spec", "sink"], "reff"],
  ])("rejects an unknown field: %s", (_what, kind, path, field) => {
    const original = knative.find((m) => `${m.doc.apiVersion} ${m.doc.kind}` === kind);
    if (!original) throw new Error(`no ${kind} manifest`);
    const doc = structuredClone(original.doc);
    let node: Record<string | number, unknown> = doc as never;
    for (const p of path) node = node[p] as Record<string | number, unknown>;
    node[field] = "x";
    const errors = schemaErrors({ file: original.file, doc });
    expect(errors).toEqual([`${original.file}: /${path.join("/")} must NOT have additional properties (unknown field "${field}")`]);
  });

  it("rejects a wrongly typed value", () => {
    const original = knative.find((m) => m.doc.kind === "Service");
    if (!original) throw new Error("no Service manifest");
    const doc = structuredClone(original.doc) as { spec: { template: { spec: Record<string, unknown> } } };
    doc.spec.template.spec.containerConcurrency = "one";
    expect(schemaErrors({ file: original.file, doc: doc as never })).toEqual([
      `${original.file}: /spec/template/spec/containerConcurrency must be integer`,
    ]);
  });
});
