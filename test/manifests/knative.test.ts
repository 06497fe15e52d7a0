import { describe, expect, it } from "vitest";
import { allManifests, type Manifest } from "./support/manifests.js";
import { describeErrors, knativePodSpecErrors, knativeValidators, metadataErrors } from "./support/validators.js";

const manifests = allManifests();
const validators = knativeValidators();
const knative = manifests.filter((m) => /\.knative\.dev\//.test(m.doc.apiVersion));

function schemaErrors(m: Manifest): string[] {
  const v = validators.get(`${m.doc.apiVersion} ${m.doc.kind}`);
  if (!v) return [`${m.file}: no vendored schema for ${m.doc.apiVersion} ${m.doc.kind}`];
  return v(m.doc) ? [] : describeErrors(m.file, v.errors);
}

describe("Knative manifests against the CRD schemas, strictly", () => {
  it("covers the kinds we deploy", () => {
    const kinds = [...new Set(knative.map((m) => `${m.doc.apiVersion} ${m.doc.kind}`))].sort();
    expect(kinds).toEqual(["eventing.knative.dev/v1 Broker", "eventing.knative.dev/v1 Trigger", "serving.knative.dev/v1 Service", "sources.knative.dev/v1 SinkBinding"]);
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

  it("has Service PodSpecs that are valid core PodSpecs", () => {
    const services = knative.filter((m) => m.doc.kind === "Service");
    const errors = services.flatMap((m) => knativePodSpecErrors(m.file, (m.doc.spec as { template: { spec: Record<string, unknown> } }).template.spec));
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
    expect(schemaErrors({ file: original.file, doc: doc as never })).toEqual([`${original.file}: /spec/template/spec/containerConcurrency must be integer`]);
  });
});
