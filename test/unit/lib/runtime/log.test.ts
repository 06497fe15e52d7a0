import { describe, expect, it } from "vitest";
import { eventFields } from "../../../../lib/runtime/log.js";

describe("eventFields", () => {
  it.each([
    [
      "video id in data",
      { id: "e1", type: "dev.estrena.video.ready", subject: "v0123456789abcdef012", data: { videoId: "vffffffffffffffffff0" } },
      { ceId: "e1", type: "dev.estrena.video.ready", videoId: "vffffffffffffffffff0" },
    ],
    [
      "video id only in subject",
      { id: "e2", type: "dev.estrena.video.deleted", subject: "v0123456789abcdef012" },
      { ceId: "e2", type: "dev.estrena.video.deleted", videoId: "v0123456789abcdef012" },
    ],
    [
      "an object key as subject",
      { id: "e3", type: "com.amazonaws.s3.ObjectRemoved:Delete", subject: "clip.mp4", data: { key: "clip.mp4" } },
      { ceId: "e3", type: "com.amazonaws.s3.ObjectRemoved:Delete" },
    ],
    ["null data", { id: "e4", type: "x", data: null }, { ceId: "e4", type: "x" }],
  ])("binds ceId, type and videoId: %s", (_what, event, fields) => {
    expect(eventFields(event)).toEqual(fields);
  });
});
