import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, allManifests, ofKind } from "./support/manifests.js";

/*
 * What Knative's admission webhooks would reject (the CRD schema allows it), checked here because no cluster runs
 * in CI: unknown or malformed autoscaling annotations, timeouts above max-revision-timeout-seconds, max-scale
 * above max-scale-limit. Plus the choices docs/operations.md documents, so the doc and the manifests cannot drift.
 */
const manifests = allManifests();
const services = ofKind(manifests, "serving.knative.dev/v1", "Service");
const servingConfig = (name: string): Record<string, string> => {
  const cm = manifests.find(
    (m) => m.doc.kind === "ConfigMap" && m.doc.metadata.namespace === "knative-serving" && m.doc.metadata.name === name,
  );
  if (!cm) throw new Error(`no ${name} ConfigMap`);
  return cm.doc.data as Record<string, string>;
};

interface Template {
  metadata: { annotations: Record<string, string> };
  spec: { containerConcurrency?: number; timeoutSeconds?: number };
}
const template = (name: string): Template => {
  const s = services.find((m) => m.doc.metadata.name === name);
  if (!s) throw new Error(`no Service ${name}`);
  return (s.doc.spec as { template: Template }).template;
};

const int = /^\d+$/;
const duration = /^\d+(ms|s|m|h)$/;
const ANNOTATIONS: Record<string, RegExp> = {
  class: /^(kpa|hpa)\.autoscaling\.knative\.dev$/,
  metric: /^(concurrency|rps|cpu|memory)$/,
  target: /^\d+(\.\d+)?$/,
  "target-utilization-percentage": /^\d+(\.\d+)?$/,
  "min-scale": int,
  "max-scale": int,
  "initial-scale": int,
  "activation-scale": int,
  "scale-down-delay": duration,
  "scale-to-zero-pod-retention-period": duration,
  window: duration,
  "panic-window-percentage": /^\d+(\.\d+)?$/,
  "panic-threshold-percentage": /^\d+(\.\d+)?$/,
  "target-burst-capacity": /^-?\d+$/,
};

describe("Knative autoscaling settings", () => {
  it("uses only known autoscaling annotations, with well-formed values", () => {
    const problems = services.flatMap((s) =>
      Object.entries((s.doc.spec as { template: Template }).template.metadata.annotations)
        .filter(([k]) => k.startsWith("autoscaling.knative.dev/"))
        .flatMap(([k, v]) => {
          const re = ANNOTATIONS[k.slice("autoscaling.knative.dev/".length)];
          return !re ? [`${s.file}: unknown annotation ${k}`] : re.test(v) ? [] : [`${s.file}: ${k}=${v}`];
        }),
    );
    expect(problems).toEqual([]);
  });

  it("keeps every timeoutSeconds within max-revision-timeout-seconds and every max-scale within max-scale-limit", () => {
    const maxTimeout = Number(servingConfig("config-defaults")["max-revision-timeout-seconds"]);
    const maxScaleLimit = Number(servingConfig("config-autoscaler")["max-scale-limit"]);
    const problems = services.flatMap((s) => {
      const t = (s.doc.spec as { template: Template }).template;
      const out: string[] = [];
      if ((t.spec.timeoutSeconds ?? 0) > maxTimeout) out.push(`${s.file}: timeoutSeconds ${t.spec.timeoutSeconds} > ${maxTimeout}`);
      const maxScale = Number(t.metadata.annotations["autoscaling.knative.dev/max-scale"] ?? "0");
      if (maxScale === 0 || maxScale > maxScaleLimit) out.push(`${s.file}: max-scale ${maxScale} must be 1..${maxScaleLimit}`);
      return out;
    });
    expect(problems).toEqual([]);
  });

  it("runs one transcode job per pod, with a bounded scale-out and a timeout that fits a chunk", () => {
    const t = template("transcode");
    expect(t.spec.containerConcurrency).toBe(1);
    expect(t.metadata.annotations["autoscaling.knative.dev/target"]).toBe("1");
    expect(t.metadata.annotations["autoscaling.knative.dev/max-scale"]).toBe("4");
    expect(t.spec.timeoutSeconds).toBe(300);
  });

  it("scales catalogue to zero after a retention period, and the gateway on requests per second", () => {
    const c = template("catalogue");
    expect(c.metadata.annotations["autoscaling.knative.dev/min-scale"]).toBe("0");
    expect(c.metadata.annotations["autoscaling.knative.dev/scale-to-zero-pod-retention-period"]).toBe("10m");
    expect(servingConfig("config-autoscaler")["enable-scale-to-zero"]).toBe("true");
    const g = template("gateway");
    expect(g.metadata.annotations["autoscaling.knative.dev/metric"]).toBe("rps");
    expect(g.metadata.annotations["autoscaling.knative.dev/min-scale"]).toBe("1");
  });

  it("keeps everything but the gateway off the public ingress", () => {
    const publicNames = services
      .filter((s) => s.doc.metadata.labels?.["networking.knative.dev/visibility"] !== "cluster-local")
      .map((s) => s.doc.metadata.name);
    expect(publicNames).toEqual(["gateway"]);
  });
});

describe("docs/operations.md", () => {
  const doc = readFileSync(join(ROOT, "docs/operations.md"), "utf8");

  it("explains every autoscaling annotation and every serving setting the manifests set", () => {
    const annotations = services.flatMap((s) =>
      Object.keys((s.doc.spec as { template: Template }).template.metadata.annotations)
        .filter((k) => k.startsWith("autoscaling.knative.dev/"))
        .map((k) => k.slice("autoscaling.knative.dev/".length)),
    );
    const settings = ["config-autoscaler", "config-defaults"].flatMap((n) => Object.keys(servingConfig(n)));
    const knobs = [...new Set([...annotations.filter((a) => a !== "class"), ...settings, "containerConcurrency", "timeoutSeconds"])];
    expect(knobs.filter((k) => !doc.includes(`\`${k}\``))).toEqual([]);
  });
});
