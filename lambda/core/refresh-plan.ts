/**
 * The refresh plan, decided from catalog facts: which materialized views to refresh, in which order, and
 * how. Two stages (docs/contract.md §4 and §9.3):
 *
 * - upstream: the materialized views the gap, claims and canonical achieved views read, refreshed before
 *   the re-verify. Refreshing an upper view before the lower one it reads would copy stale rows, so the
 *   order is a topological sort of the dependency graph (ties broken by name, so plans are stable).
 * - dependent: the materialized views that read the claims view (the deployment's claims copy and the
 *   collection team's view), refreshed after the re-verify so a resolved claim reaches them.
 *
 * A materialized view in neither set is never touched.
 */
import type { RefreshOutcome, RefreshResult, RefreshStage, RefreshStep } from "./types.js";

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
  readonly owner: string;
  /** The job's role may refresh it (ownership, or MAINTAIN on PostgreSQL 17+). */
  readonly permitted: boolean;
}

export interface PlanRoots {
  readonly gapView: number;
  readonly claimsView: number;
  readonly achievedView: number;
}

const display = (n: CatalogNode) => `${n.schema}.${n.relname}`;
const byName = (a: CatalogNode, b: CatalogNode) => display(a).localeCompare(display(b));

/** Every oid reachable from `roots` through `reads` (the roots included). */
function closure(roots: readonly number[], byOid: ReadonlyMap<number, CatalogNode>): Set<number> {
  const reached = new Set<number>();
  const stack = [...roots];
  while (stack.length > 0) {
    const oid = stack.pop() as number;
    if (reached.has(oid)) continue;
    reached.add(oid);
    for (const next of byOid.get(oid)?.reads ?? []) stack.push(next);
  }
  return reached;
}

/** The materialized views among `candidates` that `mv` reads, looking through plain views. */
function materializedReads(
  mv: CatalogNode,
  candidates: ReadonlySet<number>,
  byOid: ReadonlyMap<number, CatalogNode>,
): Set<number> {
  const found = new Set<number>();
  const seen = new Set<number>();
  const walk = [...mv.reads];
  while (walk.length > 0) {
    const oid = walk.pop() as number;
    if (seen.has(oid) || oid === mv.oid) continue;
    seen.add(oid);
    const node = byOid.get(oid);
    if (!node) continue;
    if (node.kind === "m" && candidates.has(oid)) found.add(oid);
    else walk.push(...node.reads);
  }
  return found;
}

/** Orders `mvs` so that each comes after the ones it reads (`deps`); ties by name. */
function topological(mvs: readonly CatalogNode[], deps: ReadonlyMap<number, Set<number>>): CatalogNode[] {
  const ordered: CatalogNode[] = [];
  const done = new Set<number>();
  const remaining = [...mvs].sort(byName);
  const inStage = new Set(mvs.map((m) => m.oid));
  while (remaining.length > 0) {
    // Only dependencies inside this stage order it: an upstream view is done before any dependent starts.
    let index = remaining.findIndex((n) =>
      [...(deps.get(n.oid) ?? [])].every((d) => done.has(d) || !inStage.has(d)),
    );
    // PostgreSQL cannot build a cycle of views; if the catalog ever showed one, take the first by name.
    if (index < 0) index = 0;
    const [next] = remaining.splice(index, 1) as [CatalogNode];
    ordered.push(next);
    done.add(next.oid);
  }
  return ordered;
}

/**
 * Both stages of the plan, upstream first. `upstream` is the graph read from the three roots down;
 * `downstream` holds the relations that read the claims view (transitively), with what each reads.
 */
