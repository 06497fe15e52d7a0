import { describe, expect, it } from "vitest";
import { EstrenaError } from "../../../../lib/contracts/errors.js";
import { authorizeDelivery, deliveryAuthorization } from "../../../../lib/runtime/event-auth.js";

describe("authorizeDelivery", () => {
  const token = "s3cret-token";

  it("accepts the router's credential", () => {
    expect(() => authorizeDelivery(deliveryAuthorization(token), token)).not.toThrow();
  });

  it.each([
    ["no header", {}],
    ["another token", { authorization: "Bearer s3cret-tokem" }],
    ["the token without its scheme", { authorization: token }],
    ["a longer token", { authorization: `Bearer ${token}x` }],
    ["a repeated header", { authorization: [`Bearer ${token}`, `Bearer ${token}`] }],
  ])("refuses %s, as a final unauthorized error", (_, headers) => {
    let err: unknown;
    try {
      authorizeDelivery(headers, token);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EstrenaError);
    expect([(err as EstrenaError).code, (err as EstrenaError).retryable]).toEqual(["unauthorized", false]);
  });

  it("checks nothing when no token is configured (Knative)", () => {
    expect(() => authorizeDelivery({}, "")).not.toThrow();
    expect(deliveryAuthorization("")).toEqual({});
  });
});
