import { describe, expect, it } from "vitest";
import { ConfigError, configVariables, parseConfig } from "../../../../lib/runtime/config.js";

const base = {
  S3_ENDPOINT: "http://127.0.0.1:9000",
  S3_ACCESS_KEY: "editor",
  S3_SECRET_KEY: "a-long-secret",
  REDIS_URL: "redis://127.0.0.1:6390/0",
};

describe("parseConfig", () => {
  it("applies defaults and coerces numbers", () => {
    const c = parseConfig(base);
    expect(c.segmentSeconds).toBe(4);
    expect(c.uploadsBucket).toBe("uploads");
    expect(c.streamBucket).toBe("stream");
    expect(c.sink).toBe("");
  });

  it.each([
    [{ ...base, S3_ENDPOINT: undefined }, /S3_ENDPOINT is required/],
    [{ ...base, S3_ENDPOINT: "not a url" }, /S3_ENDPOINT="not a url" is invalid/],
    [{ ...base, SEGMENT_SECONDS: "zero" }, /SEGMENT_SECONDS="zero" is invalid/],
    [{ ...base, SEGMENT_SECONDS: "0" }, /SEGMENT_SECONDS/],
    [{ ...base, UPLOADS_BUCKET: "Bad_Bucket" }, /UPLOADS_BUCKET/],
    [{ ...base, K_SINK: "nowhere" }, /K_SINK/],
  ])("names the bad variable (%#)", (env, message) => {
    expect(() => parseConfig(env)).toThrow(message);
  });

  it("never echoes secrets in its errors", () => {
    try {
      parseConfig({ ...base, S3_SECRET_KEY: "short" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain('S3_SECRET_KEY="***"');
      expect((err as Error).message).not.toContain("short");
    }
  });

  it("reads an empty variable as unset: the default applies, and a required one is missing", () => {
    expect(parseConfig({ ...base, LOG_LEVEL: "", SEGMENT_SECONDS: "" }).logLevel).toBe("info");
    expect(parseConfig({ ...base, SEGMENT_SECONDS: "" }).segmentSeconds).toBe(4);
    expect(() => parseConfig({ ...base, REDIS_URL: "" })).toThrow(/REDIS_URL is required/);
  });

  it("reports every problem at once", () => {
    expect(() => parseConfig({})).toThrow(/S3_ENDPOINT[\s\S]*S3_ACCESS_KEY[\s\S]*S3_SECRET_KEY[\s\S]*REDIS_URL/);
  });

  it("lists each variable once", () => {
    const names = configVariables().map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain("REDIS_URL");
  });
});
