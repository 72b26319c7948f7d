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
  /** Has a `driver_id` column (staleness is then checked per analysed driver). */
  readonly driverColumn?: boolean;
  /** Partial or expression indexes, with the plain columns each covers (for the unique-index advice). */
  readonly adviceKeys?: ReadonlyArray<{ readonly index: string; readonly columns: readonly string[] }>;
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

  // A view reached from the claims and achieved views only through plan views that read it: what it can
  // change is what they can change once refreshed (a payments chain with no driver column under one with).
  const readers = (oid: number) => up.filter((o) => o !== oid && deps.get(o)?.has(oid));
  const coveredBy = (n: CatalogNode): string[] => {
    const through = new Set(readers(n.oid));
    if (through.size === 0 || !feedsClaims.has(n.oid)) return [];
    const reached = new Set<number>();
    const stack = [roots.claimsView, roots.achievedView];
    while (stack.length > 0) {
      const oid = stack.pop() as number;
      if (reached.has(oid) || through.has(oid)) continue;
      reached.add(oid);
      for (const next of byOid.get(oid)?.reads ?? []) stack.push(next);
    }
    return reached.has(n.oid) ? [] : [...through].map((o) => display(byOid.get(o) as CatalogNode)).sort();
  };

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
    driver_column: n.driverColumn ?? false,
    covered_by: stage === "upstream" ? coveredBy(n) : [],
    stale: "unknown",
    stale_how: "not checked",
    stale_drivers: null,
    index_advice: null,
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
    // A fresh view was left as it is on purpose: what reads it is checked against it as it is.
    if (result && !result.ok && result.outcome.kind !== "fresh") {
      return result.outcome.kind === "skipped" ? result.outcome.because : dep;
    }
  }
  return null;
}

