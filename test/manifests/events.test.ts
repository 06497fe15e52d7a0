import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { recordToEvent } from "../../functions/ingest/s3-event.js";
import { ESTRENA_TYPES } from "../../lib/contracts/events.js";
import { loadRoutingTable, matchingTriggers } from "../../tools/router/triggers.js";
import { ROOT, allManifests, ofKind } from "./support/manifests.js";

/*
 * The Triggers in knative/eventing/ against the event types the code really emits: ingest's mapping of every
 * MinIO event name in the families the bucket notification subscribes to (s3:ObjectCreated:*, s3:ObjectRemoved:*),
 * and the dev.estrena.* catalogue. The same matching code the local router runs decides.
 */
const MINIO_EVENT_NAMES = [
  "s3:ObjectCreated:Put",
  "s3:ObjectCreated:Post",
  "s3:ObjectCreated:Copy",
  "s3:ObjectCreated:CompleteMultipartUpload",
  "s3:ObjectCreated:PutRetention",
  "s3:ObjectCreated:PutLegalHold",
  "s3:ObjectCreated:PutTagging",
  "s3:ObjectCreated:DeleteTagging",
  "s3:ObjectRemoved:Delete",
  "s3:ObjectRemoved:DeleteMarkerCreated",
  "s3:ObjectRemoved:DeleteAllVersions",
  "s3:ObjectRemoved:NoOP",
];

function s3Types(): string[] {
  const types = MINIO_EVENT_NAMES.map(
    (eventName) =>
      recordToEvent({
        eventSource: "minio:s3",
        awsRegion: "",
        eventTime: "2026-11-24T04:00:00.000Z",
        eventName,
        s3: { bucket: { name: "uploads" }, object: { key: "clip.mp4", size: 1, eTag: "5d41402abc4b2a76b9719d911017c592" } },
      })?.type,
  );
  return types.filter((t): t is string => t !== undefined);
}

const table = loadRoutingTable(join(ROOT, "knative/eventing"));
const emitted = [...s3Types(), ...ESTRENA_TYPES];
const subscribersOf = (type: string) =>
  matchingTriggers(table, { type, source: "/estrena", specversion: "1.0", id: "x" })
    .map((t) => t.subscriber)
    .sort();

describe("Trigger filters and the events the code emits", () => {
  it("emits the S3 types ingest maps (metadata-only events are acknowledged without one)", () => {
    expect(s3Types()).toEqual([
      "com.amazonaws.s3.ObjectCreated:Put",
      "com.amazonaws.s3.ObjectCreated:Post",
      "com.amazonaws.s3.ObjectCreated:Copy",
      "com.amazonaws.s3.ObjectCreated:CompleteMultipartUpload",
      "com.amazonaws.s3.ObjectRemoved:Delete",
      "com.amazonaws.s3.ObjectRemoved:DeleteMarkerCreated",
      "com.amazonaws.s3.ObjectRemoved:DeleteAllVersions",
    ]);
  });

  it("has no Trigger whose filter matches nothing the code emits", () => {
    const dead = table.triggers.filter(
      (t) =>
        !emitted.some(
          (type) => matchingTriggers({ ...table, triggers: [t] }, { type, source: "/estrena", specversion: "1.0", id: "x" }).length,
        ),
    );
    expect(dead.map((t) => t.name)).toEqual([]);
  });

  it("delivers every emitted type to at least one subscriber", () => {
    expect(emitted.filter((type) => subscribersOf(type).length === 0)).toEqual([]);
  });

  // Uploads start work and appear in the catalogue; deletes unpublish; video.* updates the catalogue; job events drive transcode.
  it.each([
    ["com.amazonaws.s3.ObjectCreated:Put", ["catalogue", "transcode"]],
    ["com.amazonaws.s3.ObjectCreated:CompleteMultipartUpload", ["catalogue", "transcode"]],
    ["com.amazonaws.s3.ObjectRemoved:Delete", ["catalogue"]],
    ...ESTRENA_TYPES.filter((t) => t.startsWith("dev.estrena.video.")).map((t) => [t, ["catalogue"]] as const),
    ...ESTRENA_TYPES.filter((t) => t.startsWith("dev.estrena.transcode.")).map((t) => [t, ["transcode"]] as const),
  ])("routes %s to %j", (type, subscribers) => {
    expect(subscribersOf(type)).toEqual(subscribers);
  });

  it("subscribes and dead-letters only to Knative Services that the manifests define", () => {
    const services = ofKind(allManifests(), "serving.knative.dev/v1", "Service").map((m) => m.doc.metadata.name);
    const broker = allManifests().find((m) => m.doc.kind === "Broker")!.doc as {
      spec: { delivery: { deadLetterSink: { ref: { kind: string; name: string } } } };
    };
    const targets = [...new Set(table.triggers.map((t) => t.subscriber)), broker.spec.delivery.deadLetterSink.ref.name].sort();
    expect(targets).toEqual(["catalogue", "deadletter", "transcode"]);
    expect(targets.filter((t) => !services.includes(t))).toEqual([]);
  });
});

describe("the compose router's subscribers", () => {
  it("name every Trigger subscriber, each at a compose service on the functions' port", () => {
    const compose = parse(readFileSync(join(ROOT, "compose/docker-compose.yml"), "utf8")) as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    const subscribers = JSON.parse(compose.services.router!.environment!.ROUTER_SUBSCRIBERS!) as Record<string, string>;
    const needed = [...new Set(table.triggers.map((t) => t.subscriber))].sort();
    expect(Object.keys(subscribers).sort()).toEqual(needed);
    expect(Object.entries(subscribers).filter(([name, url]) => url !== `http://${name}:8080/` || !compose.services[name])).toEqual([]);
  });
});
