import { HTTP } from "cloudevents";
import { describe, expect, it } from "vitest";
import { ESTRENA_TYPES, estrenaEvent, parseCeOverrides } from "../../../../lib/contracts/events.js";

describe("event catalogue", () => {
  it.each(ESTRENA_TYPES.map((t) => [t]))("%s follows dev.estrena.<noun>.<verb>", (type) => {
    expect(type).toMatch(/^dev\.estrena\.[a-z]+\.[a-z]+$/);
  });

  it("round-trips an event through binary HTTP", () => {
    const event = estrenaEvent("dev.estrena.video.progress", { videoId: "v0123456789abcdef012", progress: 0.5 }, { id: "fixed" });
    const msg = HTTP.binary(event);
    expect(msg.headers["ce-type"]).toBe("dev.estrena.video.progress");
    expect(msg.headers["ce-id"]).toBe("fixed");
    const back = HTTP.toEvent({ headers: msg.headers, body: msg.body });
    expect(Array.isArray(back)).toBe(false);
    expect((back as typeof event).data).toEqual({ videoId: "v0123456789abcdef012", progress: 0.5 });
    expect((back as typeof event).subject).toBe("v0123456789abcdef012");
  });

  it("reads K_CE_OVERRIDES extensions", () => {
    expect(parseCeOverrides("")).toEqual({});
    expect(parseCeOverrides('{"extensions":{"cluster":"east","n":1}}')).toEqual({ cluster: "east", n: "1" });
  });
});
