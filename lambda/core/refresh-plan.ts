/**
 * The refresh plan, decided from catalog facts: which materialized views the claims depend on, in which
 * order, and how. Refreshing an upper view before the lower one it reads would copy stale rows, so the
 * order is a topological sort of the dependency graph (ties broken by name, so plans are stable).
 */
import type { RefreshResult, RefreshStep } from "./types.js";

/** A relation reached from the roots, with the relations its definition reads. */
export interface CatalogNode {
  readonly oid: number;
  readonly schema: string;
  readonly relname: string;
  /** `v` view, `m` materialized view, `r` table, ... (pg_class.relkind). */
  readonly kind: string;
  readonly populated: boolean;
  /** Has a valid unique index on plain columns with no WHERE clause: usable by REFRESH CONCURRENTLY. */
  readonly concurrentIndex: boolean;
  readonly reads: readonly number[];
}

const display = (n: CatalogNode) => `${n.schema}.${n.relname}`;

/**
 * Orders the materialized views reachable from `roots` (through plain views and other materialized views)
 * so that every view comes after the views it reads.
 */
export function planRefresh(roots: readonly number[], nodes: readonly CatalogNode[]): RefreshStep[] {
  const byOid = new Map(nodes.map((n) => [n.oid, n]));
  const reachable = new Set<number>();
  const stack = [...roots];
  while (stack.length > 0) {
    const oid = stack.pop() as number;
    if (reachable.has(oid)) continue;
    reachable.add(oid);
    for (const next of byOid.get(oid)?.reads ?? []) stack.push(next);
  }
  const mvs = [...reachable].map((oid) => byOid.get(oid)).filter((n): n is CatalogNode => n?.kind === "m");

  // For each materialized view, the materialized views it reads, looking through plain views.
  const mvDeps = new Map<number, Set<number>>();
  for (const mv of mvs) {
    const found = new Set<number>();
    const seen = new Set<number>();
    const walk = [...mv.reads];
    while (walk.length > 0) {
      const oid = walk.pop() as number;
      if (seen.has(oid) || oid === mv.oid) continue;
      seen.add(oid);
      const node = byOid.get(oid);
      if (!node) continue;
      if (node.kind === "m") found.add(oid);
      else walk.push(...node.reads);
    }
    mvDeps.set(mv.oid, found);
  }

  const ordered: CatalogNode[] = [];
  const done = new Set<number>();
  const remaining = new Set(mvs.map((m) => m.oid));
  while (remaining.size > 0) {
    const ready = [...remaining]
      .map((oid) => byOid.get(oid) as CatalogNode)
      .filter((n) => [...(mvDeps.get(n.oid) ?? [])].every((d) => done.has(d)))
      .sort((a, b) => display(a).localeCompare(display(b)));
    // A cycle cannot be built in PostgreSQL; if the catalog ever shows one, fall back to name order.
    const next =
      ready[0] ?? ([...remaining].map((oid) => byOid.get(oid) as CatalogNode).sort()[0] as CatalogNode);
    ordered.push(next);
    done.add(next.oid);
    remaining.delete(next.oid);
  }

  return ordered.map((n) => ({
    name: display(n),
    schema: n.schema,
    relname: n.relname,
    mode: n.populated && n.concurrentIndex ? "concurrently" : "plain",
    mode_reason: !n.populated
      ? "not populated"
      : n.concurrentIndex
        ? null
        : "no unique index on plain columns without WHERE",
    depends_on: [...(mvDeps.get(n.oid) ?? [])].map((oid) => display(byOid.get(oid) as CatalogNode)).sort(),
  }));
}

/**
 * The failed view that blocks `step`, if one of the views it reads (transitively) failed or was skipped.
 * Dependants of a failed refresh are skipped: refreshing them would copy the stale rows anyway.
 */
export function blockedBy(step: RefreshStep, results: ReadonlyMap<string, RefreshResult>): string | null {
  for (const dep of step.depends_on) {
    const result = results.get(dep);
    if (result && !result.ok)
      return result.error?.startsWith("skipped") ? (result.error.split(" ")[1] ?? dep) : dep;
  }
  return null;
}
