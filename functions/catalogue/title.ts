/**
 * The title a video gets when the upload names none: the file name without its extension, `_` read as spaces
 * ("my_holiday.final.mp4" → "my holiday.final"). An explicit title (x-amz-meta-title, `npm run upload --title`,
 * the studio) always wins.
 */
export function defaultTitle(key: string): string {
  const name = key.split("/").filter(Boolean).pop() ?? key;
  const dot = name.lastIndexOf(".");
  const stem = dot > 0 ? name.slice(0, dot) : name;
  return stem.replace(/_+/g, " ").replace(/\s+/g, " ").trim() || stem;
}

export function titleFor(explicit: string | undefined, key: string): string {
  return explicit?.trim() || defaultTitle(key);
}
