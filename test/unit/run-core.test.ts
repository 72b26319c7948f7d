/** The pure pieces a run is sequenced from: its time budget, its refresh decisions, money once per claim. */
import { describe, expect, it } from "vitest";
import { ClaimKeys } from "../../lambda/core/claim-keys.js";
import { MetricsAccumulator } from "../../lambda/core/metrics.js";
import {
  changeableScope,
  failedRefreshes,
  failedUpstream,
  isRefreshable,
  rereadScope,
  type StaleCheck,
  settleStaleness,
  upstreamDecision,
} from "../../lambda/core/refresh-plan.js";
import { statusCounts } from "../../lambda/core/report-columns.js";
import { RowDecider } from "../../lambda/core/row-decider.js";
import {
  applyRoleTimeouts,
  capFor,
  cutByDeadline,
  lockMsWithin,
  TimeBudget,
} from "../../lambda/core/time-budget.js";
import type { GapRow, RefreshResult, RefreshStep } from "../../lambda/core/types.js";
import { warningText, windowWarning } from "../../lambda/core/warnings.js";

const step = (name: string, over: Partial<RefreshStep> = {}): RefreshStep => ({
  name,
  schema: "ops",
  relname: name,
  stage: "upstream",
  mode: "concurrently",
  mode_reason: null,
  depends_on: [],
  feeds_claims: true,
  permitted: true,
  owner: "owner",
  driver_column: true,
  covered_by: [],
  stale: "unknown",
  stale_how: "not checked",
  stale_drivers: null,
  index_advice: null,
  ...over,
});

describe("TimeBudget (clock injected)", () => {
  it("caps statements at what is left, and says when the deadline, not the cap, set the timeout", () => {
    let now = 1_000;
    const budget = new TimeBudget(11_000, () => now);
    expect(budget.remaining()).toBe(10_000);
    expect(budget.statementCap(120_000)).toEqual({ ms: 10_000, byDeadline: true });
    expect(budget.statementCap(3_000)).toEqual({ ms: 3_000, byDeadline: false });
    now = 8_500;
    expect(budget.statementCap(3_000)).toEqual({ ms: 2_500, byDeadline: true });
  });

  it("never computes a timeout of 0 (PostgreSQL's 'no limit'): a deadline passed leaves no phase to start", () => {
    let now = 12_000;
    const budget = new TimeBudget(11_000, () => now);
    expect(budget.statementCap(3_000)).toBeNull();
    now = 10_800; // 200 ms left: less than a phase needs
    expect(budget.statementCap(3_000)).toBeNull();
    expect(capFor(0, 3_000)).toEqual({ ms: 1, byDeadline: true });
    expect(capFor(-50, 3_000).ms).toBe(1);
  });

  it("one rule for reads and refreshes: cancelled under the deadline's cap is partial, under the configured cap is not", () => {
    expect(cutByDeadline(true, capFor(2_000, 120_000))).toBe(true);
    expect(cutByDeadline(true, capFor(200_000, 120_000))).toBe(false);
    expect(cutByDeadline(false, capFor(2_000, 120_000))).toBe(false);
  });

  it("keeps a role's stricter timeouts and says which applied; 0 on the role means none", () => {
    expect(
      applyRoleTimeouts({ statementMs: 120_000, lockMs: 30_000 }, { statementMs: 1_000, lockMs: 0 }),
    ).toEqual({
      statement_timeout_ms: 1_000,
      statement_timeout_from: "role",
      lock_timeout_ms: 30_000,
      lock_timeout_from: "job",
    });
    expect(
      applyRoleTimeouts({ statementMs: 120_000, lockMs: 30_000 }, { statementMs: 600_000, lockMs: 5_000 }),
    ).toMatchObject({ statement_timeout_from: "job", lock_timeout_ms: 5_000, lock_timeout_from: "role" });
    // A read's lock wait ends before its statement's timeout, so a lock wait is never called a timeout.
    expect(lockMsWithin(30_000, 1_000)).toBe(900);
    expect(lockMsWithin(30_000, 120_000)).toBe(30_000);
  });

  it("is unbounded without a deadline, and keeps back three times the reads for the re-verify", () => {
    expect(new TimeBudget(undefined).statementCap(120_000)).toEqual({ ms: 120_000, byDeadline: false });
    expect(TimeBudget.reserveForReverify(100)).toBe(2_000);
    expect(TimeBudget.reserveForReverify(4_000)).toBe(12_000);
  });
});

