/**
 * No import circles under `lambda/`: a module that imports (even only types from) a module that imports it
 * back makes both harder to read and to change alone, and decides the order in which their top-level code
 * runs. The graph is read from the source: every relative `import ... from`, `export ... from` and
 * `import("...")` of each .ts file, type-only imports included.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const LAMBDA = resolve(import.meta.dirname, "../../lambda");

/** A relative specifier after `from` or inside `import(...)`; comments are not code, so they are cut first. */
const SPECIFIER = /\bfrom\s*["'](\.{1,2}\/[^"']+)["']|\bimport\s*\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/** Each .ts file of `dir` (recursively) with the files it imports, as paths relative to `dir`. */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
  for (const file of files) {
    const source = stripComments(readFileSync(join(dir, file), "utf8"));
    const deps = [...source.matchAll(SPECIFIER)].map((m) => {
      const target = resolve(dirname(join(dir, file)), (m[1] ?? m[2] ?? "").replace(/\.js$/, ".ts"));
      return relative(dir, target);
    });
    graph.set(file, deps);
  }
  return graph;
}

/** The import circles of a graph: its strongly connected components of more than one file, or a self-import. */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop();
      if (w === undefined) break;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe("import circles", () => {
  it("finds a circle of three files, and none in a chain", () => {
    // Prepare
    const circle = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    const chain = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", []],
    ]);

    // Act / Assess
    expect(importCycles(circle)).toEqual([["a.ts", "b.ts", "c.ts"]]);
    expect(importCycles(chain)).toEqual([]);
  });

  it("reads the graph of lambda/ from the source, static, type-only and dynamic imports alike", () => {
    // Act
    const graph = importGraph(LAMBDA);

    // Assess: known edges of each kind, so a parser that reads nothing cannot pass the next test.
    expect(graph.get(join("cli", "run.ts"))).toContain(join("cli", "command.ts"));
    expect(graph.get(join("core", "types.ts"))).toContain(join("core", "aging.ts"));
    expect(graph.get(join("cli", "main.ts"))).toContain(join("cli", "run.ts"));
  });

  it("lambda/ has none", () => {
    // Act
    const cycles = importCycles(importGraph(LAMBDA));

    // Assess
    expect(
      cycles.map((c) => c.join(" <-> ")),
      "files under lambda/ that import each other, directly or through others: move what they share to a module both import",
    ).toEqual([]);
  });
});
