import type { Request, Response } from "@google-cloud/functions-framework";
import { ErrorCode, EstrenaError, statusOf } from "../../../lib/contracts/errors.js";
import { publicError } from "../../../lib/contracts/failures.js";
import { canonicalLanguage, SUBTITLE_MAX_BYTES, UNDETERMINED } from "../../../lib/contracts/subtitles.js";
import { toWebVtt } from "../../../lib/media/webvtt.js";
import { addTrack, removeTrack, type SubtitleDeps } from "../subtitles.js";
import { studioVideo } from "../views.js";

/**
 * The studio's subtitle routes: `POST /api/studio/videos/:id/subtitles?language=en` with the .vtt or .srt file as the
 * body (any content type), `GET …/subtitles`, `DELETE …/subtitles/:language`. A file we cannot read is refused with
 * its fixed editor message (422/413) and changes nothing.
 */

function send(res: Response, status: number, body: unknown): void {
  res.status(status).set({ "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }).send(JSON.stringify(body));
}

/** The language query or path value, canonical; "und" when the editor leaves it empty. */
export function languageParam(value: unknown): string {
  if (value === undefined || value === "") return UNDETERMINED;
  const tag = typeof value === "string" ? canonicalLanguage(value.trim()) : null;
  if (!tag) throw new EstrenaError(ErrorCode.BadRequest, "language must be a language tag such as en, fr or pt-BR");
  return tag;
}

/** The request body as bytes, whichever parser functions-framework chose for its content type. */
function bodyBytes(req: Request): Uint8Array {
  const raw = (req as Request & { rawBody?: Buffer }).rawBody;
  if (raw) return raw;
  if (Buffer.isBuffer(req.body)) return req.body;
  if (typeof req.body === "string") return Buffer.from(req.body, "utf8");
  throw new EstrenaError(ErrorCode.BadRequest, "send the subtitle file as the request body");
}

export async function postSubtitle(req: Request, res: Response, deps: SubtitleDeps, id: string): Promise<void> {
  const language = languageParam(req.query.language);
  const bytes = bodyBytes(req);
  if (!bytes.byteLength) throw new EstrenaError(ErrorCode.BadRequest, "the subtitle file is empty");
  try {
    // Checked before the queue: a bad file is the editor's to fix now, not a track that failed.
    if (bytes.byteLength > SUBTITLE_MAX_BYTES) throw new EstrenaError(ErrorCode.SubtitleTooLarge, "over the size cap");
    toWebVtt(bytes);
  } catch (err) {
    if (err instanceof EstrenaError && err.code !== ErrorCode.Internal) return send(res, statusOf(err), { error: publicError(err) });
    throw err;
  }
  const video = await deps.serially(id, () => addTrack(deps, id, { language, from: { kind: "studio", bytes } }));
  if (!video) throw new EstrenaError(ErrorCode.NotFound, `no video ${id}`);
  deps.log.info({ videoId: id, language }, "studio: subtitles added");
  send(res, 201, studioVideo(video));
}

export async function listSubtitles(res: Response, deps: SubtitleDeps, id: string): Promise<void> {
  const video = await deps.store.get(id);
  if (!video) throw new EstrenaError(ErrorCode.NotFound, `no video ${id}`);
  send(res, 200, { subtitles: studioVideo(video).subtitles ?? [] });
}

export async function deleteSubtitle(res: Response, deps: SubtitleDeps, id: string, language: string): Promise<void> {
  const tag = languageParam(language);
  await deps.serially(id, () => removeTrack(deps, id, tag));
  deps.log.info({ videoId: id, language: tag }, "studio: subtitles removed");
  res.status(204).end();
}
