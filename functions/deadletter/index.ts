import { http } from "@google-cloud/functions-framework";
import { deadLetterHandler } from "./handler.js";

http("deadletter", deadLetterHandler());