describe("upstreamDecision", () => {
  const plan = [step("ops.mv_claims")];
  const base = { dryRun: false, forceRefresh: false, anyToFix: true, plan };

  it("runs when a row can be fixed and a planned view feeds the claims or achieved view", () => {
    expect(upstreamDecision(base)).toEqual({ run: true, skipped: null });
  });

  it("never runs in a dry run, nor with nothing planned, even when forced", () => {
    expect(upstreamDecision({ ...base, dryRun: true, forceRefresh: true })).toEqual({
      run: false,
      skipped: "dry-run",
    });
    expect(upstreamDecision({ ...base, plan: [], forceRefresh: true }).skipped).toBe(
      "no materialized view in the dependency closure",
    );
  });

  it("skips with nothing to fix or only gap-view views planned, unless forced", () => {
    expect(upstreamDecision({ ...base, anyToFix: false }).skipped).toMatch(/^nothing to fix/);
    const gapOnly = [step("ops.mv_gap_only", { feeds_claims: false })];
    expect(isRefreshable(gapOnly)).toBe(false);
    expect(upstreamDecision({ ...base, plan: gapOnly }).skipped).toMatch(/cannot change a verdict$/);
    expect(upstreamDecision({ ...base, plan: gapOnly, forceRefresh: true }).run).toBe(true);
  });
});

describe("failedUpstream", () => {
  const result = (name: string, over: Partial<RefreshResult>): RefreshResult => ({
    name,
    stage: "upstream",
    mode: "plain",
    duration_ms: 1,
    ok: true,
    error: null,
    outcome: { kind: "ok" },
    ...over,
  });
  const failed = {
    ok: false,
    error: "boom",
    outcome: { kind: "failed", sqlstate: null, message: "boom" },
  } as const;

  it("names the first upstream view feeding the claims that was not refreshed; dependents never count", () => {
    const plan = [
      step("ops.gap_only", { feeds_claims: false }),
      step("ops.lower"),
      step("ops.copy", { stage: "dependent", feeds_claims: false }),
    ];
    expect(failedUpstream(plan, [result("ops.gap_only", failed), result("ops.lower", {})])).toBeNull();
    expect(failedUpstream(plan, [result("ops.copy", { ...failed, stage: "dependent" })])).toBeNull();
    expect(failedUpstream(plan, [result("ops.lower", failed)])).toEqual({ name: "ops.lower", error: "boom" });
  });
});

