import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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
