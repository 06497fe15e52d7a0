import { HTTP, type CloudEvent } from "cloudevents";
import { describe, expect, it } from "vitest";
import {
  decodeKey,
  decodeMetaValue,
  headerSafe,
  isSidecar,
  notificationToEvents,
  SIDECAR_TYPE,
  parseNotification,
  recordKind,
  titleOf,
} from "../../../../functions/ingest/s3-event.js";
import { EstrenaError } from "../../../../lib/contracts/errors.js";
import { parseEventData, type RemovedData, type UploadData } from "../../../../lib/contracts/events.js";
import { streamPrefix, videoId } from "../../../../lib/runtime/ids.js";
import { DELETE, MULTIPART, PUT_WITH_TITLE, withObject } from "./fixtures.js";

const map = (body: unknown) => notificationToEvents(parseNotification(body));

describe("decodeKey", () => {
  it.each([
    ["plain.mp4", "plain.mp4"],
    ["a+b.mp4", "a b.mp4"],
    ["a%2Bb.mp4", "a+b.mp4"],
    ["100%25.mp4", "100%.mp4"],
    ["dir%2Fsub%2Fx.mp4", "dir/sub/x.mp4"],
    ["%C3%BC+%C3%A9.mp4", "ü é.mp4"],
    ["%E6%97%A5%E6%9C%AC%E8%AA%9E+%E5%8B%95%E7%94%BB.mp4", "日本語 動画.mp4"],
    ["%252e%252e%2Fx.mp4", "%2e%2e/x.mp4"],
    ["a%5Cb.mp4", "a\\b.mp4"],
    ["ctl%01%1F.mp4", "ctl\u0001\u001f.mp4"],
    ["tab%09nl%0A.mp4", "tab\tnl\n.mp4"],
    ["..%2F..%2Fetc%2Fpasswd", "../../etc/passwd"],
  ])("%s → %j", (escaped, key) => {
    expect(decodeKey(escaped)).toBe(key);
  });

  it.each([["%ZZ.mp4"], ["%C3.mp4"], ["trailing%"]])("rejects %s as bad-request", (escaped) => {
    expect(() => decodeKey(escaped)).toThrow(EstrenaError);
    expect(() => decodeKey(escaped)).toThrow(/not valid query-escaped UTF-8/);
  });
});

describe("headerSafe", () => {
  it.each([
    ["plain.mp4", "plain.mp4"],
    ["a b.mp4", "a%20b.mp4"],
    ['say "hi"', "say%20%22hi%22"],
    ["100%", "100%25"],
    ["ü", "%C3%BC"],
    ["tab\tnl\n", "tab%09nl%0A"],
    ["日", "%E6%97%A5"],
    ["a+b/c\\d", "a+b/c\\d"],
  ])("%j → %s", (raw, encoded) => {
    expect(headerSafe(raw)).toBe(encoded);
  });
});

describe("titles from user metadata", () => {
  it.each([
    [undefined, undefined],
    [{}, undefined],
    [{ "X-Amz-Meta-Title": "My Title" }, "My Title"],
    [{ "x-amz-meta-title": "lower case" }, "lower case"],
    [{ "X-Amz-Meta-Title": "   " }, undefined],
    [{ "X-Amz-Meta-Title": "=?UTF-8?B?w7xiZXI=?=" }, "über"],
    [{ "X-Amz-Meta-Title": "=?utf-8?q?caf=C3=A9_cr=C3=A8me?=" }, "café crème"],
    [{ "content-type": "video/mp4" }, undefined],
  ])("%j → %j", (meta, title) => {
    expect(titleOf(meta)).toBe(title);
  });

  it("leaves text that only looks encoded alone", () => {
    expect(decodeMetaValue("=?ISO-8859-1?Q?x?=")).toBe("=?ISO-8859-1?Q?x?=");
  });
});

