import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../lib/runtime/stack-settings.js";
import { circles, type Edge, importsOf, repositoryGraph, violation, zoneOf } from "./graph.js";

/** The longest a source file may grow (style.md aims for ~250). */
const MAX_LINES = 400;

const edge = (from: string, to: string, typeOnly = false): Edge => ({ from, to, typeOnly });

describe("the import rules (docs/architecture.md#layout), on a synthetic graph", () => {
  it.each([
    ["lib/runtime/log.ts", "lib/contracts/ids.ts", false, null],
    ["lib/contracts/video.ts", "lib/runtime/log.ts", false, "lib/contracts must not import lib/runtime"],
    ["lib/runtime/config.ts", "lib/media/plan.ts", false, "lib/runtime must not import lib/media"],
    ["lib/media/plan.ts", "lib/runtime/config.ts", false, null],
    ["functions/transcode/handler.ts", "lib/media/index.ts", false, null],
    ["functions/transcode/handler.ts", "functions/transcode/jobs.ts", false, null],
    ["functions/catalogue/handler.ts", "functions/transcode/jobs.ts", false, "functions/catalogue must not import functions/transcode"],
    ["functions/ingest/handler.ts", "tools/router/filters.ts", false, "functions/ingest must not import tools/router"],
    ["tools/router/main.ts", "lib/runtime/log.ts", false, null],
    ["tools/router/main.ts", "lib/media/plan.ts", false, "tools/router must not import lib/media"],
    ["tools/watcher/watcher.ts", "tools/upload/client.ts", false, null],
    ["tools/router/router.ts", "tools/upload/client.ts", false, "tools/router must not import tools/upload"],
    ["tools/router/router.ts", "dev/stack.ts", false, "tools/router must not import dev"],
    ["dev/stack.ts", "tools/router/settings.ts", false, null],
    ["dev/stack.ts", "functions/transcode/handler.ts", false, "dev must not import functions/transcode"],
    ["bench/transcode.ts", "functions/transcode/testing.ts", false, null],
    ["bench/transcode.ts", "functions/transcode/handler.ts", false, "bench must not import functions/transcode"],
    ["web/src/shared/api.ts", "lib/contracts/video.ts", true, null],
    ["web/src/shared/api.ts", "lib/contracts/video.ts", false, "web must not import lib/contracts"],
    ["web/src/shared/api.ts", "lib/runtime/log.ts", true, "web must not import lib/runtime"],
    ["test/faults/load.test.ts", "bench/load-viewers.ts", false, null],
    ["test/faults/crash.test.ts", "test/support/stack.ts", false, null],
    ["test/faults/crash.test.ts", "test/integration/catalogue.test.ts", false, "test/faults must not import test/integration"],
    ["test/unit/lib/media/ladder.test.ts", "lib/media/ladder.ts", false, null],
    ["scripts/config-table.ts", "tools/watcher/watcher.ts", false, null],
  ] as const)("%s → %s (type only: %s)", (from, to, typeOnly, want) => {
    const got = violation(edge(from, to, typeOnly));
    if (want === null) expect(got).toBeNull();
    else expect(got).toContain(want);
  });

  it("names a folder that no rule covers", () => {
    expect(violation(edge("attic/old.ts", "lib/runtime/log.ts"))).toContain("attic is not a known folder");
  });

  it("finds circles, including one through a dynamic import, and nothing in a tree", () => {
    const circle = [edge("dev/stack.ts", "dev/main.ts"), edge("dev/main.ts", "dev/stack.ts"), edge("dev/main.ts", "dev/lock.ts")];
    expect(circles(circle)).toEqual([["dev/main.ts", "dev/stack.ts"]]);
    const text = 'import { a } from "./b.js";\nexport async function f() { return import("./c.js"); }\n';
    expect(importsOf("x/a.ts", text).map((e) => e.to)).toEqual(["x/b.ts", "x/c.ts"]);
    expect(circles([edge("a.ts", "b.ts"), edge("b.ts", "c.ts"), edge("a.ts", "c.ts")])).toEqual([]);
  });

  it("tells type-only imports apart", () => {
    const text =
      'import type { A } from "./a.js";\nimport { type B } from "./b.js";\nimport { C, type D } from "./c.js";\nexport type { E } from "./e.js";\n';
    expect(importsOf("x/m.ts", text).map((e) => [e.to, e.typeOnly])).toEqual([
      ["x/a.ts", true],
      ["x/b.ts", true],
      ["x/c.ts", false],
      ["x/e.ts", true],
    ]);
  });

  it("sorts files into zones", () => {
    expect(
      ["lib/media/ladder.ts", "functions/ingest/handler.ts", "test/support/stack.ts", "test/unit/x.test.ts", "web/src/a.ts"].map(zoneOf),
    ).toEqual(["lib/media", "functions/ingest", "test/support", "test/unit", "web"]);
  });
});

describe("the repository's real import graph", () => {
  const graph = repositoryGraph(REPO_ROOT);

  it("reads the whole tree", () => {
    expect(graph.files.length).toBeGreaterThan(100);
    expect(graph.edges.length).toBeGreaterThan(300);
  });

  it("has only allowed edges", () => {
    const bad = graph.edges.flatMap((e) => {
      const why = violation(e);
      return why ? [`${e.from} → ${e.to}: ${why}`] : [];
    });
    expect(bad).toEqual([]);
  });

  it("imports only files that exist", () => {
    const files = new Set(graph.files);
    expect(graph.edges.filter((e) => !files.has(e.to)).map((e) => `${e.from} → ${e.to}`)).toEqual([]);
  });

  // Type-only imports are erased by tsc, so two interfaces naming each other load in any order; every other edge,
  // dynamic import() included, counts.
  it("has no import circle", () => {
    expect(circles(graph.edges.filter((e) => !e.typeOnly))).toEqual([]);
  });

  it(`has no source file over ${MAX_LINES} lines`, () => {
    expect([...graph.lines].filter(([, n]) => n > MAX_LINES).map(([f, n]) => `${f}: ${n} lines`)).toEqual([]);
  });
});
