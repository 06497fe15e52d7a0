import { describe, expect, it } from "vitest";
import { languageParam } from "../../../../../functions/catalogue/studio/subtitles.js";
import { EstrenaError } from "../../../../../lib/contracts/errors.js";

describe("the studio's language parameter", () => {
  it.each([
    ["en", "en"],
    [" pt-br ", "pt-BR"],
    ["ZH-hant", "zh-Hant"],
    ["es-419", "es-419"],
    ["", "und"],
    [undefined, "und"],
  ])("%j → %s", (value, tag) => {
    expect(languageParam(value)).toBe(tag);
  });

  it.each(["english", "en_US", "../etc", "en\nX-Injected: 1", '"en"', ["en", "fr"], 12])("%j is a bad request", (value) => {
    expect(() => languageParam(value)).toThrow(EstrenaError);
    try {
      languageParam(value);
    } catch (err) {
      expect((err as EstrenaError).code).toBe("bad-request");
    }
  });
});
