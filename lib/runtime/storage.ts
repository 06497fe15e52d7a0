import { Client } from "minio";
import type { Config } from "./config.js";

/** An S3 client for the configured endpoint. Plain S3 calls only; MinIO specifics stay in tools/minio-*. */
export function createStorage(config: Pick<Config, "s3Endpoint" | "s3AccessKey" | "s3SecretKey" | "s3Region">): Client {
  const u = new URL(config.s3Endpoint);
  return new Client({
    endPoint: u.hostname,
    port: Number(u.port || (u.protocol === "https:" ? 443 : 80)),
    useSSL: u.protocol === "https:",
    accessKey: config.s3AccessKey,
    secretKey: config.s3SecretKey,
    region: config.s3Region,
  });
}