describe("money once per claim key", () => {
  const row = (ord: number, over: Partial<GapRow> = {}): GapRow => ({
    ord,
    driver_id: "d1",
    lead_date: "2026-11-01",
    milestone_value: 5,
    gap_reason: "CLAIM_NOT_GENERATED",
    claim_status: "CLAIM_NOT_GENERATED",
    ...over,
  });

  it("points a repeated key at its first row; rows without a key never repeat", () => {
    const keys = new ClaimKeys();
    expect(keys.duplicateOf(row(1))).toBeNull();
    expect(keys.duplicateOf(row(2, { milestone_value: 1 }))).toBeNull();
    expect(keys.duplicateOf(row(3))).toBe(1);
    expect(keys.duplicateOf(row(4, { driver_id: null }))).toBeNull();
    expect(keys.duplicateOf(row(5, { driver_id: null }))).toBeNull();
  });

  it("counts both rows and the money once, in every amount metric", () => {
    const decider = new RowDecider(
      { dryRun: true, refreshed: false, changeable: "all", failedRefresh: [] },
      ["CLAIM_NOT_GENERATED"],
      "2026-11-24",
    );
    const facts = {
      other_lead_date: null,
      payment_calc_rows: 1,
      payment_calc_achieved_date: "2026-11-03",
      trips_in_window: 9,
    };
    const look = { achieved_flag: true, achieved_date: "2026-11-03", claim_exists: false };
    const metrics = new MetricsAccumulator();
    const rows = [row(1), row(2)].map((r) =>
      decider.decide({ row: r, before: look, after: look, facts, price: { rule_amounts: [] } }),
    );
    for (const r of rows) metrics.add(r);
    expect(rows.map((r) => [r.verdict, r.duplicate_of, r.amount, r.amount_at_risk])).toEqual([
      ["WOULD_REFRESH", null, "35.00", "35.00"],
      ["WOULD_REFRESH", 1, "35.00", "0.00"],
    ]);
    const m = metrics.metrics(2, [], 1, 21);
    expect(m).toMatchObject({
      claims_should_exist: 2,
      amount_at_risk: "35.00",
      amount_still_missing: "0.00",
    });
    expect(metrics.breakdown()).toEqual([
      { verdict: "WOULD_REFRESH", reason: "CLAIMS_VIEW_MISSING", count: 2, amount: "35.00" },
    ]);
    // Aged from as-of 2026-11-24: due 2026-11-15, 9 days overdue; both rows counted, the money once.
    expect(rows.map((r) => [r.due_date, r.days_overdue, r.overdue_bucket])).toEqual([
      ["2026-11-15", 9, "8_14"],
      ["2026-11-15", 9, "8_14"],
    ]);
    expect(metrics.atRiskByBucket().filter((b) => b.count > 0)).toEqual([
      { bucket: "8_14", count: 2, amount: "35.00" },
    ]);
    expect(m.amount_at_risk_15_plus).toBe("0.00");
    // 21 days back reach 7 days overdue at most: the 15+ zero is a property of the window, and says so.
    expect(m.aging_reach_days).toBe(7);
  });

  it("counts the claimed gap rows the deployment warning needs", () => {
    const decider = new RowDecider(
      { dryRun: false, refreshed: false, changeable: new Set<string>(), failedRefresh: [] },
      ["CLAIM_NOT_GENERATED"],
      "2026-11-24",
    );
    const facts = {
      other_lead_date: null,
      payment_calc_rows: 0,
      payment_calc_achieved_date: null,
      trips_in_window: 0,
    };
    const claimed = { achieved_flag: true, achieved_date: "2026-11-03", claim_exists: true };
    decider.decide({ row: row(1), before: claimed, after: claimed, facts, price: { rule_amounts: [] } });
    decider.decide({
      row: row(2, { claim_status: "OK" }),
      before: claimed,
      after: claimed,
      facts,
      price: { rule_amounts: [] },
    });
    expect(decider.claimedGaps).toBe(1);
  });
});

describe("the window's counts and its warning", () => {
  it("counts a status word such as __proto__ like any other and warns only when no gap status is there", () => {
    const counts = statusCounts(
      [
        { claim_status: "__proto__", n: "2" },
        { claim_status: null, n: "1" },
      ],
      ["MISSING"],
    );
    // JSON.parse defines "__proto__" as an own key, as the counts must (a literal would set the prototype).
    expect(counts).toEqual({ byStatus: JSON.parse('{"__proto__": 2, "(null)": 1}'), total: 3, gaps: 0 });
    expect(Object.keys(counts.byStatus)).toEqual(["__proto__", "(null)"]);
    const window = { asOf: "2026-11-10", daysBack: 21, onlyGaps: true };
    const noGap = windowWarning(counts, ["MISSING"], window);
    expect(noGap?.code).toBe("no_gap_status");
    expect(noGap && warningText(noGap)).toBe(
      'no row in the window has a gap status (MISSING) but it holds 3 rows with statuses __proto__=2, (null)=1: if one of them means "gap", add it to the gap statuses',
    );
    expect(windowWarning(counts, ["MISSING"], { ...window, onlyGaps: false })).toBeNull();
    const empty = windowWarning({ byStatus: {}, total: 0, gaps: 0 }, ["MISSING"], window);
    expect(empty).toEqual({ code: "window_empty", asOf: "2026-11-10", daysBack: 21 });
    expect(empty && warningText(empty)).toMatch(/^the gap view has no rows/);
  });
});

