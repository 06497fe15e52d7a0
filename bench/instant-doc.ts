import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../lib/runtime/stack-settings.js";
import { QUALITY_SECONDS } from "./instant-baseline.js";
import type { Latency } from "./instant-run.js";
import type { WholePath } from "./instant-stack.js";
import type { Viewing } from "./instant-viewer.js";

type Quality = { rung: string; ssim: number; psnr: number };
type Row = { label: string; seconds: number; standard: boolean; viewing: Viewing | null; load?: string } & Latency;
export interface Result {
  readonly date: string;
  readonly load: string;
  readonly compareSeconds: number;
  readonly firstPlayable: readonly Row[];
  /** The median run per source; `runs`: every run's first playable (older results have one run and no list). */
  readonly wholePath?: readonly (WholePath & { load?: string; runs?: readonly number[] })[];
  readonly compare?: readonly { label: string; cpu: number; wall: number; standard: boolean; rungs: readonly Quality[] }[];
  readonly baseline?: { cpu: number; wall: number; rungs: readonly Quality[] };
  /** When the ladder comparison was measured (a partial run reuses the last one). */
  readonly compareRun?: { date: string; load: string };
}

/** transcode's hops (ms after its plan step started), in path order, as column headings. */
const HOPS: readonly [string, string][] = [
  ["probed", "probed"],
  ["scanned", "keyframes"],
  ["planned", "planned"],
  ["firstSegments", "first segments"],
  ["uploaded", "uploaded"],
  ["playlists", "playlists"],
  ["playableSent", "`playable` sent"],
];
const la = (load?: string) => (load ? load.split(" ")[0] : "—");

const DOC = join(REPO_ROOT, "docs", "performance.md");
const CHART = "performance-instant.svg";
const BEGIN = "<!-- instant:begin -->";
const END = "<!-- instant:end -->";
const s1 = (x: number) => (x < 0 ? "—" : x.toFixed(1));
const s2 = (x: number) => x.toFixed(2);

