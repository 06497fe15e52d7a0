import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { uploadTarget } from "../../../../tools/upload/client.js";

/** Where `npm run upload` and the watcher find MinIO and its credentials. */
describe("upload target", () => {
  const dirs: string[] = [];
  const stateDir = (creds?: string) => {
    const d = mkdtempSync(join(tmpdir(), "estrena-uploader-"));
    dirs.push(d);
    if (creds !== undefined) writeFileSync(join(d, "credentials.env"), creds);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const view = (t: ReturnType<typeof uploadTarget>) => {
    const c = t.client as unknown as { host: string; port: number; accessKey: string; partSize: number };
    return { endpoint: t.endpoint, bucket: t.bucket, host: c.host, port: c.port, accessKey: c.accessKey, partSize: c.partSize };
  };

  it("uses S3_* variables when they are set (what the stack gives the watcher)", () => {
    const t = uploadTarget({
      ESTRENA_STATE_DIR: stateDir(),
      S3_ENDPOINT: "http://127.0.0.1:19000",
      S3_ACCESS_KEY: "editor",
      S3_SECRET_KEY: "editor-secret",
      UPLOADS_BUCKET: "inbox",
    });
    expect(view(t)).toEqual({
      endpoint: "http://127.0.0.1:19000",
      bucket: "inbox",
      host: "127.0.0.1",
      port: 19000,
      accessKey: "editor",
      partSize: 16 * 1024 * 1024,
    });
  });

  it("otherwise finds the local stack: its MinIO port and the editors' login it generated, never root's", () => {
    const dir = stateDir(
      "# generated\nMINIO_ROOT_USER=estrena-root\nMINIO_ROOT_PASSWORD=pw-from-file-123\nWEBHOOK_AUTH_TOKEN=tok\n" +
        "ESTRENA_EDITOR_USER=estrena-abc\nESTRENA_EDITOR_PASSWORD=editor-pw-123\n",
    );
    const t = uploadTarget({ ESTRENA_STATE_DIR: dir, ESTRENA_MINIO_PORT: "19123", ESTRENA_UPLOAD_PART_MB: "5" });
    expect(view(t)).toEqual({
      endpoint: "http://127.0.0.1:19123",
      bucket: "uploads",
      host: "127.0.0.1",
      port: 19123,
      accessKey: "estrena-abc",
      partSize: 5 * 1024 * 1024,
    });
  });

  it("prefers ESTRENA_EDITOR_* in the environment over the file", () => {
    const dir = stateDir(
      "MINIO_ROOT_USER=root\nMINIO_ROOT_PASSWORD=pw-from-file-123\nESTRENA_EDITOR_USER=from-file\nESTRENA_EDITOR_PASSWORD=pw-1234\n",
    );
    expect(
      view(uploadTarget({ ESTRENA_STATE_DIR: dir, ESTRENA_EDITOR_USER: "from-env", ESTRENA_EDITOR_PASSWORD: "pw-from-env-123" })).accessKey,
    ).toBe("from-env");
  });

  it("never invents credentials", () => {
    const dir = stateDir();
    expect(() => uploadTarget({ ESTRENA_STATE_DIR: dir })).toThrow(
      `no S3 credentials: set S3_ACCESS_KEY and S3_SECRET_KEY, or start the stack once (npm start) so ${join(dir, "credentials.env")} exists`,
    );
  });

  it.each([
    [{ ESTRENA_UPLOAD_PART_MB: "4" }, "ESTRENA_UPLOAD_PART_MB"],
    [{ S3_ENDPOINT: "not a url" }, "S3_ENDPOINT"],
  ])("names a bad variable: %j", (env, name) => {
    expect(() => uploadTarget({ ESTRENA_STATE_DIR: stateDir(), S3_ACCESS_KEY: "a", S3_SECRET_KEY: "b", ...env })).toThrow(
      new RegExp(`bad upload configuration:\\n  ${name}=`),
    );
  });
});
