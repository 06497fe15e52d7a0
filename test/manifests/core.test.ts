import { describe, expect, it } from "vitest";
import { allManifests } from "./support/manifests.js";
import { CORE_MODELS, modelErrors } from "./support/validators.js";

const core = allManifests().filter((m) => !/\.knative\.dev\//.test(m.doc.apiVersion));

describe("core Kubernetes manifests (kubernetes-models)", () => {
  it("uses only kinds we can validate", () => {
    const unknown = core.map((m) => `${m.doc.apiVersion} ${m.doc.kind}`).filter((k) => !(k in CORE_MODELS));
    expect(unknown).toEqual([]);
  });

  it("has 0 validation errors", () => {
    const errors = core.flatMap((m) => {
      const Model = CORE_MODELS[`${m.doc.apiVersion} ${m.doc.kind}`];
      return Model ? modelErrors(m.file, () => new Model(m.doc as never)) : [];
    });
    expect(errors).toEqual([]);
  });

  it("catches a broken core manifest", () => {
    const deployment = core.find((m) => m.doc.kind === "Deployment");
    if (!deployment) throw new Error("no Deployment");
    const doc = structuredClone(deployment.doc) as { spec: { replicas: unknown } };
    doc.spec.replicas = "one";
    const Model = CORE_MODELS["apps/v1 Deployment"]!;
    expect(modelErrors(deployment.file, () => new Model(doc as never))).toEqual([`${deployment.file}: /spec/replicas must be integer`]);
  });
});
