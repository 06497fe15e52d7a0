import { serve } from "../../lib/runtime/server.js";
import { deadLetterHandler } from "./handler.js";

// node:http rather than functions-framework's CLI, which loads express first (docs/performance.md#cold-starts).
serve("deadletter", deadLetterHandler());
