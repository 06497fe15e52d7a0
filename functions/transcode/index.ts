import { http } from "@google-cloud/functions-framework";
import { handlerFromEnv } from "./handler.js";

http("transcode", handlerFromEnv());
