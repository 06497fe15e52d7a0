import "../../styles/base.css";
import "../../styles/player.css";
import { ApiError, getVideo } from "../shared/api.js";
import { Bus } from "../shared/bus.js";
import { byId } from "../shared/dom.js";
import { createCaptionsMenu } from "./captions-menu.js";
import { createControls } from "./controls.js";
import { createEngine, loadHls, prefersNativeHls } from "./engine.js";
import { createErrorOverlay } from "./error-overlay.js";
import type { Piece, PlayerContext, PlayerEvents } from "./events.js";
import { createFullscreen } from "./fullscreen.js";
import { createHelpDialog } from "./help-dialog.js";
import { createLadderUpgrade } from "./ladder-upgrade.js";
import { createQoe } from "./qoe.js";
import { createQualityMenu } from "./quality-menu.js";
import { createResume } from "./resume-piece.js";
import { loadResume } from "./resume.js";
import { createScrubPreview } from "./scrub-preview.js";
import { createShortcuts } from "./shortcuts.js";
import { createSpeedMenu } from "./speed-menu.js";
import { createStatus } from "./status.js";
import { createVolume } from "./volume.js";

/** Wires the pieces of the player page to one bus. Pieces only know the bus, the <video> and the page. */
function start(): void {
  const root = byId("player");
  const video = byId<HTMLVideoElement>("video");
  const videoId = new URLSearchParams(location.search).get("v") ?? "";
  const bus = new Bus<PlayerEvents>();
  const ctx: PlayerContext = { bus, video, root, videoId };

  // Fetch the player code and the record in parallel: both are on the path to the first frame.
  const hls = prefersNativeHls(video) ? null : loadHls();
  const startAt = videoId ? safeLoadResume(videoId) : null;

  const pieces: Piece[] = [
    createErrorOverlay(ctx),
    createStatus(ctx),
    createControls(ctx),
    createVolume(ctx),
    createFullscreen(ctx),
    createSpeedMenu(ctx),
    createQualityMenu(ctx),
    createCaptionsMenu(ctx),
    createScrubPreview(ctx),
    createShortcuts(ctx),
    createHelpDialog(ctx),
    createResume(ctx, startAt),
    createQoe(ctx),
    createLadderUpgrade(ctx),
    createEngine(ctx, { hls, startAt }),
  ];
  window.addEventListener("pagehide", (e) => {
    if (!e.persisted) for (const p of pieces.reverse()) p.destroy();
  });

  if (!videoId) {
    bus.emit("fatal", { kind: "not-found", message: "No video was chosen. Go back to the catalogue and pick one." });
    return;
  }
  getVideo(videoId).then(
    (v) => {
      if (v.poster) video.poster = v.poster;
      bus.emit("video", v);
    },
    (err: unknown) => {
      const notFound = err instanceof ApiError && err.status === 404;
      bus.emit(
        "fatal",
        notFound
          ? { kind: "not-found", message: "This video doesn't exist, or it was removed." }
          : { kind: "network", message: "We can't reach the catalogue right now. Check your connection, then try again." },
      );
    },
  );
  bus.on({
    retry: () => {
      // A failed first fetch has no playlist to retry; reloading the page is the honest retry.
      if (!video.currentSrc) location.reload();
    },
  });
}

function safeLoadResume(id: string): number | null {
  try {
    return loadResume(localStorage, id);
  } catch {
    return null;
  }
}

start();