describe("recordKind", () => {
  it.each([
    ["s3:ObjectCreated:Put", "created"],
    ["s3:ObjectCreated:Post", "created"],
    ["s3:ObjectCreated:Copy", "created"],
    ["s3:ObjectCreated:CompleteMultipartUpload", "created"],
    ["s3:ObjectCreated:PutTagging", "ignored"],
    ["s3:ObjectCreated:DeleteTagging", "ignored"],
    ["s3:ObjectCreated:PutRetention", "ignored"],
    ["s3:ObjectCreated:PutLegalHold", "ignored"],
    ["s3:ObjectRemoved:Delete", "removed"],
    ["s3:ObjectRemoved:DeleteMarkerCreated", "removed"],
    ["s3:ObjectRemoved:DeleteAllVersions", "removed"],
    ["s3:ObjectRemoved:NoOP", "ignored"],
    ["s3:ObjectAccessed:Get", "ignored"],
    ["s3:Replication:OperationFailedReplication", "ignored"],
  ])("%s → %s", (name, kind) => {
    expect(recordKind(name)).toBe(kind);
  });
});

describe("MinIO notification → CloudEvents", () => {
  it("maps a captured PUT per the AWS-S3 adapter", () => {
    const [event, ...rest] = map(PUT_WITH_TITLE) as CloudEvent<UploadData>[];
    expect(rest).toEqual([]);
    const key = "a b+c%d/ü é.mp4";
    expect({ ...event!.toJSON() }).toEqual({
      id: "created-6fd6c0b209e8b7a0a0fd71950c93c78d",
      type: "com.amazonaws.s3.ObjectCreated:Put",
      source: "minio:s3..uploads",
      specversion: "1.0",
      subject: "a%20b+c%25d/%C3%BC%20%C3%A9.mp4",
      time: "2026-11-24T04:23:07.082Z",
      datacontenttype: "application/json",
      data: {
        videoId: videoId("uploads", key, "5d41402abc4b2a76b9719d911017c592"),
        bucket: "uploads",
        key,
        size: 5,
        etag: "5d41402abc4b2a76b9719d911017c592",
        contentType: "video/mp4",
        title: "My Title",
        eventName: "s3:ObjectCreated:Put",
        eventTime: "2026-11-24T04:23:07.082Z",
      },
    });
  });

  it("maps a captured multipart completion to an ObjectCreated event", () => {
    const [event] = map(MULTIPART) as CloudEvent<UploadData>[];
    expect(event!.type).toBe("com.amazonaws.s3.ObjectCreated:CompleteMultipartUpload");
    expect(event!.data).toEqual({
      videoId: videoId("uploads", "multi part.mp4", "31eb1e789bcd3d33960abe120235bf32-1"),
      bucket: "uploads",
      key: "multi part.mp4",
      size: 11534336,
      etag: "31eb1e789bcd3d33960abe120235bf32-1",
      contentType: "binary/octet-stream",
      title: "Multi",
      eventName: "s3:ObjectCreated:CompleteMultipartUpload",
      eventTime: "2026-11-24T04:23:17.517Z",
    });
  });

  it("maps a captured delete: no ETag, so no video id; bucket and decoded key instead", () => {
    const [event] = map(DELETE) as CloudEvent<RemovedData>[];
    expect(event!.type).toBe("com.amazonaws.s3.ObjectRemoved:Delete");
    expect(event!.id).toBe("removed-c529bc741551ebabb3e26bb531641445");
    expect(event!.data).toEqual({
      bucket: "uploads",
      key: "a b+c%d/ü é.mp4",
      sequencer: "18EAE073475FF59F",
      eventName: "s3:ObjectRemoved:Delete",
      eventTime: "2026-11-24T04:23:07.184Z",
    });
  });

  it("gives the same id to the same object version however it arrived (Put, Copy, redelivery)", () => {
    const put = map(PUT_WITH_TITLE)[0]!;
    const again = map(withObject(PUT_WITH_TITLE, { sequencer: "18EAE0FFFFFFFFFF" }))[0]!;
    const copy = map(withObject(PUT_WITH_TITLE, {}, "s3:ObjectCreated:Copy"))[0]!;
    const quoted = map(withObject(PUT_WITH_TITLE, { eTag: '"5d41402abc4b2a76b9719d911017c592"' }))[0]!;
    expect([again.id, copy.id, quoted.id]).toEqual([put.id, put.id, put.id]);
    expect(map(withObject(PUT_WITH_TITLE, { eTag: "0".repeat(32) }))[0]!.id).not.toBe(put.id);
    expect(map(withObject(PUT_WITH_TITLE, { key: "other.mp4" }))[0]!.id).not.toBe(put.id);
  });

  it("gives distinct deletes of one key distinct ids, and a redelivered delete the same id", () => {
    const first = map(DELETE)[0]!;
    expect(map(structuredClone(DELETE))[0]!.id).toBe(first.id);
    expect(map(withObject(DELETE as typeof PUT_WITH_TITLE, { sequencer: "18EAE0000000000F" }))[0]!.id).not.toBe(first.id);
  });

  it("takes the region into the source when MinIO has one", () => {
    const body = structuredClone(PUT_WITH_TITLE);
    body.Records[0]!.awsRegion = "eu-west-1";
    expect(map(body)[0]!.source).toBe("minio:s3.eu-west-1.uploads");
  });

  it("maps every record of a batch, in order, and skips metadata-only ones", () => {
    const body = {
      Records: [...PUT_WITH_TITLE.Records, ...withObject(PUT_WITH_TITLE, {}, "s3:ObjectCreated:PutTagging").Records, ...DELETE.Records],
    };
    expect(map(body).map((e) => e.type)).toEqual(["com.amazonaws.s3.ObjectCreated:Put", "com.amazonaws.s3.ObjectRemoved:Delete"]);
  });

  it.each([
    ["an empty Records array", { Records: [] }],
    ["an s3:TestEvent probe", { Service: "Amazon S3", Event: "s3:TestEvent", Time: "2026-11-24T04:00:00.000Z", Bucket: "uploads" }],
  ])("accepts %s and emits nothing", (_, body) => {
    expect(map(body)).toEqual([]);
  });

  it.each([
    ["a string", "hello", "invalid S3 notification at body: expected an S3 event notification: a JSON object"],
    ["an array", [], "invalid S3 notification at body: expected an S3 event notification: a JSON object"],
    ["null", null, "invalid S3 notification at body: expected an S3 event notification: a JSON object"],
    ["an object without Records", { foo: 1 }, "body: expected an S3 event notification: an object with a Records array"],
    ["Records that is not an array", { Records: {} }, "at Records: "],
    [
      "a record without s3",
      { Records: [{ eventSource: "minio:s3", eventTime: "2026-11-24T04:23:07.082Z", eventName: "s3:ObjectCreated:Put" }] },
      "at Records.0.s3: ",
    ],
    [
      "a bad eventName",
      withObject(PUT_WITH_TITLE, {}, "ObjectCreated"),
      'at Records.0.eventName: expected an S3 event name like "s3:ObjectCreated:Put"',
    ],
    ["a bad eventTime", { Records: [{ ...PUT_WITH_TITLE.Records[0], eventTime: "yesterday" }] }, "at Records.0.eventTime: "],
    ["an empty key", withObject(PUT_WITH_TITLE, { key: "" }), "at Records.0.s3.object.key: object key is empty"],
    ["a negative size", withObject(PUT_WITH_TITLE, { size: -1 }), "at Records.0.s3.object.size: "],
  ])("rejects %s", (_, body, message) => {
    expect(() => map(body)).toThrow(EstrenaError);
    try {
      map(body);
    } catch (err) {
      expect((err as EstrenaError).code).toBe("bad-request");
      expect((err as EstrenaError).message).toContain(message);
    }
  });

  it.each([
    ["no eTag", { eTag: undefined }, "has no eTag"],
    ["an empty eTag", { eTag: '""' }, "has no eTag"],
    ["a badly escaped key", { key: "%E0%A4%A" }, "not valid query-escaped UTF-8"],
  ])("rejects an ObjectCreated record with %s, and the whole batch with it", (_, patch, message) => {
    const body = { Records: [...PUT_WITH_TITLE.Records, ...withObject(PUT_WITH_TITLE, patch).Records] };
    expect(() => map(body)).toThrow(message);
  });
});

