// `npm run test:knative` (out of CI: the binaries take ~15 min to compile cold): Knative Serving's real controller
// on a loopback etcd + kube-apiserver, with our config maps and every manifest in knative/ and minio/ applied.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster, moduleDir, type Obj, ROOT, readManifests } from "./cluster.js";

const enabled = process.env.ESTRENA_KNATIVE === "1";
const yamls = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml")
    .sort()
    .map((f) => join(dir, f));
const AUTOSCALING = "autoscaling.knative.dev/";

describe.skipIf(!enabled)("Knative Serving's controller on our manifests", () => {
  let dir = "";
  let cluster: Cluster;
  const ours = readManifests([...yamls(join(ROOT, "knative")), ...yamls(join(ROOT, "minio"))]);
  const services = ours.filter((o) => o.apiVersion === "serving.knative.dev/v1" && o.kind === "Service");
  const applied: string[] = [];
  const refused: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "estrena-knative-"));
    cluster = new Cluster(dir);
    await cluster.startApiServer();
    const serving = moduleDir("controller", "knative.dev/serving");
    const networking = moduleDir("controller", "knative.dev/networking");
    const caching = moduleDir("controller", "knative.dev/caching");
    // Knative's own CRDs and default config maps from the modules the controller was built from.
    const knative = readManifests([
      join(serving, "config", "core", "100-namespace.yaml"),
      ...yamls(join(serving, "config", "core", "300-resources")),
      ...["certificate", "domain-claim", "ingress", "serverlessservice", "config-network"].map((f) =>
        join(networking, "config", `${f}.yaml`),
      ),
      join(caching, "config", "image.yaml"),
      ...yamls(join(serving, "config", "core", "configmaps")),
    ]);
    // Eventing's CRDs are not in any served module: the schemas kept in shared/ make our Broker, Triggers and
    // SinkBindings storable (nothing reconciles them).
    const eventing = readManifests(
      ["broker", "trigger", "sinkbindings"].map((f) => join(ROOT, "..", "shared", "knative-crds", `${f}.yaml`)),
    );
    for (const o of [...knative, ...eventing]) await cluster.apply(o);
    // Namespaces first, then everything else in file order; our config maps replace Knative's defaults.
    for (const o of [...ours.filter((o) => o.kind === "Namespace"), ...ours.filter((o) => o.kind !== "Namespace")]) {
      try {
        await cluster.apply(o);
        applied.push(`${o.kind}/${o.metadata.name}`);
      } catch (err) {
        refused.push((err as Error).message);
      }
    }
    cluster.startController();
  }, 300_000);

  afterAll(async () => {
    await cluster?.stop();
    // ESTRENA_KNATIVE_KEEP=1 keeps the logs (etcd, kube-apiserver, controller) for a failed run.
    if (dir && process.env.ESTRENA_KNATIVE_KEEP === "1") console.log(`logs kept in ${dir}`);
    else if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("applies every manifest in knative/ and minio/", () => {
    expect(refused).toEqual([]);
    expect(applied.length).toBe(ours.length);
  });

  it("gives every Knative Service a Revision, a Deployment with our container spec and a PodAutoscaler with our annotations", async () => {
    expect(services.map((s) => s.metadata.name).sort()).toEqual(["catalogue", "deadletter", "gateway", "ingest", "transcode"]);
    for (const svc of services) {
      const ns = svc.metadata.namespace ?? "default";
      const selector = `serving.knative.dev/service=${svc.metadata.name}`;
      const tmpl = (svc.spec as { template: { metadata: { annotations: Record<string, string> }; spec: TemplateSpec } }).template;
      let revision: Obj | undefined;
      let deployment: Obj | undefined;
      let pa: Obj | undefined;
      await cluster.until(
        `${svc.metadata.name}: Revision, Deployment and PodAutoscaler`,
        async () => {
          [revision] = await cluster.list("serving.knative.dev/v1", "revisions", ns, selector);
          [deployment] = await cluster.list("apps/v1", "deployments", ns, selector);
          [pa] = await cluster.list("autoscaling.internal.knative.dev/v1alpha1", "podautoscalers", ns, selector);
          return !!(revision && deployment && pa);
        },
        120_000,
      );
      const want = tmpl.spec.containers[0]!;
      const pod = (deployment!.spec as { template: { spec: { containers: Container[] } } }).template.spec;
      const got = pod.containers.find((c) => c.name === want.name);
      expect(got, `${svc.metadata.name}: user container in the Deployment`).toBeDefined();
      expect(got!.image).toBe(want.image);
      expect(got!.resources).toEqual(want.resources);
      expect(got!.securityContext).toMatchObject(want.securityContext ?? {});
      for (const e of want.env ?? []) expect(got!.env).toContainEqual(e);
      expect(got!.envFrom).toEqual(want.envFrom);
      expect(pod.containers.map((c) => c.name)).toContain("queue-proxy");
      const ours = Object.entries(tmpl.metadata.annotations).filter(([k]) => k.startsWith(AUTOSCALING));
      expect(ours.length).toBeGreaterThan(0);
      for (const [k, v] of ours) expect(pa!.metadata.annotations?.[k], `${svc.metadata.name}: PodAutoscaler ${k}`).toBe(v);
      expect((pa!.spec as { containerConcurrency?: number }).containerConcurrency ?? 0).toBe(tmpl.spec.containerConcurrency ?? 0);
    }
  }, 300_000);

  it("the controller runs with our config maps and logs no configuration error", async () => {
    // Knative logs JSON lines; a refused ConfigMap is an ERROR/FATAL line naming the configuration or the rule
    // (e.g. "max-scale = 0, must be in [1, max-scale-limit(20)] range"). Stack traces are left out of the match.
    const lines = cluster
      .log("controller")
      .split("\n")
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as { severity?: string; message?: string; error?: string }];
        } catch {
          return [];
        }
      });
    const errors = lines
      .filter((l) => /^(ERROR|FATAL|PANIC)$/.test(l.severity ?? ""))
      .map((l) => `${l.message} ${l.error ?? ""}`)
      .filter((m) => /config|must be|range|invalid|pars/i.test(m));
    expect(lines.some((l) => l.message === "Reconcile succeeded")).toBe(true);
    expect(errors).toEqual([]);
    expect(cluster.procs.at(-1)!.exitCode, "the controller exited").toBeNull();
  });

  it("leaves nothing running", async () => {
    await cluster.stop();
    for (const p of cluster.procs) expect(p.exitCode !== null || p.signalCode !== null).toBe(true);
  });
});

interface Container {
  name: string;
  image: string;
  resources?: unknown;
  securityContext?: Record<string, unknown>;
  env?: unknown[];
  envFrom?: unknown[];
}
interface TemplateSpec {
  containerConcurrency?: number;
  containers: Container[];
}
