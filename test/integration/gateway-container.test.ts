import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/stack-config.js";
import { ensureBuilt } from "../support/stack.js";

/*
 * The gateway image renders nginx.conf at start with dist/scripts/gateway-container.js (docker/gateway-run.sh).
 * Run that exact command with a container-like environment, then let the real nginx check the result.
 * Host names are local ones: `nginx -t` resolves upstream servers, and compose/Knative names do not resolve here.
 */
const dir = mkdtempSync(join(tmpdir(), "estrena-gw-container-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("gateway container render", () => {
  it("renders a config nginx accepts, sending the catalogue its own Host", () => {
    ensureBuilt();
    const env = {
      PATH: process.env.PATH ?? "",
      PORT: "18080",
      CATALOGUE_URL: "http://localhost:18093",
      S3_ENDPOINT: "http://localhost:19000",
      STREAM_BUCKET: "stream",
      REDIS_URL: "redis://localhost:16379/0",
      GATEWAY_PREFIX: join(dir, "prefix"),
      GATEWAY_WEB_ROOT: join(dir, "web"),
    };
    const conf = execFileSync(process.execPath, [join(REPO_ROOT, "dist/scripts/gateway-container.js")], { env, encoding: "utf8" }).trim();
    expect(conf).toBe(join(dir, "prefix/conf/nginx.conf"));
    const text = readFileSync(conf, "utf8");
    expect(text).toContain("listen 18080;");
    expect(text.match(/proxy_set_header Host localhost:18093;/g)).toHaveLength(2);
    // nginx -t exits non-zero (execFileSync throws, with nginx's message) when it rejects the file.
    const nginx = existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
    const report = execFileSync(nginx, ["-t", "-p", join(dir, "prefix"), "-c", conf], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    expect(report).toBe("");
  });

  it("names the missing variable when the environment is incomplete", () => {
    ensureBuilt();
    let message = "";
    try {
      execFileSync(process.execPath, [join(REPO_ROOT, "dist/scripts/gateway-container.js")], { env: { PATH: process.env.PATH ?? "" }, encoding: "utf8", stdio: "pipe" });
    } catch (err) {
      message = String((err as { stderr?: string }).stderr);
    }
    expect(message).toContain("CATALOGUE_URL is required");
    expect(message).toContain("S3_ENDPOINT is required");
    expect(message).toContain("REDIS_URL is required");
  });
});
