import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../lib/runtime/stack-settings.js";
import { QUALITY_SECONDS } from "./instant-baseline.js";

// The "Ladder cost and quality" section of docs/performance.md that `npm run bench:transcode` writes, and its chart.

type Quality = { rung: string; ssim: number; psnr: number; kbps: number };
/** `load`: the 1-minute load average when the side finished (the machine is shared; wall time stretches with it). */
export type Side = { label: string; ladder: string; cpu: number; wall: number; load?: string; rungs: readonly Quality[] };
export interface LadderResult {
  readonly date: string;
  readonly load: string;
  readonly seconds: number;
  /** The baseline first, then ours on the standard source, then ours on the non-standard one. */
  readonly sides: readonly Side[];
}

const DOC = join(REPO_ROOT, "docs", "performance.md");
const CHART = "performance-ladder.svg";
const BEGIN = "<!-- transcode:begin -->";
const END = "<!-- transcode:end -->";
/** Issue 15's goals: CPU against the baseline's, and the SSIM an encoded rung may lose against the baseline's rung. */
const GOALS = { standard: 0.4, nonStandard: 0.6, ssim: 0.005 };
const x2 = (x: number) => `${x.toFixed(2)}×`;

export function writeDoc(r: LadderResult): void {
  const [base, std, non] = r.sides as [Side, Side, Side];
  const sides = r.sides.map(
    (s) =>
      `| ${s.label} | ${s.ladder} | ${s.cpu.toFixed(1)} | ${(s.cpu / r.seconds).toFixed(2)} | ${x2(s.cpu / base.cpu)} | ${Math.round(s.wall)} | ${x2(s.wall / base.wall)} | ${s.load ?? "—"} |`,
  );
  const cell = (q: Quality | undefined, b: Quality | undefined) => {
    if (!q) return "—";
    const d = b && q !== b ? ` (${(q.ssim - b.ssim >= 0 ? "+" : "") + (q.ssim - b.ssim).toFixed(4)})` : "";
    return `${q.ssim.toFixed(4)}${d} / ${q.psnr.toFixed(1)} dB / ${q.kbps} kb/s`;
  };
  const rungs = base.rungs.map((b) => {
    const row = r.sides.map((s) =>
      cell(
        s.rungs.find((q) => q.rung === b.rung),
        b,
      ),
    );
    return `| ${b.rung} | ${row.join(" | ")} |`;
  });
  // The remuxed top rung of the standard side is the source itself: it is not an encode and is left out of the SSIM goal.
  const worst = (s: Side, skipTop: boolean) =>
    Math.min(...s.rungs.slice(skipTop ? 1 : 0).map((q) => q.ssim - (base.rungs.find((b) => b.rung === q.rung)?.ssim ?? q.ssim)));
  const goal = (ok: boolean) => (ok ? "met" : "**not met**");
  const stdRatio = std.cpu / base.cpu;
  const nonRatio = non.cpu / base.cpu;
  const worstStd = worst(std, true);
  const worstNon = worst(non, false);
  const section = [
    BEGIN,
    "## Ladder cost and quality (issue 15)",
    "",
    `Measured ${r.date.slice(0, 16).replace("T", " ")} UTC by \`npm run bench:transcode\` on 2 cores shared with other work (load average at the end: ${r.load.split(" ").slice(0, 3).join(" ")}); CPU-seconds are the figure to read, wall seconds stretch with the load.`,
    `Source: ${r.seconds} s of 1080p30 (testsrc2 with light temporal noise, H.264 High superfast CRF 21, keyframe every 2 s, ≤ 6 Mb/s, AAC-LC stereo, faststart MP4); the non-standard side is the same stream in MPEG-TS, which the standard check refuses (container).`,
    "",
    `![ladder CPU-seconds against the baseline](${CHART})`,
    "",
    "| side | ladder | CPU-seconds | per source-second | ÷ baseline | wall seconds | ÷ baseline | load average after |",
    "|---|---|---|---|---|---|---|---|",
    ...sides,
    "",
    `SSIM (and the difference to the baseline's rung) / PSNR / bitrate of each rung against the source scaled to the rung (bicubic), first ${QUALITY_SECONDS} s; bitrate over the whole ${r.seconds} s.`,
    "",
    `| rung | ${r.sides.map((s) => s.label).join(" | ")} |`,
    `|---|${r.sides.map(() => "---").join("|")}|`,
    ...rungs,
    "",
    "Against the goals of issue 15:",
    `- CPU, standard: ${x2(stdRatio)} the baseline (goal ≤ ${GOALS.standard}×) — ${goal(stdRatio <= GOALS.standard)}.`,
    `- CPU, non-standard: ${x2(nonRatio)} the baseline (goal ≤ ${GOALS.nonStandard}×) — ${goal(nonRatio <= GOALS.nonStandard)}.`,
    `- SSIM of every encoded rung within ${GOALS.ssim} of the baseline's: worst ${worstStd.toFixed(4)} (standard), ${worstNon.toFixed(4)} (non-standard) — ${goal(Math.min(worstStd, worstNon) >= -GOALS.ssim)}. The standard side's top rung is the source's own stream, remuxed (SSIM 1 by construction).`,
    "",
    "How it is measured: ours runs the transcode handler in-process against real MinIO and Redis (bench/instant-run.ts: defaults, 4 s segments, 60 s chunks, 8 s first chunk,",
    "CHUNK_PARALLELISM=2, X264_PRESET=veryfast), from the upload event to `video.ready`; its CPU is the bench process and every ffmpeg it ran (`/proc/self/stat` utime, stime, cutime, cstime), uploads included.",
    "The baseline counts its ffmpeg processes only: per rung `-preset veryfast -profile:v high -maxrate CAP -bufsize 2×CAP -b_strategy 1 -bf 16 -g 2×fps`, fMP4 HLS, 4 s segments, CRF 23, plus AAC audio, two processes at a time.",
    "Rungs for both sides: 1080p, 720p, 480p, 360p, 240p (our ladder, same caps).",
    END,
  ].join("\n");
  const doc = readFileSync(DOC, "utf8");
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`no ${BEGIN} … ${END} markers in ${DOC}`);
  writeFileSync(DOC, doc.slice(0, a) + section + doc.slice(b + END.length));
  writeFileSync(join(REPO_ROOT, "docs", CHART), chart(r.sides, base.cpu));
  process.stdout.write(`wrote ${DOC} and docs/${CHART}\n`);
}

