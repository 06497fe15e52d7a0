import { http } from "@google-cloud/functions-framework";
import { ingestHandler } from "./handler.js";

http("ingest", ingestHandler());
