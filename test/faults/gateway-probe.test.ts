import { request } from "node:http";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureWebBuilt, launchBrowser } from "../support/browser.js";
import type { TestStack } from "../support/stack.js";
import { faultsEnabled, SCENARIO_MS, startFaultStack, tempDir, tinyClip, upload, waitFinal } from "./support.js";

/**
 * A scripted probe of the gateway, as an attacker would run it: traversal in every encoding, other methods, oversized
 * headers, the uploads bucket, MinIO's admin and listing endpoints, open redirects; security headers on every answer;
 * and a title made of HTML and script rendered by the real page in Chromium.
 */
let stack: TestStack;
let id: string;
let uploadKey: string;
const dir = tempDir("gw");

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A request sent byte for byte as written (fetch would normalise `..` and refuse odd methods). */
function raw(path: string, method = "GET", headers: Record<string, string> = {}): Promise<Answer> {
  const u = new URL(stack.urls.gateway);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers, insecureHTTPParser: true }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (d: Buffer) => parts.push(d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString("latin1") }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Every answer, refusals included, carries these. */
function missingSecurityHeaders(a: Answer): string[] {
  const want: Record<string, string | RegExp> = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "content-security-policy": /default-src 'self'.*frame-ancestors 'none'/,
    "cross-origin-opener-policy": "same-origin",
  };
  return Object.entries(want)
    .filter(([h, v]) => (typeof v === "string" ? a.headers[h] !== v : !v.test(String(a.headers[h] ?? ""))))
    .map(([h]) => `${h}=${JSON.stringify(a.headers[h])}`);
}

/**
 * Nothing the stack must keep to itself: local files, credentials, object-store listings, and the uploads bucket's
 * content (the catalogue API names a video's source key by contract, so only answers outside /api/ are checked for it).
 */
function leaks(a: Answer, path: string): string[] {
  const secrets = [stack.credentials.user, stack.credentials.password, stack.credentials.webhookToken];
  const source = path.startsWith("/api/") ? [] : [uploadKey];
  const found = ["root:x:0:0", "ListBucketResult", "<Owner>", "MINIO_ROOT", ...source, ...secrets].filter((s) => a.body.includes(s));
  return found.map((s) => (secrets.includes(s) ? "a credential" : s));
}

type Probe = readonly [what: string, path: () => string, method: string, headers: Record<string, string>, status: number];
const P = (what: string, path: () => string, status: number, method = "GET", headers: Record<string, string> = {}): Probe => [
  what,
  path,
  method,
  headers,
  status,
];
const seg = () => `/stream/${id}`;

const PROBES: readonly Probe[] = [
  // Traversal
  P("plain traversal from /stream/", () => "/stream/../../../../etc/passwd", 400),
  P("traversal out of the web root", () => "/../../../../etc/passwd", 400),
  P("encoded traversal", () => "/stream/%2e%2e/%2e%2e/%2e%2e/etc/passwd", 400),
  P("encoded slashes", () => `${seg()}/..%2f..%2f..%2fetc%2fpasswd`, 400),
  P("double-encoded traversal", () => "/stream/%252e%252e/%252e%252e/etc/passwd", 404),
  P("double-encoded traversal in a file name", () => `${seg()}/%252e%252e%252fmeta.json`, 404),
  P("backslash traversal", () => `${seg()}/..\\..\\etc\\passwd`, 404),
  P("overlong UTF-8 dot", () => "/stream/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", 404),
  P("NUL byte before an allowed extension", () => `${seg()}/master%00.m3u8`, 400),
  P("traversal through /assets/", () => "/assets/../../../../etc/passwd", 400),
  P("encoded traversal through /assets/", () => "/assets/..%2f..%2f..%2f..%2fetc%2fpasswd", 400),
  P("the repository's state folder", () => "/%2e%2e/.estrena/credentials.env", 400),
  P("a dot file of the web root", () => "/.git/config", 404),
  P("the catalogue's meta.json", () => `${seg()}/meta.json`, 404),
  P("transcode's job records", () => `/stream/../stream/jobs/${id}/plan.json`, 404),
  P("jobs by encoded traversal", () => `${seg()}/..%2f..%2fjobs%2f${id}%2fplan.json`, 404),
  // The uploads bucket and MinIO's own endpoints
  P("the uploads bucket", () => `/uploads/${encodeURIComponent(uploadKey)}`, 404),
  P("the uploads bucket under /stream/", () => `/stream/uploads/${encodeURIComponent(uploadKey)}`, 404),
  P("the uploads bucket through /api/", () => `/api/../uploads/${encodeURIComponent(uploadKey)}`, 404),
  P("the internal origin location", () => `/_origin/stream/videos/${id}/master.m3u8`, 404),
  P("the internal origin location for uploads", () => `/_origin/uploads/${encodeURIComponent(uploadKey)}`, 404),
  P("MinIO admin API", () => "/minio/admin/v3/info", 404),
  P("MinIO metrics", () => "/minio/v2/metrics/cluster", 404),
  P("MinIO health", () => "/minio/health/live", 404),
  P("a bucket listing at the root", () => "/?list-type=2", 200),
  P("the stream bucket listing", () => "/stream/?list-type=2&prefix=videos/", 404),
  P("the stream bucket listing without a slash", () => "/stream?list-type=2", 404),
  P("a video folder listing", () => `${seg()}/`, 404),
  P("a video folder listing by query", () => `${seg()}/?list-type=2`, 404),
  P("bucket location", () => "/uploads?location", 404),
  P("the MinIO console", () => "/browser/uploads", 404),
  // Methods other than GET and HEAD
  ...(["POST", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND"] as const).flatMap((m) => [
    P(`${m} on a segment`, () => `${seg()}/master.m3u8`, 405, m),
    P(`${m} on the catalogue`, () => "/api/videos", 405, m),
    P(`${m} on the page`, () => "/", 405, m),
  ]),
  P("OPTIONS on the catalogue", () => "/api/videos", 405, "OPTIONS"),
  // Oversized requests
  P("a 64 KiB header", () => "/", 400, "GET", { "x-big": "a".repeat(64 * 1024) }),
  P("a 64 KiB cookie", () => `${seg()}/master.m3u8`, 400, "GET", { cookie: `c=${"b".repeat(64 * 1024)}` }),
  P("a 32 KiB URL", () => `/stream/${"a".repeat(32 * 1024)}`, 414),
  P("a body on GET beyond the 16 KiB limit", () => "/api/videos", 413, "GET", { "content-length": String(1 << 20) }),
  // Open redirects: a directory without its slash must not redirect to a host the client names.
  P("a directory without a slash, foreign Host", () => "/assets", 404, "GET", { host: "evil.example" }),
  P("protocol-relative path", () => "//evil.example/", 404),
  P("backslash host", () => "/\\evil.example", 404),
  P("a redirect parameter", () => "/?next=https://evil.example/", 200),
  // Host poisoning: links the catalogue hands out never take a host from the request.
  P("a foreign Host on the catalogue", () => "/api/videos", 200, "GET", { host: "evil.example" }),
  P("a foreign X-Forwarded-Host on the catalogue", () => "/api/videos", 200, "GET", { "x-forwarded-host": "evil.example" }),
  P("a foreign Host on a video", () => `/api/videos/${id}`, 200, "GET", { host: "evil.example", "x-forwarded-host": "evil.example" }),
];

