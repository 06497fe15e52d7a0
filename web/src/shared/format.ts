/** `65` → `1:05`, `3723` → `1:02:03`; unknown or negative durations give `--:--`. */
export function formatTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "--:--";
  const total = Math.floor(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Spoken form for screen readers: `3723` → `1 hour 2 minutes 3 seconds`. */
export function spokenTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "unknown length";
  const total = Math.floor(seconds);
  const parts: [number, string][] = [
    [Math.floor(total / 3600), "hour"],
    [Math.floor((total % 3600) / 60), "minute"],
    [total % 60, "second"],
  ];
  const words = parts.filter(([n]) => n > 0).map(([n, unit]) => `${n} ${unit}${n === 1 ? "" : "s"}`);
  return words.length ? words.join(" ") : "0 seconds";
}

/** 0..1 → whole percent, clamped: `0.456` → `46%`. */
export function formatPercent(fraction: number): string {
  const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  return `${Math.round(clamped * 100)}%`;
}

/** A rendition label: `720p`, with ` · 2.5 Mb/s` when the bandwidth is known. */
export function formatRendition(height: number, bandwidth?: number): string {
  if (!bandwidth || bandwidth <= 0) return `${height}p`;
  const mbps = bandwidth / 1_000_000;
  const rate = mbps >= 1 ? `${mbps.toFixed(1)} Mb/s` : `${Math.round(bandwidth / 1000)} kb/s`;
  return `${height}p · ${rate}`;
}
