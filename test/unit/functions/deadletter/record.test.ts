import { CloudEvent } from "cloudevents";
import { describe, expect, it } from "vitest";
import { deadLetterRecord } from "../../../../functions/deadletter/record.js";

const at = new Date("2026-11-24T05:06:07.089Z");

describe("deadLetterRecord", () => {
  it("keys by day, time, type and id, and keeps the event with Knative's error extensions", () => {
    const event = new CloudEvent({
      id: "abc/1",
      type: "dev.estrena.video.ready",
      source: "/estrena",
      subject: "v0123456789abcdef012",
      datacontenttype: "application/json",
      data: { videoId: "v0123456789abcdef012" },
      knativeerrorcode: "500",
      knativeerrordest: "http://catalogue.estrena.svc.cluster.local",
      knativeerrordata: Buffer.from("boom").toString("base64"),
    });
    const r = deadLetterRecord(event, at);
    expect(r.key).toBe("deadletter/2026-11-24/2026-11-24T05-06-07-089Z-dev.estrena.video.ready-abc_1.json");
    expect(r.summary).toEqual({
      ceId: "abc/1",
      type: "dev.estrena.video.ready",
      videoId: "v0123456789abcdef012",
      errorCode: "500",
      errorDest: "http://catalogue.estrena.svc.cluster.local",
    });
    const body = JSON.parse(r.body) as Record<string, unknown>;
    expect(body.receivedAt).toBe("2026-11-24T05:06:07.089Z");
    expect(body.errorBody).toBe("boom");
    expect(body.errors).toEqual({
      knativeerrorcode: "500",
      knativeerrordest: "http://catalogue.estrena.svc.cluster.local",
      knativeerrordata: "Ym9vbQ==",
    });
    expect((body.event as { data: unknown }).data).toEqual({ videoId: "v0123456789abcdef012" });
  });

  it("takes the video id from the subject when the data has none, and leaves it out otherwise", () => {
    const withSubject = new CloudEvent({
      id: "1",
      type: "com.amazonaws.s3.ObjectRemoved:Delete",
      source: "minio:uploads",
      subject: "v0123456789abcdef012",
      data: {},
    });
    expect(deadLetterRecord(withSubject, at).summary).toEqual({
      ceId: "1",
      type: "com.amazonaws.s3.ObjectRemoved:Delete",
      videoId: "v0123456789abcdef012",
    });
    const without = new CloudEvent({
      id: "2",
      type: "com.amazonaws.s3.ObjectRemoved:Delete",
      source: "minio:uploads",
      subject: "clip%20one.mp4",
      data: {},
    });
    expect(deadLetterRecord(without, at).summary).toEqual({ ceId: "2", type: "com.amazonaws.s3.ObjectRemoved:Delete" });
    expect(JSON.parse(deadLetterRecord(without, at).body).errors).toEqual({});
  });
});
