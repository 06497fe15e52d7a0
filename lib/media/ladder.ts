import type { Fps } from "./probe-check.js";

/** One video rendition of the ladder. */
export interface Rung {
  /** File-name stem and label, by the shorter side: "720p" is 1280x720 landscape or 720x1280 portrait. */
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly fps: Fps;
  /** Peak bitrate cap (bit/s): x264 `-maxrate`, and the master playlist's BANDWIDTH until measured. */
  readonly maxrate: number;
  /** H.264 level as level_idc (31 = 3.1), from the picture size, frame rate and bitrate. */
  readonly level: number;
  /** RFC 6381 codec string of the video track, e.g. avc1.64001f (High profile). */
  readonly codecs: string;
}

/** Standard rungs by shorter side. Sources between two get the lower ones (never upscale). */
export const RUNG_SIDES = [2160, 1440, 1080, 720, 480, 360, 240] as const;

/**
 * Bits per pixel per frame of each rung's bitrate cap at ≤30 fps.
 * Origin: Apple's HLS Authoring Specification ladder (developer.apple.com/documentation/http-live-streaming/
 * hls-authoring-specification-for-apple-devices, "Video bit rates") puts 1080p30 at 6000 kb/s (0.096 bpp),
 * 720p30 at 3000 kb/s (0.109) and 540p30 at 2000 kb/s (0.129). Those are averages for hard content; we use them
 * rounded down as a *cap* on top of CRF 23, so easy content spends less. Smaller pictures need more bits per pixel
 * (fixed per-frame overhead, less spatial redundancy), hence the rising values; 2160/1440 extrapolate the trend.
 */
export const BITS_PER_PIXEL: Readonly<Record<number, number>> = {
  2160: 0.06,
  1440: 0.07,
  1080: 0.08,
  720: 0.09,
  480: 0.1,
  360: 0.11,
  240: 0.13,
};
/** For sources smaller than every rung. */
const SMALL_BPP = 0.14;

/** Frame-rate caps: 60 at 720p and above, 30 below (small screens gain little from more motion samples). */
export const FPS_CAP_HIGH = 60;
export const FPS_CAP_LOW = 30;
export const FPS_CAP_LOW_BELOW = 720;

/** Plans the ladder for a display size and frame rate. Pure; always returns at least one rung, largest first. */
export function planLadder(width: number, height: number, fps: Fps): Rung[] {
  const short = Math.min(width, height);
  const sides: number[] = RUNG_SIDES.filter((s) => s <= short);
  if (sides.length === 0) sides.push(even(short) || 2);
  return sides.map((side) => rung(side, width, height, fps));
}

function rung(side: number, width: number, height: number, srcFps: Fps): Rung {
  const landscape = width >= height;
  const long = even((side * Math.max(width, height)) / Math.min(width, height));
  const w = landscape ? long : side;
  const h = landscape ? side : long;
  const fps = capFps(srcFps, side < FPS_CAP_LOW_BELOW ? FPS_CAP_LOW : FPS_CAP_HIGH);
  const maxrate = bitrateCap(side, w, h, fps);
  const level = h264Level(w, h, fps, maxrate);
  return { name: `${side}p`, width: w, height: h, fps, maxrate, level, codecs: `avc1.6400${level.toString(16).padStart(2, "0")}` };
}

/** Rounds to the nearest even number (H.264 4:2:0 needs even dimensions). */
export function even(x: number): number {
  return 2 * Math.round(x / 2);
}

/**
 * Caps a frame rate by dividing it by the smallest whole number that brings it under the cap, so the kept frames
 * are a regular subset of the source's (59.94 → 29.97, 50 → 25, 120 → 30) and segment starts fall on the same instants.
 */
export function capFps(fps: Fps, cap: number): Fps {
  const v = fps.num / fps.den;
  if (v <= cap) return fps;
  const n = Math.ceil(v / cap - 1e-9);
  const num = fps.num;
  const den = fps.den * n;
  const g = gcd(num, den);
  return { num: num / g, den: den / g };
}

/**
 * Bitrate cap in bit/s: bits-per-pixel × pixels × an effective frame rate. Above 30 fps each extra frame costs half
 * (consecutive frames are more alike), so 60 fps is 1.5× the 30 fps figure. Rounded to 1 kb/s, at least MIN_BITRATE.
 */
export function bitrateCap(side: number, w: number, h: number, fps: Fps): number {
  const f = fps.num / fps.den;
  const effective = f <= 30 ? f : 30 + (f - 30) / 2;
  const bpp = BITS_PER_PIXEL[side] ?? SMALL_BPP;
  return Math.max(MIN_BITRATE, Math.round((bpp * w * h * effective) / 1000) * 1000);
}
/** Floor for tiny pictures: below this x264's rate control has nothing to work with. */
export const MIN_BITRATE = 50_000;

/** H.264 levels (ITU-T H.264 Table A-1): max frame size in macroblocks, max macroblocks/s, max bitrate (kb/s, Main). */
const LEVELS: readonly (readonly [idc: number, maxFs: number, maxMbps: number, maxKbps: number])[] = [
  [30, 1620, 40500, 10000],
  [31, 3600, 108000, 14000],
  [32, 5120, 216000, 20000],
  [40, 8192, 245760, 20000],
  [41, 8192, 245760, 50000],
  [42, 8704, 522240, 50000],
  [50, 22080, 589824, 135000],
  [51, 36864, 983040, 240000],
  [52, 36864, 2073600, 240000],
];
/** High profile allows 1.25× the Main-profile bitrate (Table A-2, cpbBrNalFactor 1500 vs 1200). */
const HIGH_BR_FACTOR = 1.25;

/** The lowest H.264 level that fits a picture size, frame rate and peak bitrate. */
export function h264Level(w: number, h: number, fps: Fps, maxrate: number): number {
  const mbs = Math.ceil(w / 16) * Math.ceil(h / 16);
  const mbps = mbs * (fps.num / fps.den);
  for (const [idc, maxFs, maxMbps, maxKbps] of LEVELS) {
    if (mbs <= maxFs && mbps <= maxMbps && maxrate <= maxKbps * 1000 * HIGH_BR_FACTOR) return idc;
  }
  return 52;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
