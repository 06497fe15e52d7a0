/** Where a viewer left off, kept in localStorage under one key per video. */
export interface ResumeEntry {
  readonly t: number;
  readonly d: number;
  readonly at: number;
}

/** The slice of `Storage` we use, so tests pass a Map-backed fake without touching a browser. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  readonly length: number;
  key(index: number): string | null;
}

export const RESUME_PREFIX = "estrena:resume:";
/** Positions in the first seconds are not worth resuming. */
export const MIN_RESUME_SECONDS = 5;
/** Within this many seconds of the end (or 5% of a short video), it counts as watched and starts over next time. */
export const END_MARGIN_SECONDS = 10;
/** Oldest entries beyond this count are dropped so storage stays small. */
export const MAX_ENTRIES = 50;

/** Decides what to store for a position: an entry, or null meaning "forget this video". */
export function resumeEntry(t: number, d: number, now: number): ResumeEntry | null {
  if (!Number.isFinite(t) || t < MIN_RESUME_SECONDS) return null;
  if (Number.isFinite(d) && d > 0 && t > d - Math.min(END_MARGIN_SECONDS, d * 0.05)) return null;
  return { t: Math.floor(t * 10) / 10, d: Number.isFinite(d) ? d : 0, at: now };
}

/** Saves (or forgets) the position of a video and prunes old entries. */
export function saveResume(store: KeyValueStore, id: string, t: number, d: number, now = Date.now()): void {
  const entry = resumeEntry(t, d, now);
  try {
    if (!entry) {
      store.removeItem(RESUME_PREFIX + id);
      return;
    }
    store.setItem(RESUME_PREFIX + id, JSON.stringify(entry));
    prune(store);
  } catch {
    // Storage full or disabled (private mode): resuming is a nicety, never an error.
  }
}

/** The saved position to resume from, or null. */
export function loadResume(store: KeyValueStore, id: string): number | null {
  let raw: string | null = null;
  try {
    raw = store.getItem(RESUME_PREFIX + id);
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const e = JSON.parse(raw) as Partial<ResumeEntry>;
    return typeof e.t === "number" && e.t >= MIN_RESUME_SECONDS ? e.t : null;
  } catch {
    return null;
  }
}

function prune(store: KeyValueStore): void {
  const entries: [string, number][] = [];
  for (let i = 0; i < store.length; i++) {
    const key = store.key(i);
    if (!key?.startsWith(RESUME_PREFIX)) continue;
    let at = 0;
    try {
      at = Number((JSON.parse(store.getItem(key) ?? "{}") as Partial<ResumeEntry>).at) || 0;
    } catch {
      // A corrupt entry sorts as oldest and goes first.
    }
    entries.push([key, at]);
  }
  if (entries.length <= MAX_ENTRIES) return;
  entries.sort((a, b) => a[1] - b[1]);
  for (const [key] of entries.slice(0, entries.length - MAX_ENTRIES)) store.removeItem(key);
}
