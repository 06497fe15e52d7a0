import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";

/** One relative import: `from` imports `to` (both repository paths); typeOnly when erased at compile time. */
export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
}

/** Folders whose TypeScript is held to the layout (docs/architecture.md#layout). */
export const SOURCE_ROOTS = ["functions", "lib", "tools", "dev", "bench", "scripts", "web/src", "test"] as const;

/** Every .ts file under the source roots, as repository paths. */
export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir))) {
      if (name === "node_modules" || name === "dist") continue;
      const rel = `${dir}/${name}`;
      if (statSync(join(root, rel)).isDirectory()) walk(rel);
      else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(rel);
    }
  };
  for (const dir of SOURCE_ROOTS) if (existsSync(join(root, dir))) walk(dir);
  return out.sort();
}

/** The relative imports of one file (static, re-exports and dynamic `import()`), resolved to repository paths. */
export function importsOf(file: string, text: string): Edge[] {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false);
  const edges: Edge[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    if (!spec.startsWith(".")) return;
    const to = relative(".", join(dirname(file), spec)).replace(/\.js$/, ".ts");
    if (to.endsWith(".ts")) edges.push({ from: file, to, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      const allTypes =
        !!c &&
        (c.isTypeOnly ||
          (!c.name && !!c.namedBindings && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, allTypes);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) add(arg.text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return edges;
}

/** Where a file sits in the layout: the unit that import rules talk about. */
export function zoneOf(path: string): string {
  const [top, second] = path.split("/");
  if (top === "lib") return `lib/${second}`;
  if (top === "functions" || top === "tools") return `${top}/${second}`;
  if (top === "web") return "web";
  if (top === "test") return second === "support" ? "test/support" : `test/${second}`;
  return top ?? path;
}

/** Why `edge` breaks the layout, or null when it is allowed. Each row is one line of docs/architecture.md#layout. */
export function violation(edge: Edge): string | null {
  const from = zoneOf(edge.from);
  const to = zoneOf(edge.to);
  if (from === to) return null;
  const rule = RULES.find((r) => r.from(from));
  if (!rule) return `${from} is not a known folder: add it to RULES in test/architecture/graph.ts`;
  return rule.allows(to, edge) ? null : `${from} must not import ${to} (${rule.says})`;
}

interface Rule {
  readonly from: (zone: string) => boolean;
  readonly allows: (to: string, edge: Edge) => boolean;
  readonly says: string;
}

const is =
  (...zones: string[]) =>
  (z: string) =>
    zones.includes(z);
const startsWith = (prefix: string) => (z: string) => z.startsWith(prefix);
const isLib = startsWith("lib/");

/** The import rules, one row per folder kind. */
export const RULES: readonly Rule[] = [
  { from: is("lib/contracts"), allows: () => false, says: "contracts import nothing of ours, so the browser can use them" },
  { from: is("lib/runtime"), allows: is("lib/contracts"), says: "runtime imports contracts only" },
  { from: is("lib/media"), allows: is("lib/contracts", "lib/runtime"), says: "media imports contracts and runtime" },
  { from: startsWith("functions/"), allows: isLib, says: "a function imports lib/ and its own folder, never another function" },
  {
    from: startsWith("tools/"),
    // The folder watcher uploads with the same client as `npm run upload`.
    allows: (to, e) => is("lib/contracts", "lib/runtime")(to) || (zoneOf(e.from) === "tools/watcher" && to === "tools/upload"),
    says: "tools import contracts and runtime",
  },
  { from: is("dev"), allows: (to) => isLib(to) || to.startsWith("tools/"), says: "dev imports tools and lib" },
  {
    from: is("bench"),
    allows: (to, e) => isLib(to) || to === "dev" || /^functions\/[^/]+\/testing\.ts$/.test(e.to),
    says: "bench imports lib, dev and functions/*/testing.ts",
  },
  { from: is("web"), allows: (to, e) => to === "lib/contracts" && e.typeOnly, says: "web imports lib/contracts, for types only" },
  { from: is("scripts"), allows: () => true, says: "repository tooling may import anything" },
  {
    from: startsWith("test/"),
    allows: (to, e) =>
      !to.startsWith("test/") || to === "test/support" || (to === "test/manifests" && e.to.startsWith("test/manifests/support/")),
    says: "tests import sources and test/support, never another suite",
  },
];

/** Every import circle (as the files on it), by Tarjan's strongly connected components. */
export function circles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const connect = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (next.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) connect(v);
  return found;
}

/** The whole graph of the repository at `root`. */
export function repositoryGraph(root: string): { files: string[]; edges: Edge[]; lines: Map<string, number> } {
  const files = sourceFiles(root);
  const edges: Edge[] = [];
  const lines = new Map<string, number>();
  for (const f of files) {
    const text = readFileSync(join(root, f), "utf8");
    lines.set(f, text.split("\n").length - (text.endsWith("\n") ? 1 : 0));
    edges.push(...importsOf(f, text));
  }
  return { files, edges, lines };
}
