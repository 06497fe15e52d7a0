import { even } from "./ladder.js";

/** Size and grid of the storyboard tiles. One tile per segment, taken from the segment's first (key) frame. */
export interface TileGrid {
  readonly tileWidth: number;
  readonly tileHeight: number;
  /** Tiles per sprite row; a sprite has as many rows as its chunk needs. */
  readonly columns: number;
}

/** Longer side of a tile: 160 px is what players show above the scrub bar. */
export const TILE_LONG_SIDE = 160;
export const TILE_COLUMNS = 5;

/** An audio-only stream's preview: a window of its waveform strip (lib/media/waveform.ts), the size of a 16:9 tile. */
export const WAVEFORM_GRID: TileGrid = { tileWidth: TILE_LONG_SIDE, tileHeight: 90, columns: 1 };

/** Tile size for a display size, keeping the aspect ratio with even sides. */
export function tileGrid(width: number, height: number): TileGrid {
  const landscape = width >= height;
  const short = Math.max(2, even((TILE_LONG_SIDE * Math.min(width, height)) / Math.max(width, height)));
  return { tileWidth: landscape ? TILE_LONG_SIDE : short, tileHeight: landscape ? short : TILE_LONG_SIDE, columns: TILE_COLUMNS };
}

/** The `tile` filter's layout for a chunk with `tiles` tiles: columns × rows, one sprite per chunk. */
export function spriteLayout(grid: TileGrid, tiles: number): { columns: number; rows: number } {
  const columns = Math.min(grid.columns, Math.max(1, tiles));
  return { columns, rows: Math.max(1, Math.ceil(tiles / columns)) };
}

/** Name of a chunk's sprite in the video's folder. */
export function spriteName(chunk: number): string {
  return `sprite_${String(chunk).padStart(4, "0")}.jpg`;
}

/** One chunk's tiles: each covers one segment, [start, start + duration). */
export interface SpriteCues {
  readonly chunk: number;
  readonly segments: readonly { readonly start: number; readonly duration: number }[];
}

/** WebVTT thumbnail track (the `#xywh=` media-fragment convention hls.js players and Video.js read). Pure. */
export function thumbnailsVtt(grid: TileGrid, sprites: readonly SpriteCues[]): string {
  const lines = ["WEBVTT", ""];
  for (const s of sprites) {
    const { columns } = spriteLayout(grid, s.segments.length);
    s.segments.forEach((seg, i) => {
      const x = (i % columns) * grid.tileWidth;
      const y = Math.floor(i / columns) * grid.tileHeight;
      lines.push(`${vttTime(seg.start)} --> ${vttTime(seg.start + seg.duration)}`);
      lines.push(`${spriteName(s.chunk)}#xywh=${x},${y},${grid.tileWidth},${grid.tileHeight}`);
      lines.push("");
    });
  }
  return lines.join("\n");
}

/** Seconds as a WebVTT timestamp, HH:MM:SS.mmm. */
export function vttTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}