/** Writes the instant-publish section of docs/performance.md and its chart. */
export function writeDoc(r: Result): void {
  const b = r.baseline ?? { cpu: 1, wall: 1, rungs: [] };
  const fp = r.firstPlayable.map((f) => {
    const v = f.viewing;
    const stall = v
      ? v.startup < 0
        ? `never started in ${40} s`
        : `${s1(v.stallSeconds)} s (${v.stalls}×), reached ${s1(v.reached)} s`
      : "—";
    const hops = HOPS.map(([k]) => (f.hops?.[k] === undefined ? "—" : s2(f.hops[k]! / 1000))).join(" | ");
    return `| ${f.label} | ${f.standard ? "yes" : "no"} | ${hops} | **${s2(f.playable)}** | ${stall}${v?.fatal ? `, fatal ${v.fatal}` : ""} | ${la(f.load)} |`;
  });
  const whole = (r.wholePath ?? []).map((w) => {
    const hops = HOPS.map(([k]) => (w.hops[k] === undefined ? "—" : s2(w.hops[k]!))).join(" | ");
    const fromPlan = w.delivered === null ? "—" : s2(w.gateway - w.delivered);
    const runs = (w.runs ?? [w.gateway]).map(s2).join(", ");
    return `| ${w.label} | ${w.delivered === null ? "—" : s2(w.delivered)} | ${hops} | ${s2(w.catalogue)} | **${s2(w.gateway)}** | ${runs} | ${fromPlan} | ${la(w.load)} |`;
  });
  const cmp = (r.compare ?? []).map(
    (c) =>
      `| ${c.label} | ${c.standard ? "remux + 4 encoded" : "5 encoded"} | ${c.cpu.toFixed(1)} | ${s2(c.cpu / b.cpu)}× | ${c.wall.toFixed(0)} | ${s2(c.wall / b.wall)}× |`,
  );
  const rungs = b.rungs.map((br, i) => {
    const cells = (r.compare ?? []).map((c) => {
      const q = c.rungs[i]!;
      return `${q.ssim.toFixed(4)} (${(q.ssim - br.ssim >= 0 ? "+" : "") + (q.ssim - br.ssim).toFixed(4)}) / ${q.psnr.toFixed(1)} dB`;
    });
    return `| ${br.rung} | ${br.ssim.toFixed(4)} / ${br.psnr.toFixed(1)} dB | ${cells.join(" | ")} |`;
  });
  const section = [
    BEGIN,
    "## Instant publish (issue 15)",
    "",
    `Measured ${r.date.slice(0, 16).replace("T", " ")} UTC by \`npm run bench:instant\` on 2 cores shared with other work (load average at the end: ${r.load.split(" ").slice(0, 3).join(" ")}); wall-clock figures stretch with that load, CPU-seconds much less.`,
    "",
    `![first playable per source](${CHART})`,
    "",
    "### Upload complete → first playable",
    "",
    "**Whole path, on the real native stack** (the processes of `npm start`: MinIO and its webhook, ingest, the event router, transcode,",
    "the catalogue, nginx with its Redis cache; a fresh stack per source). Seconds after the upload's S3 PUT was answered: the plan step",
    "starts (MinIO's notification, ingest and the router); transcode's hops from its one-line-per-video log (probed in place through a",
    "presigned URL; keyframes from the MP4 index, read beside the probe; planned; the remux's first segments closed, uploaded (the chunk",
    "jobs are sent after this first publish); the playlists and master written; `video.playable` sent); the catalogue serving the",
    "stream's URL through the gateway (router → catalogue →",
    "cache); and **first playable**: the gateway serving the master playlist, the first media playlist and its first segment;",
    "last, the same from the plan step's start (everything after MinIO's notification, ingest and the router). A non-standard",
    "source's first playable comes from the lead rungs, another job that logs no hops: only its plan is timed. Each source runs",
    "several times, each on a fresh stack: the row is the median run, and 'every run' lists each run's first playable.",
    "",
    `| source | delivered | ${HOPS.map(([, h]) => h).join(" | ")} | catalogue | **gateway: first segment** | every run | from the plan step | load |`,
    `|---|---|${HOPS.map(() => "---|").join("")}---|---|---|---|---|`,
    ...(whole.length ? whole : ["| not measured in this run |"]),
    "",
    "The first hop is MinIO's notification. A webhook target with a queue directory (our `QUEUE_DIR`, so that no event is lost while",
    "ingest is down) only stores the event; a goroutine lists that directory every 3 s and sends what it finds (minio",
    "`internal/store/store.go`, `retryInterval`): 0–3 s, 1.5 s on average (measured 2026-12-01: 8 uploads reached the queued target",
    "0.2–2.5 s after their PUT was answered, a target without a queue directory 0–7 ms after). So MinIO has two targets on the same",
    "events, both POSTing to ingest (tools/minio-bootstrap/setup.ts): an unqueued one, the fast path that 'delivered' measures, and the",
    "queued one, which still delivers what the fast one could not (ingest down). The plan step answers the second delivery of an",
    "upload at once (202) when its process is planning it or its jobs were started.",
    "",
    "**In-process, with a viewer** (the transcode handler called as the broker would, against real MinIO and Redis; seconds after the upload",
    "event's delivery). Then a viewer opens the video in Chromium at first playable (hls.js configured as the player) and watches for 40 s:",
    "the seconds it spent waiting after its first frame. Load: the 1-minute load average when the row was measured.",
    "",
    `| source | remuxed | ${HOPS.map(([, h]) => h).join(" | ")} | **playable** | viewer at first playable: stalls | load |`,
    `|---|---|${HOPS.map(() => "---|").join("")}---|---|---|`,
    ...fp,
    "",
    "Sources: 1080p30 testsrc2 with light noise, H.264 High superfast, keyframe every 2 s, ≤ 6 Mb/s, AAC-LC stereo, faststart MP4;",
    "the 10-minute ones repeat that minute by stream copy; the 60-minute one repeats a low-complexity minute (no noise, ≤ 4 Mb/s) by",
    "stream copy, so it took seconds to make; the non-standard one is the same stream in MPEG-TS, which the standard check refuses (container).",
    "",
    ...compareSection(r, cmp, rungs),
    "",
    ...verdicts(r),
    END,
  ].join("\n");
  const doc = existsSync(DOC) ? readFileSync(DOC, "utf8") : "# Performance\n\n";
  const next = doc.includes(BEGIN)
    ? doc.slice(0, doc.indexOf(BEGIN)) + section + doc.slice(doc.indexOf(END) + END.length)
    : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(DOC, next);
  writeFileSync(join(REPO_ROOT, "docs", CHART), chart(r));
}