it("maps an ObjectCreated record without size (MinIO's empty object) to size 0", () => {
  const [ev] = map(withObject(PUT_WITH_TITLE, { size: undefined }));
  expect((ev!.data as { size: number }).size).toBe(0);
});

describe("subtitle sidecars", () => {
  it.each(["talk.vtt", "talks/talk.en.vtt", "TALK.EN.SRT", "a b/c.srt"])("%s becomes a sidecar event, never a video", (key) => {
    const escaped = encodeURIComponent(key).replace(/%20/g, "+");
    for (const body of [PUT_WITH_TITLE, MULTIPART]) {
      const [event, ...rest] = map(withObject(body, { key: escaped }));
      expect(rest).toEqual([]);
      expect(event?.type).toBe(SIDECAR_TYPE);
      expect(event?.data).toEqual({
        bucket: "uploads",
        key,
        size: body.Records[0]!.s3.object.size,
        etag: body.Records[0]!.s3.object.eTag,
        eventTime: body.Records[0]!.eventTime,
      });
      expect(parseEventData(SIDECAR_TYPE, event?.data)).toEqual(event?.data);
      expect(JSON.stringify(event?.data)).not.toContain("videoId");
    }
    expect(map(withObject(DELETE, { key: escaped }))).toEqual([]);
    expect(isSidecar(key)).toBe(true);
  });
  it.each(["talk.mp4", "talk.vtt.mp4", "vtt", "subtitles/readme.txt"])("%s is not a sidecar", (key) => {
    expect(isSidecar(key)).toBe(false);
  });
});

