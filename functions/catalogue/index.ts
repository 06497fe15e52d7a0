import { http } from "@google-cloud/functions-framework";
import { createDeps } from "./deps.js";
import { createHandler } from "./handler.js";

http(
  "catalogue",
  createHandler(() => createDeps()),
);
