// Runs the simulator's Go tests (Knative's KPA decider on our manifests, checked against what Knative documents)
// and the `npm run sizing` entry once, so `npm test` covers both. The first run compiles knative.dev/serving's
// autoscaler packages; the printed durations are that CI cost.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..", "..", "..");
const sizing = join(root, "tools", "sizing");
const env = { ...process.env, PATH: `${process.env.PATH}:/usr/local/go/bin` };
const charts = mkdtempSync(join(tmpdir(), "estrena-sizing-"));
afterAll(() => rmSync(charts, { recursive: true, force: true }));

function timed<T>(label: string, run: () => T): T {
  const start = Date.now();
  try {
    return run();
  } finally {
    console.log(`sizing: ${label} took ${((Date.now() - start) / 1000).toFixed(1)} s`);
  }
}

it("passes the simulator's Go tests (steady state, panic, max-scale, scale-to-zero, manifest changes)", () => {
  const out = timed("go test (build included)", () =>
    execFileSync("go", ["test", "-count=1", "-v", "./..."], { cwd: sizing, env, encoding: "utf8", stdio: "pipe" }),
  );
  const passed = out.split("\n").filter((l) => l.startsWith("--- PASS"));
  expect(out).toMatch(/^ok\s+estrena\.local\/tools\/sizing/m);
  expect(passed.length).toBeGreaterThanOrEqual(9);
}, 600_000);

it("npm run sizing prints a profile's table and writes its chart", () => {
  const out = timed("npm run sizing -- --profile morning", () =>
    execFileSync("bash", [join(sizing, "sizing.sh"), "--profile", "morning", "--charts", charts], { env, encoding: "utf8", stdio: "pipe" }),
  );
  expect(out).toMatch(/^morning: .*\n\s+service\s+peak pods\s+wait p50/m);
  expect(out).toMatch(/^\s+catalogue\s+1\s/m);
  const svg = readFileSync(join(charts, "morning.svg"), "utf8");
  expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  expect(svg).toContain("catalogue (peak 1 pods)");
  expect(existsSync(join(root, ".estrena", "bin", "sizing"))).toBe(true);
}, 600_000);

it("a what-if prints today's figure beside the changed one, and a refused value names Knative's rule", () => {
  const out = execFileSync(
    "bash",
    [join(sizing, "sizing.sh"), "--profile", "morning", "--charts", charts, "--set", "catalogue.cold-start=400ms"],
    {
      env,
      encoding: "utf8",
    },
  );
  expect(out).toMatch(/first request waits: [\d.]+ s → 2\.\d s/);
  let message = "";
  try {
    execFileSync("bash", [join(sizing, "sizing.sh"), "--profile", "burst", "--set", "transcode.max-scale=50"], {
      env,
      encoding: "utf8",
      stdio: "pipe",
    });
  } catch (err) {
    message = String((err as { stderr?: string }).stderr);
  }
  expect(message).toMatch(/^sizing: service transcode: autoscaling annotations: .*max-scale/m);
  expect(message).not.toMatch(/goroutine|\.go:\d+/);
}, 600_000);