/** The ladder's cost and quality against the baseline, or a note that this run did not measure it. */
function compareSection(r: Result, cmp: readonly string[], rungs: readonly string[]): string[] {
  const b = r.baseline;
  if (!r.compare || !b) return ["### Ladder cost and quality against the baseline", "", "Not measured in this run."];
  const when = r.compareRun ?? { date: r.date, load: r.load };
  return [
    `### Ladder cost and quality against the baseline (${r.compareSeconds} s 1080p30 source)`,
    "",
    `Measured ${when.date.slice(0, 16).replace("T", " ")} UTC, load average ${when.load.split(" ").slice(0, 3).join(" ")}.`,
    "",
    "| ours | ladder | CPU-seconds | ÷ baseline | wall seconds | ÷ baseline |",
    "|---|---|---|---|---|---|",
    ...cmp,
    `| baseline (PeerTube style) | 5 encoded, one process per rung | ${b.cpu.toFixed(1)} | 1× | ${b.wall.toFixed(0)} | 1× |`,
    "",
    `SSIM (and PSNR) of each rung against the source scaled to the rung (bicubic), first ${QUALITY_SECONDS} s; in brackets, ours − baseline (target: ≥ −0.005).`,
    "",
    `| rung | baseline | ${r.compare.map((c) => `ours, ${c.label}`).join(" | ")} |`,
    `|---|---|${r.compare.map(() => "---|").join("")}`,
    ...rungs,
    "",
    "How it is measured: ours runs the transcode handler in-process against real MinIO and Redis (defaults: 4 s segments, 60 s chunks,",
    "8 s first chunk, veryfast), its CPU is the bench process and every ffmpeg it ran (`/proc/self/stat`), uploads included; the baseline",
    "counts its ffmpeg processes only (one per rung plus audio, two at a time). A standard source's 1080p rung is its own stream, remuxed",
    "(SSIM 1 against the source by construction).",
  ];
}

