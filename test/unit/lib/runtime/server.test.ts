import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { http, type HttpFunction } from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functionServer } from "../../../../lib/runtime/server.js";

/** Echoes what a handler sees, and answers through the response methods our handlers use. */
const echo: HttpFunction = (req, res) => {
  if (req.path === "/status") return void res.status(204).end();
  if (req.path === "/text") return void res.status(201).set({ "x-a": "1" }).set("x-b", "2").send("hello");
  if (req.path === "/buffer") return void res.send(Buffer.from([1, 2, 3]));
  if (req.path === "/typed") return void res.set("Content-Type", String(req.query.type)).send("{}");
  if (req.path === "/stream") {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write("data: 1\n\n");
    return void res.end();
  }
  if (req.path === "/throw") throw new Error("/etc/secret: EACCES");
  const body = Buffer.isBuffer(req.body) ? { buffer: [...req.body] } : req.body;
  const seen = { method: req.method, path: req.path, query: { ...req.query }, body, raw: req.rawBody?.toString("utf8") ?? null };
  res.status(200).json({ ...seen, ip: req.ip, authorization: req.get("Authorization") ?? null, referrer: req.get("referrer") ?? null });
};

async function listen(server: Server): Promise<string> {
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let ours: Server;
let theirs: Server;
let oursUrl: string;
let theirsUrl: string;

beforeAll(async () => {
  http("server-test-echo", echo);
  ours = functionServer("test", echo);
  theirs = getTestServer("server-test-echo");
  [oursUrl, theirsUrl] = await Promise.all([listen(ours), listen(theirs)]);
});

afterAll(async () => {
  await Promise.all([ours, theirs].map((s) => new Promise((r) => s.close(r))));
});

type Call = [path: string, init?: RequestInit];

async function call(base: string, [path, init]: Call) {
  const res = await fetch(base + path, init);
  const headers = Object.fromEntries(["content-type", "x-a", "x-b"].flatMap((h) => (res.headers.has(h) ? [[h, res.headers.get(h)]] : [])));
  return { status: res.status, headers, body: await res.text() };
}

const json = (body: string, type = "application/json"): RequestInit => ({ method: "POST", headers: { "content-type": type }, body });

describe("functionServer answers as functions-framework does", () => {
  const calls: [string, Call][] = [
    ["a GET with a repeated query key", ["/api/videos/v1?limit=2&cursor=a&cursor=b"]],
    [
      "headers by name, and the client behind a proxy",
      ["/", { headers: { authorization: "Bearer t", referer: "http://x/", "x-forwarded-for": "10.1.2.3, 10.0.0.1" } }],
    ],
    ["an encoded path, not decoded", ["/api/videos/a%2Fb?x=%20y"]],
    ["a JSON body", ["/", json('{"a":[1,2]}')]],
    ["a CloudEvent in structured mode", ["/", json('{"specversion":"1.0","data":{"v":1}}', "application/cloudevents+json")]],
    ["an empty JSON body", ["/", json("")]],
    ["text/plain (a beacon)", ["/api/qoe", json('{"stalls":1}', "text/plain;charset=UTF-8")]],
    ["a form", ["/", json("a=1&b=x%20y&a=2", "application/x-www-form-urlencoded")]],
    ["bytes", ["/", json("\u0001\u0002", "application/octet-stream")]],
    ["a body without a content type", ["/", { method: "POST", body: new Uint8Array([120]) }]],
    ["HEAD", ["/text", { method: "HEAD" }]],
    ["status and end", ["/status", { method: "DELETE" }]],
    ["status, set and send", ["/text"]],
    ["a Buffer", ["/buffer"]],
    ["a JSON type without a charset", ["/typed?type=application%2Fjson"]],
    ["a CloudEvent type without a charset", ["/typed?type=application%2Fcloudevents%2Bjson"]],
    ["a text type with its own charset", ["/typed?type=text%2Fplain%3B%20charset%3Dlatin1"]],
    ["a binary type", ["/typed?type=video%2Fmp4"]],
    ["a stream written by hand (SSE)", ["/stream"]],
  ];
  it.each(calls)("%s", async (_name, c) => {
    expect(await call(oursUrl, c)).toEqual(await call(theirsUrl, c));
  });
});

describe("functionServer, where it answers better", () => {
  it.each([
    ["JSON that does not parse", json("{nope"), "the request body is not a JSON object or array"],
    ["JSON that is not an object or array", json('"text"'), "the request body is not a JSON object or array"],
    [
      "a compressed body",
      { ...json("{}"), headers: { "content-type": "application/json", "content-encoding": "gzip" } },
      "content encoding",
    ],
  ] as const)("answers %s with a typed 400", async (_name, init, message) => {
    const res = await fetch(oursUrl, init);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect([res.status, res.headers.get("content-type"), body.error.code]).toEqual([400, "application/json; charset=utf-8", "bad-request"]);
    expect(body.error.message).toContain(message);
  });

  it("answers a handler's crash with a 500 that does not repeat its message", async () => {
    const res = await fetch(`${oursUrl}/throw`);
    expect([res.status, await res.json()]).toEqual([500, { error: { code: "internal", message: "internal error" } }]);
  });
});