export function planRefresh(
  roots: PlanRoots,
  upstream: readonly CatalogNode[],
  downstream: readonly CatalogNode[] = [],
): RefreshStep[] {
  const byOid = new Map<number, CatalogNode>();
  for (const n of [...upstream, ...downstream]) byOid.set(n.oid, n);
  const isMv = (oid: number) => byOid.get(oid)?.kind === "m";

  const up = [...closure([roots.gapView, roots.claimsView, roots.achievedView], byOid)].filter(isMv);
  const feedsClaims = closure([roots.claimsView, roots.achievedView], byOid);
  const upSet = new Set(up);
  const down = downstream.filter((n) => n.kind === "m" && !upSet.has(n.oid)).map((n) => n.oid);
  const planned = new Set([...up, ...down]);

  const deps = new Map<number, Set<number>>();
  for (const oid of planned) deps.set(oid, materializedReads(byOid.get(oid) as CatalogNode, planned, byOid));

  const step = (n: CatalogNode, stage: RefreshStage): RefreshStep => ({
    name: display(n),
    schema: n.schema,
    relname: n.relname,
    stage,
    mode: n.populated && n.concurrentIndex ? "concurrently" : "plain",
    mode_reason: !n.populated
      ? "not populated"
      : n.concurrentIndex
        ? null
        : "no unique index on plain columns without WHERE",
    depends_on: [...(deps.get(n.oid) ?? [])].map((oid) => display(byOid.get(oid) as CatalogNode)).sort(),
    feeds_claims: stage === "upstream" && feedsClaims.has(n.oid),
    permitted: n.permitted,
    owner: n.owner,
  });
  const nodes = (oids: number[]) => oids.map((oid) => byOid.get(oid) as CatalogNode);
  return [
    ...topological(nodes(up), deps).map((n) => step(n, "upstream")),
    ...topological(nodes(down), deps).map((n) => step(n, "dependent")),
  ];
}

/**
 * The view whose failure blocks `step`: the first view it reads (transitively) that was not refreshed,
 * traced back to the one that actually failed. Refreshing a dependant of a stale view would copy stale rows.
 */
export function blockedBy(step: RefreshStep, results: ReadonlyMap<string, RefreshResult>): string | null {
  for (const dep of step.depends_on) {
    const result = results.get(dep);
    if (result && !result.ok) return result.outcome.kind === "skipped" ? result.outcome.because : dep;
  }
  return null;
}

/** An outcome in the words the report, the log and the REFRESH_FAILED detail use. */
export function describeOutcome(outcome: RefreshOutcome): string | null {
  switch (outcome.kind) {
    case "ok":
      return null;
    case "failed":
      return outcome.sqlstate ? `${outcome.message} (SQLSTATE ${outcome.sqlstate})` : outcome.message;
    case "skipped":
      return `skipped: ${outcome.because} was not refreshed`;
    case "out_of_time":
      return "skipped: not started, time budget exhausted";
    case "not_permitted":
      return `not permitted: role ${outcome.role} may not refresh it (it needs to own it, owner ${outcome.owner}, or hold MAINTAIN on PostgreSQL 17+)`;
  }
}

/** A failure worth a warning and the `refresh_failures` count: the step itself failed or was refused. */
export function isFailure(outcome: RefreshOutcome): boolean {
  return outcome.kind === "failed" || outcome.kind === "not_permitted";
}

/** Whether refreshing the plan could change a verdict: some upstream view feeds claims or achieved (§9.2). */
export function isRefreshable(plan: readonly RefreshStep[]): boolean {
  return plan.some((step) => step.stage === "upstream" && step.feeds_claims);
}

/**
 * Whether to run the upstream stage, and if not, why (the report's `refresh_skipped`): never in a dry run;
 * with `forceRefresh` whenever there is something to refresh; otherwise only when some analysed row could
 * be fixed and some planned view can change a verdict.
 */
export function upstreamDecision(input: {
  dryRun: boolean;
  forceRefresh: boolean;
  anyToFix: boolean;
  plan: readonly RefreshStep[];
}): { run: true; skipped: null } | { run: false; skipped: string } {
  if (input.dryRun) return { run: false, skipped: "dry-run" };
  if (!input.plan.some((s) => s.stage === "upstream")) {
    return { run: false, skipped: "no materialized view in the dependency closure" };
  }
  if (input.forceRefresh) return { run: true, skipped: null };
  if (!input.anyToFix) {
    return {
      run: false,
      skipped: "nothing to fix: every analysed row already has its claim or cannot be fixed by a refresh",
    };
  }
  if (!isRefreshable(input.plan)) {
    return {
      run: false,
      skipped:
        "no planned materialized view feeds the claims or canonical achieved view: a refresh cannot change a verdict",
    };
  }
  return { run: true, skipped: null };
}

/**
 * The first upstream view feeding the claims or achieved view that was not refreshed, with why: it explains
 * every missing claim (every analysed row reads that closure). Dependents never count (§9.5).
 */
export function failedUpstream(
  plan: readonly RefreshStep[],
  results: readonly RefreshResult[],
): { name: string; error: string } | null {
  const feeding = new Set(plan.filter((s) => s.feeds_claims).map((s) => s.name));
  const failed = results.find((r) => r.stage === "upstream" && !r.ok && feeding.has(r.name));
  return failed ? { name: failed.name, error: failed.error ?? "not refreshed" } : null;
}