describe("hostile keys", () => {
  const hostile = [
    "../../etc/passwd",
    "/leading/slash.mp4",
    "..\\..\\windows\\system32.mp4",
    "ctl\u0000\u0001\u001f\u007f.mp4",
    "line\r\nbreak: injected-header.mp4",
    `${"a".repeat(250)}/${"b".repeat(250)}/${"c".repeat(250)}/${"d".repeat(246)}.mp4`,
    "日本語 動画 🎬.mp4",
    "plus+and%percent%2F.mp4",
    'quote"and space .mp4',
  ];

  it.each(hostile.map((k) => [k]))("%j maps, keeps the key in data, a header-safe subject, and a stream prefix from the id only", (key) => {
    const escaped = encodeURIComponent(key).replace(/%20/g, "+");
    const [event] = map(withObject(PUT_WITH_TITLE, { key: escaped })) as CloudEvent<UploadData>[];
    expect(event!.data!.key).toBe(key);
    expect(event!.subject).toMatch(/^[\x21-\x7e]+$/);
    expect(decodeURIComponent(event!.subject!)).toBe(key);
    expect(streamPrefix(event!.data!.videoId)).toMatch(/^videos\/v[0-9a-f]{19}\/$/);
    // The event must survive binary-mode HTTP: Node refuses header values with CR, LF or non-Latin-1 characters.
    const msg = HTTP.binary(event!);
    expect(() => new Headers(msg.headers as Record<string, string>)).not.toThrow();
    const back = HTTP.toEvent({ headers: msg.headers, body: msg.body }) as CloudEvent<UploadData>;
    expect(back.data).toEqual(event!.data);
  });
});
