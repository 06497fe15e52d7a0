import { describe, expect, it } from "vitest";
import { matchTrigger, parseFilter, type Filter, type TriggerSpecFilters } from "../../../../tools/router/filters.js";

const put = {
  specversion: "1.0",
  id: "1",
  source: "minio:s3..uploads",
  type: "com.amazonaws.s3.ObjectCreated:Put",
  subject: "clip.mp4",
  videoid: "v123",
};
const progress = { specversion: "1.0", id: "2", source: "/estrena", type: "dev.estrena.video.progress", subject: "v123" };

const cases: { name: string; spec: TriggerSpecFilters; event: Record<string, unknown>; expected: boolean }[] = [
  { name: "no filter selects everything", spec: {}, event: put, expected: true },
  { name: "empty filters list falls back to legacy (none) → everything", spec: { filters: [] }, event: progress, expected: true },
  { name: "exact type matches", spec: { filters: [{ exact: { type: "dev.estrena.video.progress" } }] }, event: progress, expected: true },
  {
    name: "exact type is case-sensitive",
    spec: { filters: [{ exact: { type: "dev.estrena.video.Progress" } }] },
    event: progress,
    expected: false,
  },
  { name: "exact on an absent attribute fails", spec: { filters: [{ exact: { videoid: "v123" } }] }, event: progress, expected: false },
  { name: "exact on an extension", spec: { filters: [{ exact: { videoid: "v123" } }] }, event: put, expected: true },
  {
    name: "exact with two attributes needs both",
    spec: { filters: [{ exact: { type: put.type, subject: "other.mp4" } }] },
    event: put,
    expected: false,
  },
  {
    name: "prefix ObjectCreated: selects Put",
    spec: { filters: [{ prefix: { type: "com.amazonaws.s3.ObjectCreated:" } }] },
    event: put,
    expected: true,
  },
  {
    name: "prefix ObjectCreated: skips removal",
    spec: { filters: [{ prefix: { type: "com.amazonaws.s3.ObjectCreated:" } }] },
    event: { ...put, type: "com.amazonaws.s3.ObjectRemoved:Delete" },
    expected: false,
  },
  {
    name: "prefix selects multipart completion",
    spec: { filters: [{ prefix: { type: "com.amazonaws.s3.ObjectCreated:" } }] },
    event: { ...put, type: "com.amazonaws.s3.ObjectCreated:CompleteMultipartUpload" },
    expected: true,
  },
  { name: "suffix on subject", spec: { filters: [{ suffix: { subject: ".mp4" } }] }, event: put, expected: true },
  { name: "suffix mismatch", spec: { filters: [{ suffix: { subject: ".mkv" } }] }, event: put, expected: false },
  {
    name: "filters list is a conjunction",
    spec: { filters: [{ prefix: { type: "dev.estrena." } }, { exact: { subject: "v999" } }] },
    event: progress,
    expected: false,
  },
  {
    name: "all: every branch",
    spec: { filters: [{ all: [{ prefix: { type: "dev.estrena." } }, { suffix: { type: ".progress" } }] }] },
    event: progress,
    expected: true,
  },
  {
    name: "all: one branch fails",
    spec: { filters: [{ all: [{ prefix: { type: "dev.estrena." } }, { suffix: { type: ".ready" } }] }] },
    event: progress,
    expected: false,
  },
  {
    name: "any: one branch suffices",
    spec: { filters: [{ any: [{ exact: { type: "x" } }, { exact: { subject: "v123" } }] }] },
    event: progress,
    expected: true,
  },
  {
    name: "any: no branch",
    spec: { filters: [{ any: [{ exact: { type: "x" } }, { exact: { type: "y" } }] }] },
    event: progress,
    expected: false,
  },
  { name: "not inverts", spec: { filters: [{ not: { prefix: { type: "dev.estrena.video." } } }] }, event: progress, expected: false },
  { name: "not of a miss matches", spec: { filters: [{ not: { exact: { type: "x" } } }] }, event: progress, expected: true },
  {
    name: "legacy attributes exact",
    spec: { filter: { attributes: { type: "dev.estrena.video.progress" } } },
    event: progress,
    expected: true,
  },
  {
    name: "legacy attributes mismatch",
    spec: { filter: { attributes: { type: "dev.estrena.video.ready" } } },
    event: progress,
    expected: false,
  },
  {
    name: "legacy empty value means any",
    spec: { filter: { attributes: { type: "", subject: "v123" } } },
    event: progress,
    expected: true,
  },
  {
    name: "filters win over legacy filter",
    spec: { filters: [{ exact: { type: "dev.estrena.video.progress" } }], filter: { attributes: { type: "nope" } } },
    event: progress,
    expected: true,
  },
];

describe("Trigger filter matching", () => {
  it.each(cases)("$name", ({ spec, event, expected }) => {
    expect(matchTrigger(spec, event)).toBe(expected);
  });
});

describe("parseFilter", () => {
  it("returns nested dialects typed", () => {
    const raw = { all: [{ prefix: { type: "a." } }, { not: { exact: { subject: "b" } } }] };
    expect(parseFilter(raw, "t")).toEqual(raw satisfies Filter);
  });

  const bad: { raw: unknown; message: string }[] = [
    { raw: { cesql: "type = 'x'" }, message: 't: unsupported filter dialect "cesql" (supported: exact, prefix, suffix, all, any, not)' },
    { raw: { exact: { type: "a" }, prefix: { type: "b" } }, message: 't: a filter needs exactly one dialect, got ["exact","prefix"]' },
    { raw: { prefix: {} }, message: "t.prefix: must map attribute names to strings" },
    { raw: { exact: { type: "" } }, message: "t.exact.type: must be a non-empty string" },
    { raw: { any: [] }, message: "t.any: must be a non-empty list" },
    { raw: "type", message: "t: a filter must be an object" },
  ];
  it.each(bad)("rejects $raw", ({ raw, message }) => {
    expect(() => parseFilter(raw, "t")).toThrow(message);
  });
});
