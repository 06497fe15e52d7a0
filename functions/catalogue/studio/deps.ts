import type { Deps } from "../deps.js";
import { loginLimiter } from "./auth.js";
import type { StudioDeps } from "./routes.js";
import { type EditorBucket, editorBucket } from "./uploads.js";

/** The studio's dependencies, built from the catalogue's on the first studio request. */
export async function createStudioDeps(deps: Omit<Deps, "studio">): Promise<StudioDeps> {
  const [{ sendEvent, parseCeOverrides }, { unpublish }] = await Promise.all([
    import("../../../lib/runtime/cloudevents.js"),
    import("../apply.js"),
  ]);
  const { config } = deps;
  const overrides = parseCeOverrides(config.ceOverrides);
  let bucket: EditorBucket | null = null;
  return {
    login: { user: config.editorUser, password: config.editorPassword },
    limiter: loginLimiter(),
    store: deps.store,
    subscribe: deps.subscribe,
    log: deps.log.child({ part: "studio" }),
    serially: deps.serially,
    uploadsBucket: config.uploadsBucket,
    subtitles: { store: deps.store, origin: deps.origin, log: deps.log.child({ part: "studio" }), serially: deps.serially },
    unpublish: (id) => unpublish({ store: deps.store, origin: deps.origin, log: deps.log }, id),
    // Uploads, source checks and source removal act as the editor: the same rights as the MinIO console login.
    bucket: async () =>
      (bucket ??= editorBucket({
        endpoint: config.s3Endpoint,
        region: config.s3Region,
        bucket: config.uploadsBucket,
        user: config.editorUser,
        password: config.editorPassword,
      })),
    emit: (event) => sendEvent(config.sink, event, overrides),
  };
}
