import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "minio";
import { REPO_ROOT } from "../../lib/runtime/stack-settings.js";
import { readEnvFile } from "../../tools/compose/env.js";
import { freePorts } from "./stack.js";

/** The docker.io client, which speaks BuildKit (tools/images/engine.sh picks the same). */
export const DOCKER = "/usr/bin/docker";

/** A compose deployment of its own (project, env file, ports, media folder), driven through npm run compose. */
export interface ComposeStack {
  readonly project: string;
  readonly gateway: string;
  readonly minioPort: number;
  /** The env file's values (credentials of every identity). */
  readonly values: Record<string, string>;
  /** Runs `tools/compose/compose.sh ARGS` for this project; throws with its output when it fails. */
  compose(...args: string[]): string;
  /** The id of a service's container. */
  container(service: string): string;
  /** An S3 client for an identity of the env file, e.g. "ESTRENA_EDITOR_USER"/"ESTRENA_EDITOR_PASSWORD". */
  s3(userVar: string, secretVar: string): Client;
  /** down -v and removes the temporary files. */
  destroy(): void;
}

/** Seconds since `t0` (Date.now()), one decimal, for the durations the suite prints. */
export const secondsSince = (t0: number) => Math.round((Date.now() - t0) / 100) / 10;

/** Builds every image with npm run images (its progress goes to the test's output). */
export function buildImages(): void {
  const r = spawnSync("bash", [join(REPO_ROOT, "tools/images/images.sh")], { cwd: REPO_ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`npm run images failed with status ${r.status}`);
}

/** Starts a compose project on free ports, from a fresh env file and empty volumes, and waits until it is healthy. */
export async function startCompose(project: string): Promise<ComposeStack> {
  const dir = mkdtempSync(join(tmpdir(), "estrena-compose-e2e-"));
  const [gatewayPort, minioPort, consolePort] = (await freePorts(3)) as [number, number, number];
  const env = {
    ...process.env,
    ESTRENA_COMPOSE_PROJECT: project,
    ESTRENA_COMPOSE_ENV: join(dir, "compose.env"),
    ESTRENA_GATEWAY_PORT: String(gatewayPort),
    ESTRENA_MINIO_PORT: String(minioPort),
    ESTRENA_CONSOLE_PORT: String(consolePort),
    ESTRENA_MEDIA_DIR: join(dir, "media"),
  };
  const compose = (...args: string[]) => {
    try {
      return execFileSync("bash", [join(REPO_ROOT, "tools/compose/compose.sh"), ...args], {
        cwd: REPO_ROOT,
        env,
        encoding: "utf8",
        stdio: "pipe",
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`npm run compose -- ${args.join(" ")} failed:\n${e.stdout ?? ""}${e.stderr ?? e.message}`);
    }
  };
  // A project left by an interrupted run would keep its volumes: start from nothing.
  compose("down", "-v");
  compose("up");
  const values = readEnvFile(env.ESTRENA_COMPOSE_ENV);
  return {
    project,
    gateway: `http://127.0.0.1:${gatewayPort}`,
    minioPort,
    values,
    compose,
    container: (service) => {
      const id = execFileSync(
        DOCKER,
        ["ps", "-aq", "--filter", `label=com.docker.compose.project=${project}`, "--filter", `label=com.docker.compose.service=${service}`],
        { encoding: "utf8" },
      ).trim();
      if (!id) throw new Error(`no ${service} container in project ${project}`);
      return id.split("\n")[0] as string;
    },
    s3: (userVar, secretVar) =>
      new Client({
        endPoint: "127.0.0.1",
        port: minioPort,
        useSSL: false,
        accessKey: values[userVar] as string,
        secretKey: values[secretVar] as string,
      }),
    destroy: () => {
      try {
        compose("down", "-v");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
