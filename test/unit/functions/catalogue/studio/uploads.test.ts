import { describe, expect, it } from "vitest";
import { MAX_PARTS, metaTitle, MIN_PART, partCount, partSize, uploadKey } from "../../../../../functions/catalogue/studio/uploads.js";

const GiB = 1024 ** 3;

describe("studio uploads", () => {
  it.each([
    [0, MIN_PART, 1],
    [100 * 1024 * 1024, MIN_PART, 13],
    [10 * GiB, MIN_PART, 1280],
    [200 * GiB, 21 * 1024 * 1024, 9753],
    [5 * 1024 * GiB, 525 * 1024 * 1024, 9987],
  ])("a file of %d bytes goes in parts of %d (%d parts)", (size, part, count) => {
    expect(partSize(size)).toBe(part);
    expect(partCount(size)).toBe(count);
    expect(partCount(size)).toBeLessThanOrEqual(MAX_PARTS);
  });

  it("refuses sizes S3 cannot take", () => {
    expect(() => partSize(5 * 1024 * GiB + 1)).toThrow(/cannot be uploaded/);
    expect(() => partSize(-1)).toThrow();
  });

  it.each([
    ["holiday.mp4", "holiday.mp4"],
    ["C:\\Users\\me\\talk.en.vtt", "talk.en.vtt"],
    ["dir/../x.mp4", "x.mp4"],
    ["a#b?c%.mp4", "a_b_c_.mp4"],
    ["...hidden.mp4", "hidden.mp4"],
  ])("key for %s is %s", (name, key) => {
    expect(uploadKey(name)).toBe(key);
  });

  it("refuses a file without a name", () => {
    expect(() => uploadKey("dir/")).toThrow(/needs a name/);
  });

  it("sends non-ASCII titles as RFC 2047", () => {
    expect(metaTitle("Plain title")).toBe("Plain title");
    expect(metaTitle("Canción")).toBe(`=?UTF-8?B?${Buffer.from("Canción").toString("base64")}?=`);
  });
});
