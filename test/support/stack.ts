import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { createLogger } from "../../lib/runtime/log.js";
import { startStack, type StackHandle, type StackOptions } from "../../dev/stack.js";
import { REPO_ROOT, SERVICE_PORTS, type Ports } from "../../lib/runtime/stack-settings.js";

export type TestStack = StackHandle & {
  /** Stops the stack and deletes its state directory (kept when ESTRENA_KEEP_TEST_STATE=1, for reading logs). */
  cleanup(): Promise<void>;
};

/** Ports nobody is listening on right now, all distinct. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const srv = createServer();
          srv.once("error", reject);
          srv.listen(0, () => resolve(srv));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p, ext));
    else if (e.name.endsWith(ext) && !e.name.endsWith(".d.ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The stack's children run compiled code from dist/. `npm test` builds first; when a single test file is run
 * with `npx vitest run`, recompile if any source is newer than its output (type errors are reported, not fatal).
 */
export function ensureBuilt(): void {
  const stale = ["functions", "lib", "tools", "dev", "scripts"].some((d) => {
    const src = join(REPO_ROOT, d);
    return (
      existsSync(src) &&
      newestMtime(src, ".ts") > (existsSync(join(REPO_ROOT, "dist", d)) ? newestMtime(join(REPO_ROOT, "dist", d), ".js") : 0)
    );
  });
  if (!stale) return;
  try {
    execFileSync(process.execPath, [join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(REPO_ROOT, "tsconfig.json")], {
      stdio: "pipe",
    });
  } catch (err) {
    process.stderr.write(
      `tsc reported errors (output was still written):\n${String((err as { stdout?: Buffer }).stdout ?? "").slice(0, 2000)}\n`,
    );
  }
}

/**
 * Starts the full stack (MinIO, Redis, router, functions, watcher, nginx) on free ports in a fresh temp state
 * directory; never reuses a running stack. The MinIO binary is the one scripts/install.sh built.
 */
export async function startTestStack(opts: Omit<StackOptions, "stateDir" | "ports"> & { ports?: Partial<Ports> } = {}): Promise<TestStack> {
  ensureBuilt();
  const stateDir = mkdtempSync(join(tmpdir(), "estrena-test-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ESTRENA_MEDIA_DIR: join(stateDir, "media"),
    ESTRENA_MINIO_BIN: process.env.ESTRENA_MINIO_BIN ?? join(REPO_ROOT, ".estrena", "bin", "minio"),
    ...opts.env,
  };
  // Never inherit the developer's stack settings or credentials.
  for (const k of ["ESTRENA_STATE_DIR", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "WEBHOOK_AUTH_TOKEN"]) if (!opts.env?.[k]) delete env[k];
  const log = createLogger("test-stack", process.env.ESTRENA_TEST_LOG ?? "warn");
  let stack: StackHandle | undefined;
  // Free ports can be taken by another test run between our check and the bind: pick new ones and try again.
  for (let attempt = 1; !stack; attempt++) {
    const free = await freePorts(SERVICE_PORTS.length);
    const ports = { ...(Object.fromEntries(SERVICE_PORTS.map((p, i) => [p, free[i]])) as Ports), ...opts.ports };
    try {
      stack = await startStack({ ...opts, env, stateDir, ports, log });
    } catch (err) {
      const busy = /already in use|EADDRINUSE|Address already in use/i.test((err as Error).message);
      if (busy && attempt < 3 && !opts.ports) continue;
      throw new Error(`test stack did not start (logs in ${stateDir}/logs): ${(err as Error).message}`);
    }
  }
  const started = stack;
  return {
    ...started,
    cleanup: async () => {
      await started.stop();
      if (process.env.ESTRENA_KEEP_TEST_STATE !== "1") rmSync(stateDir, { recursive: true, force: true });
      else process.stderr.write(`test stack state kept in ${relative(process.cwd(), stateDir) || stateDir}\n`);
    },
  };
}
