import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  CATALOGUE_COMPLETE,
  CATALOGUE_HASH,
  GONE_SET,
  isPlaylist,
  sourceHash,
  sourceIndexObject,
  sourceKey,
  streamFillLock,
  streamIndexKey,
  streamObjectKey,
  videoChannel,
} from "../../../../lib/contracts/cache-keys.js";

const ID = "v0123456789abcdef012";

describe("cache keys", () => {
  it("names every key exactly", () => {
    expect([
      CATALOGUE_HASH,
      CATALOGUE_COMPLETE,
      videoChannel(ID),
      streamObjectKey(ID, "seg_001.m4s"),
      streamIndexKey(ID),
      streamFillLock(ID, "seg_001.m4s"),
    ]).toEqual([
      "estrena:cat:videos",
      "estrena:cat:complete",
      `estrena:cat:events:${ID}`,
      `estrena:gw:obj:${ID}/seg_001.m4s`,
      `estrena:gw:keys:${ID}`,
      `estrena:gw:lock:${ID}/seg_001.m4s`,
    ]);
  });
  it("names a source by the sha256 of bucket/key, never by the key itself", () => {
    // printf 'uploads/x.mp4' | sha256sum
    const h = "e5fa3d8d313532834b41b9b350f7d1dc45b4033a56b44d6366fb8a37534560d4";
    expect([sourceHash("uploads", "x.mp4"), sourceKey("uploads", "x.mp4"), sourceIndexObject("uploads", "x.mp4")]).toEqual([
      h,
      `estrena:cat:source:${h}`,
      `index/sources/${h}.json`,
    ]);
    expect(sourceIndexObject("uploads", "../../a/b.mp4")).toMatch(/^index\/sources\/[0-9a-f]{64}\.json$/);
  });
  it.each([
    [`estrena:gw:obj:${ID}/master.m3u8`, true],
    [`estrena:gw:obj:${ID}/720p.m3u8`, true],
    [`estrena:gw:obj:${ID}/seg_001.m4s`, false],
    [`estrena:gw:obj:${ID}/thumbnails.vtt`, false],
  ])("isPlaylist(%j) = %s", (key, expected) => {
    expect(isPlaylist(key)).toBe(expected);
  });
});

describe("the gateway's Lua builds the same keys", () => {
  const lua = readFileSync(new URL("../../../../gateway/lua/estrena/keys.lua", import.meta.url), "utf8");
  it("object and index keys", () => {
    const object = /function _M\.stream_object\(id, file\)\s+return "([^"]+)" \.\. id \.\. "\/" \.\. file/.exec(lua)?.[1];
    const index = /function _M\.stream_index\(id\)\s+return "([^"]+)" \.\. id/.exec(lua)?.[1];
    const lock = /function _M\.fill_lock\(id, file\)\s+return "([^"]+)" \.\. id \.\. "\/" \.\. file/.exec(lua)?.[1];
    expect([`${object}${ID}/seg_001.m4s`, `${index}${ID}`, `${lock}${ID}/seg_001.m4s`]).toEqual([
      streamObjectKey(ID, "seg_001.m4s"),
      streamIndexKey(ID),
      streamFillLock(ID, "seg_001.m4s"),
    ]);
  });
  it("the deleted-video set", () => {
    expect(/function _M\.gone_set\(\)\s+return "([^"]+)"/.exec(lua)?.[1]).toBe(GONE_SET);
    expect(GONE_SET).toBe("estrena:gw:gone");
  });
});
