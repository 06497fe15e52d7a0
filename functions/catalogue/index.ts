import { serve } from "../../lib/runtime/server.js";
import { createDeps } from "./deps.js";
import { createHandler } from "./handler.js";

// The catalogue's process entry (the image's CMD, npm start): node:http rather than functions-framework's CLI,
// which loads express first; every cold start of the catalogue is a viewer waiting (docs/performance.md#cold-starts).
serve(
  "catalogue",
  createHandler(() => createDeps()),
);
