import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { REPO_ROOT } from "../../lib/runtime/stack-settings.js";

/** Screenshots and measurements go into docs/ only when asked, so a test run leaves the tree clean. */
export const RECORD = process.env.ESTRENA_RECORD === "1";

export const IMG_DIR = join(REPO_ROOT, "docs", "img");
const PERF = join(REPO_ROOT, "docs", "performance.md");
const BEGIN = "<!-- web:begin -->";
const END = "<!-- web:end -->";

/** Replaces the web section of docs/performance.md (between its markers), appending it when absent. */
export function writeWebPerformance(markdown: string): void {
  mkdirSync(join(REPO_ROOT, "docs"), { recursive: true });
  const section = `${BEGIN}\n${markdown.trim()}\n${END}`;
  const text = existsSync(PERF) ? readFileSync(PERF, "utf8") : "# Performance\n";
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  const next =
    start >= 0 && end > start ? text.slice(0, start) + section + text.slice(end + END.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(PERF, next);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}

/** What the e2e run measured, for docs/performance.md. */
export interface Measured {
  readonly ttffMs: number[];
  readonly cls: number[];
  readonly firstPlayMs: number | null;
  readonly progressive: Record<string, number | null>;
}

/** Writes the web section of docs/performance.md (ESTRENA_RECORD=1). */
export function recordPerformance(measured: Measured): void {
  mkdirSync(IMG_DIR, { recursive: true });
  const rows = [
    `| first play, from the catalogue card (cold caches) | ${measured.firstPlayMs ?? "—"} |`,
    `| player page opened directly, warm (median of ${measured.ttffMs.length}: ${measured.ttffMs.join(", ")}) | ${median(measured.ttffMs)} |`,
    ...["with a soundtrack", "without audio"].map((name) => {
      const ms = measured.progressive[name];
      const note =
        ms === undefined ? "— (never played)" : ms === null ? "— (did not play before it was ready: the test fails)" : String(ms);
      return `| a video ${name} still transcoding, opened from its card as soon as it is playable | ${note} |`;
    }),
  ];
  writeWebPerformance(`## Web: time to first frame

Measured by \`ESTRENA_RECORD=1 npx vitest run test/e2e/watch.test.ts\` in Debian's Chromium (headless, 1280×720,
loopback, the full local stack on 2 cores shared with other work: load average ${loadavg()[0]!.toFixed(1)}),
${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC. Time to first frame is
taken from navigation start (\`performance.now()\` in the first \`requestVideoFrameCallback\`), so it includes the
HTML, the player code, hls.js (loaded only on this page), the catalogue record, the playlists and the first segments.
The same figure is sent to \`POST /api/qoe\` as the startup time.

| case | ms |
|---|---|
${rows.join("\n")}

Layout shift on the player page (Chromium's \`layout-shift\` entries, summed, through the first frame):
${measured.cls.map((c) => c.toFixed(4)).join(", ")}. The player box has its final 16:9 size before anything loads.

Page weight (gzip, from \`web/dist\`): ${pageWeights()}. The catalogue page never loads hls.js; the player page
fetches it as a separate chunk, in parallel with the video's record.`);
}

/** Gzipped bytes each page needs: its HTML and what the HTML links, plus hls.js for the player. */
function pageWeights(): string {
  const dist = join(REPO_ROOT, "web", "dist");
  const gz = (file: string): number => gzipSync(readFileSync(join(dist, file))).length;
  const kb = (n: number): string => `${(n / 1024).toFixed(1)} kB`;
  const weigh = (html: string): number => {
    const text = readFileSync(join(dist, html), "utf8");
    const linked = [...text.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
    return gz(html) + linked.reduce((t, f) => t + gz(f), 0);
  };
  const assets = readFileSync(join(dist, "watch.html"), "utf8");
  const player = [...assets.matchAll(/src="\/(assets\/player-[^"]+\.js)"/g)].map((m) => m[1]!)[0];
  const hlsChunk = player ? /(?:\.\/|\/assets\/)(hls-[\w-]+\.js)/.exec(readFileSync(join(dist, player), "utf8"))?.[1] : undefined;
  return `catalogue ${kb(weigh("index.html"))}; player ${kb(weigh("watch.html"))} plus hls.js ${hlsChunk ? kb(gz(`assets/${hlsChunk}`)) : "?"}`;
}
