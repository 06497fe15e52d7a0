import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { allVariables, configSection } from "../../scripts/config-table.js";
import { identityVariables } from "../../lib/runtime/identities.js";
import { loadCredentials, stackSettings } from "../../lib/runtime/stack-settings.js";

describe("README configuration", () => {
  const readme = readFileSync("README.md", "utf8");

  it.each(allVariables().map((v) => v.name))("documents %s", (name) => {
    expect(readme).toContain(`| \`${name}\` |`);
  });

  it("has the generated table up to date (node dist/scripts/config-table.js --write README.md)", () => {
    expect(readme).toContain(configSection());
  });

  it("never shows a literal root password", () => {
    expect(readme).not.toMatch(/MINIO_ROOT_PASSWORD=\S/);
    expect(readme).not.toContain("minioadmin");
  });
});

describe("stack settings", () => {
  it("names the variable and the expected form when a value is bad", () => {
    expect(() => stackSettings({ ESTRENA_GATEWAY_PORT: "eighty", ESTRENA_REDIS_MAXMEMORY: "lots" })).toThrow(
      /ESTRENA_GATEWAY_PORT="eighty" is invalid \(nginx gateway: web page, \/api\/, \/stream\/, \/healthz\).*\n.*ESTRENA_REDIS_MAXMEMORY="lots" is invalid .*expected e\.g\. 256mb/,
    );
  });

  it("uses the README's defaults", () => {
    expect(stackSettings({}).ports).toEqual({
      gateway: 8080,
      minio: 9000,
      console: 9001,
      redis: 6390,
      router: 8090,
      ingest: 8091,
      transcode: 8092,
      catalogue: 8093,
    });
  });
});

describe("local credentials", () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("are generated once into credentials.env (0600) and reused", () => {
    dir = mkdtempSync(join(tmpdir(), "estrena-creds-"));
    const first = loadCredentials(dir, {});
    expect(first.generated).toEqual([
      "MINIO_ROOT_USER",
      "MINIO_ROOT_PASSWORD",
      "WEBHOOK_AUTH_TOKEN",
      "EVENT_AUTH_TOKEN",
      ...identityVariables(),
    ]);
    expect(first.identities.editor.user).toBe("editor");
    expect(first.identities.editor.secret).not.toBe(first.identities.gateway.secret);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    const again = loadCredentials(dir, {});
    expect(again.generated).toEqual([]);
    expect([again.user, again.password, again.webhookToken]).toEqual([first.user, first.password, first.webhookToken]);
    expect(again.identities).toEqual(first.identities);
  });

  it("take the environment first and keep the file for what it does not set", () => {
    dir = mkdtempSync(join(tmpdir(), "estrena-creds-"));
    const saved = loadCredentials(dir, {});
    const c = loadCredentials(dir, { MINIO_ROOT_USER: "operator", MINIO_ROOT_PASSWORD: "from-the-environment" });
    expect([c.user, c.password, c.webhookToken]).toEqual(["operator", "from-the-environment", saved.webhookToken]);
    expect(readFileSync(c.file, "utf8")).toContain(`MINIO_ROOT_USER=${saved.user}`);
  });

  it("refuse a password MinIO would refuse", () => {
    dir = mkdtempSync(join(tmpdir(), "estrena-creds-"));
    expect(() => loadCredentials(dir, { MINIO_ROOT_PASSWORD: "short" })).toThrow("MINIO_ROOT_PASSWORD must have at least 8 characters");
  });
});

describe("scripts/install.sh", () => {
  it("has nothing to do, and says nothing with --quiet, once everything is installed", () => {
    // npm test has just run it, so this second run must find every package, node_modules and the MinIO binary.
    expect(execFileSync("bash", ["scripts/install.sh", "--quiet"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })).toBe("");
  });
});
