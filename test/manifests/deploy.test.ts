import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT, allManifests } from "./support/manifests.js";

/*
 * scripts/deploy-minikube.sh cannot run here (no cluster, no Docker engine), so check what can drift statically:
 * its syntax, the files it applies, and that the images it builds are exactly the Dockerfile targets the
 * manifests and the compose file run.
 */
const script = readFileSync(join(ROOT, "scripts/deploy-minikube.sh"), "utf8");
const dockerfile = readFileSync(join(ROOT, "docker/Dockerfile"), "utf8");
const stages = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]!);
const targets = /^TARGETS=\(([^)]*)\)$/m.exec(script)?.[1]?.trim().split(/\s+/) ?? [];

function imagesIn(text: string): string[] {
  return [...text.matchAll(/dev\.local\/estrena\/([a-z-]+):/g)].map((m) => m[1]!);
}

describe("deploy:minikube and the images", () => {
  it("is valid bash and wired to npm run deploy:minikube", () => {
    execFileSync("bash", ["-n", join(ROOT, "scripts/deploy-minikube.sh")]);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts["deploy:minikube"]).toBe("bash scripts/deploy-minikube.sh");
  });

  it("applies only files that exist", () => {
    const paths = [...script.matchAll(/(?:-f|-k) ((?:knative|minio)\/\S*)/g)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });

  it("builds every image the manifests and compose run, each a Dockerfile target", () => {
    const used = new Set([
      ...imagesIn(JSON.stringify(allManifests().map((m) => m.doc))),
      ...imagesIn(readFileSync(join(ROOT, "compose/docker-compose.yml"), "utf8")),
    ]);
    expect([...used].sort()).toEqual([...targets].sort());
    expect(targets.filter((t) => !stages.includes(t))).toEqual([]);
  });

  it("builds compose images from the same targets they are tagged with", () => {
    const compose = parse(readFileSync(join(ROOT, "compose/docker-compose.yml"), "utf8")) as {
      services: Record<string, { image?: string; build?: { target?: string } }>;
    };
    const mismatched = Object.entries(compose.services)
      .filter(([, s]) => s.build)
      .filter(([, s]) => s.image !== `dev.local/estrena/${s.build!.target}:${/:([^:]+)$/.exec(s.image ?? "")?.[1]}`)
      .map(([name]) => name);
    expect(mismatched).toEqual([]);
  });
});
