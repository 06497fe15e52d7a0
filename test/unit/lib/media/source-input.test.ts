import { describe, expect, it } from "vitest";
import { inputProtocols, sourceUnreachable, withoutUrlQueries } from "../../../../lib/media/source-input.js";

describe("sourceUnreachable: storage down is retried, a damaged file is not", () => {
  it.each([
    ["http://127.0.0.1:9000/uploads/a.mp4?X-Amz-Signature=x: Connection refused", true],
    ["Server returned 5XX Server Error reply", true],
    ["HTTP error 503 Service Unavailable", true],
    ["Connection reset by peer", true],
    ["Connection timed out", true],
    ["Input/output error", true],
    ["Error while decoding stream #0:0: Invalid data found when processing input", false],
    ["moov atom not found", false],
    ["Server returned 403 Forbidden (access denied)", false],
  ])("%s → %s", (text, unreachable) => {
    expect(sourceUnreachable(text)).toBe(unreachable);
  });

  it("reads a URL with its own scheme over TCP, a path with file only", () => {
    expect(inputProtocols("http://minio:9000/x")).toBe("http,tcp");
    expect(inputProtocols("https://s3.example/x")).toBe("https,tls,tcp");
    expect(inputProtocols("/tmp/x.mp4")).toBe("file");
  });
});

describe("withoutUrlQueries: a presigned URL's signature never reaches a log or an event", () => {
  it.each([
    [
      "http://127.0.0.1:9000/uploads/a.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=transcode%2F20261201&X-Amz-Signature=abc: Invalid data",
      "http://127.0.0.1:9000/uploads/a.mp4: Invalid data",
    ],
    ["Input #0, mov, from 'https://s3.example/u/b.mp4?X-Amz-Signature=1':", "Input #0, mov, from 'https://s3.example/u/b.mp4':"],
    ["ffmpeg exited with code 1: moov atom not found", "ffmpeg exited with code 1: moov atom not found"],
    ["a question? with no URL", "a question? with no URL"],
  ])("%s", (text, clean) => {
    expect(withoutUrlQueries(text)).toBe(clean);
    expect(withoutUrlQueries(text)).not.toMatch(/X-Amz/);
  });
});
