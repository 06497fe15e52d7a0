import { describe, expect, it } from "vitest";
import { deadLetter, deadLetterFileName } from "../../../../lib/contracts/dead-letter.js";

const at = new Date("2026-11-24T05:06:07.089Z");
const event = {
  id: "abc/1",
  type: "dev.estrena.video.ready",
  knativeerrorcode: "500",
  knativeerrordest: "http://catalogue",
  knativeerrordata: Buffer.from("Überlauf: 500").toString("base64"),
};

describe("the one dead-letter record", () => {
  it("keeps the event, its knativeerror* attributes and their decoded body (UTF-8)", () => {
    expect(deadLetter(event, at)).toEqual({
      receivedAt: "2026-11-24T05:06:07.089Z",
      errorBody: "Überlauf: 500",
      errors: { knativeerrorcode: "500", knativeerrordest: "http://catalogue", knativeerrordata: event.knativeerrordata },
      event,
    });
  });

  it("adds the router's delivery history, and leaves out what an event does not carry", () => {
    const delivery = {
      trigger: "catalogue-video",
      subscriber: "catalogue",
      url: "http://c",
      attempts: 3,
      lastStatus: 0,
      lastError: "refused",
    };
    expect(deadLetter({ id: "x", type: "t" }, at, delivery)).toEqual({
      receivedAt: at.toISOString(),
      errors: {},
      event: { id: "x", type: "t" },
      delivery,
    });
  });

  it.each([
    ["the deadletter function: time, type, id", undefined, "2026-11-24T05-06-07-089Z-dev.estrena.video.ready-abc_1.json"],
    ["the router: time, Trigger, id", "catalogue-video", "2026-11-24T05-06-07-089Z-catalogue-video-abc_1.json"],
  ])("names files for %s", (_, trigger, want) => {
    const delivery = trigger ? { trigger, subscriber: "s", url: "u", attempts: 1, lastStatus: 400, lastError: "e" } : undefined;
    expect(deadLetterFileName(deadLetter(event, at, delivery))).toBe(want);
  });
});