describe("settleStaleness (§10.3)", () => {
  const same = (how = "same") => ({ kind: "same", how, inlined: [] }) as const;

  it("keeps a fresh chain fresh, and a view over a stale view it could not inline stale for the same drivers", () => {
    const plan = [step("ops.lower"), step("ops.upper", { depends_on: ["ops.lower"] })];
    const fresh = settleStaleness(
      plan,
      new Map([
        ["ops.lower", same()],
        ["ops.upper", same()],
      ]),
    );
    expect(fresh.steps.map((s) => s.stale)).toEqual([false, false]);

    const stale = settleStaleness(
      plan,
      new Map<string, StaleCheck>([
        ["ops.lower", { kind: "differs", drivers: ["d1"], how: "differs", inlined: [] }],
        ["ops.upper", same()],
      ]),
    );
    expect(stale.steps.map((s) => [s.stale, s.stale_drivers])).toEqual([
      [true, 1],
      [true, 1],
    ]);
    expect([...(stale.scopes.get("ops.upper") as Set<string>)]).toEqual(["d1"]);
    expect(stale.steps[1]?.stale_how).toBe("same; reads ops.lower, stale beneath it");
  });

  it("narrows a view stale as a whole to what the views covering it are stale for", () => {
    const plan = [
      step("ops.raw", { driver_column: false, covered_by: ["ops.enriched"] }),
      step("ops.enriched", { depends_on: ["ops.raw"] }),
    ];
    const settled = settleStaleness(
      plan,
      new Map<string, StaleCheck>([
        ["ops.raw", { kind: "differs", drivers: "all", how: "whole: differs", inlined: [] }],
        ["ops.enriched", { kind: "differs", drivers: ["d2"], how: "d: differs", inlined: ["ops.raw"] }],
      ]),
    );
    expect([...(settled.scopes.get("ops.raw") as Set<string>)]).toEqual(["d2"]);
    const none = settleStaleness(
      plan,
      new Map<string, StaleCheck>([
        ["ops.raw", { kind: "differs", drivers: "all", how: "whole: differs", inlined: [] }],
        ["ops.enriched", { kind: "same", how: "same", inlined: ["ops.raw"] }],
      ]),
    );
    expect(none.steps.map((s) => s.stale)).toEqual([false, false]);
    expect(none.steps[0]?.stale_how).toMatch(/would change no analysed driver's rows$/);
  });

  it("leaves an undecided view unknown (refreshed as before) and counts it for every row", () => {
    const plan = [step("ops.lower"), step("ops.upper", { depends_on: ["ops.lower"] })];
    const settled = settleStaleness(
      plan,
      new Map<string, StaleCheck>([
        ["ops.lower", { kind: "unknown", how: "check failed: boom" }],
        ["ops.upper", same()],
      ]),
    );
    expect(settled.steps.map((s) => s.stale)).toEqual(["unknown", "unknown"]);
    expect(changeableScope(settled.steps, settled.scopes, false)).toBe("all");
    expect(changeableScope(plan, new Map(), true)).toBe("all");
  });

  it("marks REFRESH_FAILED only the drivers a failed view could change, and re-reads only what a refresh changed", () => {
    const plan = [step("ops.payments"), step("ops.claims_mv")];
    const scopes = new Map([
      ["ops.payments", new Set(["d1"])],
      ["ops.claims_mv", new Set(["d2"])],
    ]);
    const results: RefreshResult[] = [
      {
        name: "ops.payments",
        stage: "upstream",
        mode: "plain",
        duration_ms: 1,
        ok: false,
        error: "boom",
        outcome: { kind: "failed", sqlstate: null, message: "boom" },
      },
      {
        name: "ops.claims_mv",
        stage: "upstream",
        mode: "plain",
        duration_ms: 1,
        ok: true,
        error: null,
        outcome: { kind: "ok" },
      },
    ];
    const failed = failedRefreshes(plan, results, scopes);
    expect(failed.map((f) => [f.name, [...(f.drivers as Set<string>)]])).toEqual([["ops.payments", ["d1"]]]);
    expect([...(rereadScope(plan, results, scopes) as Set<string>)]).toEqual(["d2"]);
    const fresh: RefreshResult = {
      ...results[1],
      ok: false,
      error: "skipped: fresh (x)",
      outcome: { kind: "fresh", how: "x" },
    } as RefreshResult;
    expect(failedRefreshes(plan, [fresh], scopes)).toEqual([]);
    expect(rereadScope(plan, [fresh], scopes)).toEqual(new Set());
  });
});