describe.runIf(faultsEnabled())("gateway probe", { timeout: SCENARIO_MS }, () => {
  beforeAll(async () => {
    ensureWebBuilt();
    stack = await startFaultStack();
    uploadKey = "private/secret-source.mp4";
    id = await upload(stack, tinyClip(dir, "gw.mp4", 2), uploadKey, "probe target");
    await waitFinal(stack, [id], 180_000);
  }, SCENARIO_MS);
  afterAll(async () => {
    await stack?.cleanup();
  });

  it.each(PROBES.map((p) => [p[0], p[2], p[4], p] as const))(
    "%s (%s) → %i, security headers, nothing leaked",
    async (_what, method, status, p) => {
      const path = p[1]();
      const a = await raw(path, p[2], p[3]);
      expect(a.status).toBe(status);
      expect(missingSecurityHeaders(a)).toEqual([]);
      expect(leaks(a, path)).toEqual([]);
      const location = String(a.headers.location ?? "");
      expect(location === "" || (location.startsWith("/") && !location.startsWith("//"))).toBe(true);
      if (method === "GET" && status === 200) expect(a.body).not.toContain("evil.example");
    },
  );

  it("serves the video itself, with the same security headers", async () => {
    for (const path of [`${seg()}/master.m3u8`, "/", "/api/videos", "/healthz", `/api/videos/${id}`]) {
      const a = await raw(path);
      expect([path, a.status]).toEqual([path, 200]);
      expect(missingSecurityHeaders(a)).toEqual([]);
    }
  });

  it("never runs a title's HTML or script in the page (Chromium)", async () => {
    const title = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><svg onload="window.__xss=3">`;
    const xss = await upload(stack, tinyClip(dir, "xss.mp4", 2), "xss.mp4", title);
    await waitFinal(stack, [xss], 180_000);
    const browser: Browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const dialogs: string[] = [];
      page.on("dialog", (d) => (dialogs.push(d.message()), void d.dismiss()));
      const requests: string[] = [];
      page.on("request", (r) => requests.push(r.url()));
      for (const url of [stack.urls.web, `${stack.urls.web.replace(/\/$/, "")}/watch.html?v=${xss}`]) {
        await page.goto(url);
        // innerText on purpose: the title must be rendered visibly, not just present in the DOM.
        // biome-ignore lint/performance/useDomNodeTextContent: visibility matters here
        await page.waitForFunction((t) => document.body.innerText.includes(t), title, { timeout: 30_000 });
        const found = await page.evaluate(() => ({
          xss: (window as { __xss?: number }).__xss ?? null,
          injected: document.querySelectorAll('img[src="x"], svg[onload], [onerror], script:not([src])').length,
        }));
        expect([url, found]).toEqual([url, { xss: null, injected: 0 }]);
      }
      expect(dialogs).toEqual([]);
      expect(requests.filter((r) => /\/x$/.test(r))).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