/** Horizontal bars of CPU-seconds per side, with the goals (0.4× and 0.6× the baseline) as lines. */
function chart(sides: readonly Side[], base: number): string {
  const w = 760;
  const left = 310;
  const bar = 26;
  const h = 60 + sides.length * (bar + 14);
  const scale = (w - left - 110) / Math.max(...sides.map((s) => s.cpu));
  const bars = sides.map((s, i) => {
    const y = 20 + i * (bar + 14);
    const len = s.cpu * scale;
    return [
      `<text x="${left - 8}" y="${y + bar / 2 + 4}" text-anchor="end">${xml(s.label)}</text>`,
      `<rect x="${left}" y="${y}" width="${len.toFixed(1)}" height="${bar}" fill="${i === 0 ? "#999" : "#3a7bd5"}"/>`,
      `<text x="${(left + len + 6).toFixed(1)}" y="${y + bar / 2 + 4}">${s.cpu.toFixed(1)} CPU-s</text>`,
    ].join("");
  });
  // Goal labels on two rows, so that close goals do not overlap.
  const lines = [GOALS.standard, GOALS.nonStandard].map((g, i) => {
    const x = (left + g * base * scale).toFixed(1);
    const y = h - 24 + i * 16;
    return `<line x1="${x}" y1="12" x2="${x}" y2="${y - 12}" stroke="#d33" stroke-dasharray="4 3"/><text x="${x}" y="${y}" text-anchor="middle" fill="#d33">goal ${g}× baseline</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">${bars.join("")}${lines.join("")}</svg>\n`;
}

function xml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
}
