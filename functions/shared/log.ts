import { pino, type Logger } from "pino";

export type { Logger };

/** JSON logs on stdout; bind `ceId` and `videoId` with `log.child({...})` so one upload can be traced. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({
    name,
    level,
    base: { svc: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ["*.authorization", "*.secretKey", "*.password", "headers.authorization"], censor: "***" },
  });
}
