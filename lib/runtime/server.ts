import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { parse as parseQuery } from "node:querystring";
import type { HttpFunction, Request, Response } from "@google-cloud/functions-framework";
import { ErrorCode, EstrenaError, statusOf } from "../contracts/errors.js";

/**
 * A function's HTTP server on `node:http`, for a handler written against functions-framework's signature. The
 * framework's CLI loads express and five body parsers before the first request: a third of the catalogue's cold
 * start (docs/performance.md#cold-starts). This gives the handler the part of express's request and response that
 * our handlers use (below), with functions-framework's body rules: JSON (also `application/cloudevents+json`),
 * `text/plain`, URL-encoded forms, anything else as a Buffer, and `rawBody` beside each.
 */

/** What a request carries besides node's IncomingMessage. */
type Added = Pick<Request, "path" | "query" | "body" | "rawBody" | "ip" | "get">;
/** What a response can do besides node's ServerResponse. */
type Sending = Pick<Response, "status" | "set" | "send" | "json" | "sendStatus">;

/** functions-framework reads up to 1 GiB; our functions take small JSON and events, so less is enough. */
const BODY_LIMIT = 32 * 1024 * 1024;

/** Serves `handler` on PORT (every interface, as functions-framework does); exits on SIGTERM or SIGINT, as it does. */
export function serve(name: string, handler: HttpFunction, port = Number(process.env.PORT || 8080)): Server {
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => process.exit(0));
  return functionServer(name, handler).listen(port);
}

/** An HTTP server that answers every request with `handler`; `name` labels its log line when the handler throws. */
export function functionServer(name: string, handler: HttpFunction): Server {
  return createServer((req, res) => void answer(name, handler, req, res));
}

async function answer(name: string, handler: HttpFunction, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const response = asResponse(res);
  let request: Request;
  try {
    request = asRequest(req, await readBody(req));
  } catch (err) {
    // The sender's mistake (bad JSON, too large), or a body cut off on the way (then nobody reads this answer).
    const e = err instanceof EstrenaError ? err : new EstrenaError(ErrorCode.BadRequest, "the request body could not be read");
    return void response.status(statusOf(e)).json({ error: e.toJSON() });
  }
  try {
    await handler(request, response);
  } catch (err) {
    // Our handlers answer their own errors; this is a bug, and its message stays in the log (it may hold a path).
    console.error(JSON.stringify({ level: 50, svc: name, msg: "handler failed", err: err instanceof Error ? err.message : String(err) }));
    if (res.headersSent) return void res.destroy();
    response.status(500).json({ error: new EstrenaError(ErrorCode.Internal, "internal error").toJSON() });
  }
}

interface Body {
  readonly body?: unknown;
  readonly rawBody?: Buffer;
}

/** Reads and decodes the body as functions-framework's body parsers do; a body they would refuse is a 4xx here. */
async function readBody(req: IncomingMessage): Promise<Body> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  // type-is's hasBody: a request without Transfer-Encoding or Content-Length has none.
  const hasBody = req.headers["transfer-encoding"] !== undefined || req.headers["content-length"] !== undefined;
  if (!hasBody || !type) return {};
  const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
  if (encoding !== "identity")
    throw new EstrenaError(
      ErrorCode.BadRequest,
      `content encoding ${JSON.stringify(encoding)} is not supported; send the body uncompressed`,
    );
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw new EstrenaError(ErrorCode.TooLarge, `the request body is over ${BODY_LIMIT / 1024 / 1024} MiB`);
    chunks.push(chunk);
  }
  const rawBody = Buffer.concat(chunks);
  if (type === "application/json" || type === "application/cloudevents+json") return { rawBody, body: parseJson(rawBody) };
  if (type === "text/plain") return { rawBody, body: rawBody.toString("utf8") };
  if (type === "application/x-www-form-urlencoded") return { rawBody, body: parseQuery(rawBody.toString("utf8")) };
  return { rawBody, body: rawBody };
}

/** body-parser's strict JSON: an object or an array; an empty body is `{}`. */
function parseJson(raw: Buffer): unknown {
  const text = raw.toString("utf8");
  if (!text.trim()) return {};
  const first = text.trimStart()[0];
  try {
    if (first !== "{" && first !== "[") throw new Error("not an object or array");
    return JSON.parse(text) as unknown;
  } catch {
    throw new EstrenaError(ErrorCode.BadRequest, "the request body is not a JSON object or array");
  }
}

function asRequest(req: IncomingMessage, body: Body): Request {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const added: Added = {
    // express's req.path: the URL's path, not decoded.
    path: q < 0 ? url : url.slice(0, q),
    // express 5's default ("simple") query parser.
    query: q < 0 ? {} : (parseQuery(url.slice(q + 1)) as Request["query"]),
    body: body.body,
    ...(body.rawBody ? { rawBody: body.rawBody } : {}),
    // functions-framework trusts the proxy in front (Knative's queue-proxy): the first X-Forwarded-For hop.
    ip:
      String(req.headers["x-forwarded-for"] ?? "")
        .split(",")[0]!
        .trim() || req.socket.remoteAddress,
    get: ((name: string) => {
      const key = name.toLowerCase();
      return req.headers[key === "referrer" ? "referer" : key];
    }) as Request["get"],
  };
  return Object.assign(req, added) as unknown as Request;
}

function asResponse(res: ServerResponse): Response {
  const r = res as unknown as Response;
  const sending: Sending = {
    status(code: number) {
      res.statusCode = code;
      return r;
    },
    set(field: string | Record<string, string | string[]>, value?: string | string[]) {
      const entries = typeof field === "string" ? [[field, value ?? ""] as const] : Object.entries(field);
      for (const [k, v] of entries) res.setHeader(k, v);
      return r;
    },
    send(body?: unknown) {
      if (body === undefined || body === null) {
        res.end();
        return r;
      }
      const buf = Buffer.isBuffer(body) ? body : typeof body === "string" ? Buffer.from(body) : null;
      if (!buf) return r.json(body);
      const type = res.getHeader("content-type");
      if (type === undefined)
        res.setHeader("content-type", typeof body === "string" ? "text/html; charset=utf-8" : "application/octet-stream");
      // express sends a string as UTF-8 and says so, whatever charset the type named.
      else if (typeof body === "string") res.setHeader("content-type", `${String(type).replace(/;\s*charset=[^;]*/gi, "")}; charset=utf-8`);
      res.setHeader("content-length", buf.length);
      res.end(buf);
      return r;
    },
    json(body?: unknown) {
      if (!res.hasHeader("content-type")) res.setHeader("content-type", "application/json; charset=utf-8");
      return r.send(JSON.stringify(body));
    },
    sendStatus(code: number) {
      res.statusCode = code;
      return r.send(String(code));
    },
  } as Sending;
  return Object.assign(res, sending) as unknown as Response;
}
