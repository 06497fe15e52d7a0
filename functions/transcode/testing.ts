/**
 * The seam that benchmarks and tests use to drive transcode in-process, instead of importing its internal files
 * (functions-framework's `testing` export plays the same role).
 */
export { createDeps, type Deps } from "./deps.js";
export { handleEvent } from "./handler.js";
export { jobEvent } from "./jobs.js";
