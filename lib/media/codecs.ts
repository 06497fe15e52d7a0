/**
 * RFC 6381 codec string of an H.264 track, read from the init segment's `avcC` box (ISO/IEC 14496-15 5.3.3.1):
 * the profile, constraint flags and level the encoder really wrote. x264 may signal a lower profile than asked for
 * when a preset uses no High-profile tool (ultrafast writes Constrained Baseline), so the plan cannot predict it. Pure.
 */
export function avcCodecString(init: Uint8Array): string | null {
  for (let i = 4; i + 8 <= init.length; i++) {
    // "avcC" box type, then configurationVersion 1.
    if (init[i] === 0x61 && init[i + 1] === 0x76 && init[i + 2] === 0x63 && init[i + 3] === 0x43 && init[i + 4] === 1) {
      const hex = (b: number | undefined) => (b ?? 0).toString(16).padStart(2, "0");
      return `avc1.${hex(init[i + 5])}${hex(init[i + 6])}${hex(init[i + 7])}`;
    }
  }
  return null;
}
