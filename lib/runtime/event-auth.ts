import { createHash, timingSafeEqual } from "node:crypto";
import { ErrorCode, EstrenaError } from "../contracts/errors.js";

/**
 * Event deliveries carry the router's credential: `Authorization: Bearer <EVENT_AUTH_TOKEN>`. Each function that
 * receives events checks it before decoding anything, in constant time, as ingest checks MinIO's webhook token.
 * An empty token turns the check off: on Knative the Broker cannot present one, and the network (cluster-local
 * Services, NetworkPolicy) is the boundary there (docs/operations.md#event-authentication).
 */
export function authorizeDelivery(headers: Readonly<Record<string, string | string[] | undefined>>, token: string): void {
  if (!token) return;
  const given = headers.authorization;
  const presented = typeof given === "string" ? given : "";
  // Digests of equal length, so timingSafeEqual neither throws nor leaks the token's length.
  const digest = (s: string) => createHash("sha256").update(s).digest();
  if (!timingSafeEqual(digest(presented), digest(`Bearer ${token}`)))
    throw new EstrenaError(ErrorCode.Unauthorized, "event delivery without the router's credential: refused");
}

/** The header the router presents with every delivery. */
export function deliveryAuthorization(token: string): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
