import { extname, sep } from "node:path";
import { isSidecarKey } from "../../lib/contracts/subtitles.js";

/**
 * The watched folder's import rules, pure. Only video and audio files (sound alone becomes an audio-only stream) and
 * subtitle sidecars (.vtt/.srt: subtitle tracks of the video of the same name) are imported: a media folder also
 * holds notes and OS litter (.DS_Store, Thumbs.db) that would only become failed videos. `npm run upload` has no such filter (naming a file is intent enough) and transcode rejects
 * non-media files with `not-a-video`.
 */
export const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set([
  ".mp4",
  ".m4v",
  ".mov",
  ".mkv",
  ".webm",
  ".avi",
  ".ts",
  ".m2ts",
  ".mts",
  ".flv",
  ".wmv",
  ".mpg",
  ".mpeg",
  ".3gp",
  ".ogv",
  ".m4a",
  ".mp3",
  ".wav",
  ".flac",
  ".ogg",
  ".oga",
  ".opus",
  ".aac",
]);

/** Names copy tools give files still being written: browsers, rsync, office apps, editors. */
const IN_PROGRESS = [/\.part$/i, /\.partial$/i, /\.crdownload$/i, /\.download$/i, /\.tmp$/i, /~$/];

export type Skip = "hidden" | "in-progress" | "not-a-video";

/** Why a path (relative to the watched folder) is not imported, or null when it is a candidate. */
export function skipReason(relPath: string): Skip | null {
  const parts = relPath.split(sep);
  if (parts.some((p) => p.startsWith("."))) return "hidden";
  const name = parts[parts.length - 1] ?? "";
  if (IN_PROGRESS.some((re) => re.test(name))) return "in-progress";
  // Subtitle sidecars are imported too: ingest makes them subtitle tracks of the video of the same name, never videos.
  if (!VIDEO_EXTENSIONS.has(extname(name).toLowerCase()) && !isSidecarKey(name)) return "not-a-video";
  return null;
}

/** The object key for a file: its path under the watched folder, with `/` separators, so sub-folders become prefixes. */
export function objectKeyFor(relPath: string): string {
  return relPath.split(sep).join("/");
}

/** What identifies one version of a local file. */
export interface FileVersion {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * The ledger key: path + size + mtime. A file that is rewritten gets a new key and is imported again (a new
 * object version, a new video); a restart, a rename back, or `touch`-free copies with preserved times do not.
 * Hashing the content would also catch same-size rewrites within one mtime tick, at the cost of reading every
 * file at every start; path+size+mtime is what rsync and make trust too.
 */
export function fingerprint(f: FileVersion): string {
  return `${f.size}:${Math.trunc(f.mtimeMs)}:${f.path}`;
}

/** One line of the ledger (JSON Lines, append-only): written after the upload succeeded. */
export interface LedgerEntry extends FileVersion {
  readonly key: string;
  readonly etag: string;
  readonly importedAt: string;
}

export function ledgerLine(e: LedgerEntry): string {
  return `${JSON.stringify(e)}\n`;
}

/** Fingerprints of every file already imported. A torn last line (crash mid-append) is ignored: that file is imported again, harmlessly (same ETag, same video). */
export function parseLedger(text: string): Set<string> {
  const seen = new Set<string>();
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as Partial<LedgerEntry>;
      if (typeof e.path === "string" && typeof e.size === "number" && typeof e.mtimeMs === "number")
        seen.add(fingerprint(e as FileVersion));
    } catch {
      /* torn line: see above */
    }
  }
  return seen;
}

export type Decision = { readonly action: "import" } | { readonly action: "skip"; readonly reason: Skip | "already-imported" | "empty" };

/** Whether a stable file is uploaded now. */
export function decide(f: FileVersion, imported: ReadonlySet<string>): Decision {
  const skip = skipReason(f.path);
  if (skip) return { action: "skip", reason: skip };
  if (f.size === 0) return { action: "skip", reason: "empty" };
  if (imported.has(fingerprint(f))) return { action: "skip", reason: "already-imported" };
  return { action: "import" };
}

/** Delay before retry `attempt` (1-based) of a failed upload: 1 s doubling to 30 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt - 1));
}