/** An outcome in the words the report, the log and the REFRESH_FAILED detail use. */
export function describeOutcome(outcome: RefreshOutcome): string | null {
  switch (outcome.kind) {
    case "ok":
      return null;
    case "fresh":
      return `skipped: fresh (${outcome.how})`;
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

/**
 * The analysed drivers something can change: `all` of them, or a set. A view stale as a whole (no driver
 * column to tell) counts for every analysed row unless the plan proves otherwise (`settleStaleness`).
 */
export type DriverScope = "all" | ReadonlySet<string>;

export function inScope(scope: DriverScope, driver: string | null): boolean {
  if (driver === null) return false;
  return scope === "all" || scope.has(driver);
}

export function unionScope(a: DriverScope, b: DriverScope): DriverScope {
  if (a === "all" || b === "all") return "all";
  return new Set([...a, ...b]);
}

const isEmpty = (scope: DriverScope) => scope !== "all" && scope.size === 0;
const NONE: DriverScope = new Set<string>();

/**
 * What the database said about one step: its definition evaluated (with the plan views it reads directly,
 * when they are stale, replaced by what their refresh would produce: `inlined`) compared with its rows,
 * for the analysed drivers or whole. `unknown` when it could not be decided (an error, a timeout, a view
 * not populated): the view is then refreshed as before.
 */
export type StaleCheck =
  | { readonly kind: "same"; readonly how: string; readonly inlined: readonly string[] }
  | {
      readonly kind: "differs";
      readonly drivers: readonly string[] | "all";
      readonly how: string;
      readonly inlined: readonly string[];
    }
  | { readonly kind: "unknown"; readonly how: string; readonly inlined?: readonly string[] };

/** A stage's steps with their staleness decided, and the analysed drivers each stale step can change. */
export interface SettledStage {
  readonly steps: RefreshStep[];
  /** Per step name: the drivers it is stale for (`all`, a set; empty when fresh). */
  readonly scopes: ReadonlyMap<string, DriverScope>;
  /** Steps whose staleness is `unknown` (refreshed as before). */
  readonly unknown: ReadonlySet<string>;
}

/**
 * Decides `stale` for every step of one stage, in plan order, from the checks: a view that reads a stale
 * plan view it could not be evaluated against (not inlined: read through a plain view) is stale too, for
 * the same drivers, or whole when either has no driver column. Then, in reverse order, a view stale as a
 * whole that the plan proves is reached only through its readers (`covered_by`) counts only for the drivers
 * those readers are stale for, since their check already evaluated it as refreshed.
 */
export function settleStaleness(
  steps: readonly RefreshStep[],
  checks: ReadonlyMap<string, StaleCheck>,
): SettledStage {
  const scopes = new Map<string, DriverScope>();
  const unknown = new Set<string>();
  const how = new Map<string, string>();
  for (const step of steps) {
    const check = checks.get(step.name) ?? ({ kind: "unknown", how: "not checked" } as const);
    let scope: DriverScope =
      check.kind === "same"
        ? NONE
        : check.kind === "unknown" || check.drivers === "all"
          ? "all"
          : new Set(check.drivers);
    let words = check.how;
    if (check.kind === "unknown") unknown.add(step.name);
    const inlined = new Set(check.inlined ?? []);
    for (const dep of step.depends_on) {
      const below = scopes.get(dep);
      if (below === undefined || isEmpty(below) || inlined.has(dep)) continue;
      if (unknown.has(dep) && check.kind !== "unknown") {
        unknown.add(step.name);
        words += `; reads ${dep}, whose staleness is unknown`;
      } else words += `; reads ${dep}, stale beneath it`;
      scope = unionScope(scope, step.driver_column ? below : "all");
    }
    scopes.set(step.name, scope);
    how.set(step.name, words);
  }
  for (const step of [...steps].reverse()) {
    const scope = scopes.get(step.name) as DriverScope;
    if (scope !== "all" || unknown.has(step.name) || step.covered_by.length === 0) continue;
    const readers = step.covered_by.map((r) => scopes.get(r));
    if (readers.some((r) => r === undefined)) continue;
    const narrowed = (readers as DriverScope[]).reduce(unionScope, NONE);
    scopes.set(step.name, narrowed);
    how.set(
      step.name,
      `${how.get(step.name)}; only ${step.covered_by.join(", ")} read${step.covered_by.length === 1 ? "s" : ""} it, ` +
        (isEmpty(narrowed)
          ? "and refreshed they would change no analysed driver's rows"
          : `stale for ${narrowed === "all" ? "every" : narrowed.size} analysed driver(s)`),
    );
  }
  return {
    steps: steps.map((step) => {
      const scope = scopes.get(step.name) as DriverScope;
      const stale: RefreshStep["stale"] = unknown.has(step.name) ? "unknown" : !isEmpty(scope);
      return {
        ...step,
        stale,
        stale_how: how.get(step.name) as string,
        stale_drivers: stale === true && scope !== "all" ? scope.size : null,
      };
    }),
    scopes,
    unknown,
  };
}

/**
 * The analysed drivers a dry run says WOULD_REFRESH for: those some stale (or undecided) upstream view
 * beneath the claims or achieved view can change. `forced`: every such view counts for every row.
 */
export function changeableScope(
  plan: readonly RefreshStep[],
  scopes: ReadonlyMap<string, DriverScope>,
  forced: boolean,
): DriverScope {
  let out: DriverScope = NONE;
  for (const step of plan) {
    if (step.stage !== "upstream" || !step.feeds_claims) continue;
    out = unionScope(out, forced ? "all" : (scopes.get(step.name) ?? "all"));
  }
  return out;
}

/** An upstream view beneath the claims or achieved view that was not refreshed, and the rows it could change. */
export interface FailedRefresh {
  readonly name: string;
  readonly error: string;
  readonly drivers: DriverScope;
}

/**
 * Every upstream view feeding the claims or achieved view whose refresh did not succeed (failed, refused,
 * skipped behind one, out of time), in plan order, with the analysed drivers it could have changed: only
 * those rows are REFRESH_FAILED (§10.3). A fresh view is not a failure; dependents never count (§9.5).
 */
export function failedRefreshes(
  plan: readonly RefreshStep[],
  results: readonly RefreshResult[],
  scopes: ReadonlyMap<string, DriverScope>,
): FailedRefresh[] {
  const feeding = new Set(plan.filter((s) => s.stage === "upstream" && s.feeds_claims).map((s) => s.name));
  return results
    .filter((r) => r.stage === "upstream" && !r.ok && r.outcome.kind !== "fresh" && feeding.has(r.name))
    .map((r) => ({ name: r.name, error: r.error ?? "not refreshed", drivers: scopes.get(r.name) ?? "all" }));
}

/**
 * The analysed drivers whose claims and achieved facts must be read again after the upstream stage: those
 * a successful refresh beneath the claims or achieved view could have changed (§10.3: each view is read once
 * when no refresh ran). Empty: the first look stands.
 */
export function rereadScope(
  plan: readonly RefreshStep[],
  results: readonly RefreshResult[],
  scopes: ReadonlyMap<string, DriverScope>,
): DriverScope {
  const feeding = new Set(plan.filter((s) => s.stage === "upstream" && s.feeds_claims).map((s) => s.name));
  let out: DriverScope = NONE;
  for (const r of results) {
    if (r.stage === "upstream" && r.ok && feeding.has(r.name))
      out = unionScope(out, scopes.get(r.name) ?? "all");
  }
  return out;
}