/** The issue's goals against this run. */
function verdicts(r: Result): string[] {
  const std = r.firstPlayable.filter((f) => f.standard);
  const other = r.firstPlayable.filter((f) => !f.standard);
  const worst = (fs: typeof std) => Math.max(...fs.map((f) => f.playable));
  const stalls = (fs: typeof std) => Math.max(...fs.map((f) => (f.viewing ? f.viewing.stallSeconds : 0)));
  const whole = (r.wholePath ?? []).filter((w) => w.standard !== false);
  const wholeOther = (r.wholePath ?? []).filter((w) => w.standard === false);
  const slowest = (ws: typeof whole) => Math.max(...ws.flatMap((w) => w.runs ?? [w.gateway]));
  const worstWhole = slowest(whole);
  const worstWholeOther = slowest(wholeOther);
  const b = r.baseline;
  const ratio = (c: NonNullable<Result["compare"]>[number]) => c.cpu / (b?.cpu ?? Number.NaN);
  const [cs, cn] = [r.compare?.find((c) => c.standard), r.compare?.find((c) => !c.standard)];
  const ssimGap = Math.max(...(r.compare ?? []).flatMap((c) => c.rungs.map((q, i) => (b?.rungs[i]?.ssim ?? 0) - q.ssim)));
  const met = (ok: boolean) => (ok ? "met" : "**not met**");
  return [
    "Against the goals of issue 15:",
    ...(whole.length
      ? [`- First playable ≤ 2 s, standard, whole path to the gateway: slowest run ${s2(worstWhole)} s — ${met(worstWhole <= 2)}.`]
      : []),
    ...(std.length ? [`- First playable ≤ 2 s, standard, transcode in-process: worst ${s2(worst(std))} s — ${met(worst(std) <= 2)}.`] : []),
    ...(wholeOther.length
      ? [
          `- First playable ≤ 8 s, non-standard, whole path to the gateway: slowest run ${s2(worstWholeOther)} s — ${met(worstWholeOther <= 8)}.`,
        ]
      : []),
    ...(other.length
      ? [
          `- First playable ≤ 8 s, non-standard, in-process: ${s2(worst(other))} s — ${met(worst(other) <= 8)}: the lead rungs, encoded from the start and published segment by segment.`,
        ]
      : []),
    `- Stalls at first playable: standard ${s1(stalls(std))} s (goal 0) — ${met(stalls(std) === 0)}${other.length ? `; non-standard ${s1(stalls(other))} s (goal ≤ 2) — ${met(stalls(other) <= 2)}` : ""}.`,
    ...(cs ? [`- Ladder CPU ≤ 0.4× baseline, standard: ${s2(ratio(cs))}× — ${met(ratio(cs) <= 0.4)}.`] : []),
    ...(cn ? [`- Ladder CPU ≤ 0.6× baseline, non-standard: ${s2(ratio(cn))}× — ${met(ratio(cn) <= 0.6)}.`] : []),
    ...(r.compare
      ? [
          `- SSIM within 0.005 of the baseline's rungs: worst ${ssimGap > 0 ? `${ssimGap.toFixed(4)} below` : "not below"} — ${met(ssimGap <= 0.005)}.`,
        ]
      : []),
  ];
}

/** Horizontal bars: first playable per source, with the goals (2 s standard, 8 s otherwise) as marks. */
function chart(r: Result): string {
  const rows = [
    ...(r.wholePath ?? []).map((w) => ({ label: `${w.label}: whole path`, playable: w.gateway, standard: w.standard !== false })),
    ...r.firstPlayable.map((f) => ({ label: `${f.label}: in-process`, playable: f.playable, standard: f.standard })),
  ];
  const max = Math.max(10, ...rows.map((f) => f.playable)) * 1.1;
  const [w, left, bar, gap] = [840, 400, 22, 14];
  const x = (s: number) => left + (s / max) * (w - left - 20);
  const h = 40 + rows.length * (bar + gap) + 30;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<text x="10" y="20" font-size="14">Upload complete → first playable (s); goal marks: 2 s standard, 8 s other</text>`,
  ];
  rows.forEach((f, i) => {
    const y = 40 + i * (bar + gap);
    const goal = f.standard ? 2 : 8;
    const fill = f.playable <= goal ? "#2a9d8f" : "#e76f51";
    out.push(`<text x="10" y="${y + 15}">${esc(f.label)}</text>`);
    out.push(`<rect x="${left}" y="${y}" width="${Math.max(1, x(f.playable) - left)}" height="${bar}" fill="${fill}"/>`);
    out.push(`<text x="${x(f.playable) + 4}" y="${y + 15}">${f.playable.toFixed(2)}</text>`);
    out.push(`<line x1="${x(goal)}" x2="${x(goal)}" y1="${y - 3}" y2="${y + bar + 3}" stroke="#000" stroke-dasharray="3,2"/>`);
  });
  for (let t = 0; t <= max; t += max > 40 ? 10 : 2)
    out.push(`<text x="${x(t)}" y="${h - 10}" text-anchor="middle" fill="#555">${t}</text>`);
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
}
