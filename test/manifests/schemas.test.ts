import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderSchemas } from "../../scripts/knative-schemas.js";
import { ROOT } from "./support/manifests.js";

const SHARED = join(ROOT, "../shared/knative-crds");
const VENDORED = join(ROOT, "test/manifests/schemas");

describe("vendored Knative schemas", () => {
  // The CRD reference copies live outside the repository (../shared) and may be absent in CI; the vendored JSON
  // is then the source. Where they exist, the vendored files must be exactly what the script generates from them.
  it.runIf(existsSync(SHARED))("match a fresh generation from ../shared/knative-crds", () => {
    const fresh = renderSchemas(SHARED);
    const vendored = new Map(
      readdirSync(VENDORED)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => [f, readFileSync(join(VENDORED, f), "utf8")]),
    );
    expect([...vendored.keys()]).toEqual([...fresh.keys()]);
    for (const [name, text] of fresh) expect(vendored.get(name), name).toBe(text);
  });
});
