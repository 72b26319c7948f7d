import pg from "pg";
import { beforeEach, describe, expect, it } from "vitest";
import type { Report, ReportRow } from "../../lambda/core/types.js";
import { ReconcileCabinetClaims14d } from "../../lambda/reconcile.js";
import { useTestDatabase } from "../support/db.js";
import { createToySchema, refreshLog, seedToy, TOY_OBJECTS, TOY_SITUATIONS } from "../support/toy-schema.js";

const AS_OF = "2026-11-10";
const SITUATIONS = TOY_SITUATIONS;

const byDriver = (report: Report) => new Map((report.rows ?? []).map((r) => [r.driver_id ?? "(null)", r]));
const pick = (r: ReportRow | undefined) =>
  r && { verdict: r.verdict, reason: r.invalid_reason ?? r.diagnosis };

describe("the run on a contract-shaped schema (one situation per verdict)", () => {
  const db = useTestDatabase();
  let job: ReconcileCabinetClaims14d;

  beforeEach(async () => {
    await createToySchema(db().pool as unknown as pg.ClientBase);
    await seedToy(db().pool as unknown as pg.ClientBase, SITUATIONS);
    job = new ReconcileCabinetClaims14d(db().pool, { objects: TOY_OBJECTS });
  });

  it("decides every verdict and diagnosis, refreshing lower then upper, then the dependent, and nothing else", async () => {
    const report = await job.runReconcile({ asOf: AS_OF });
    const rows = byDriver(report);
    expect(Object.fromEntries([...rows].map(([k, v]) => [k, pick(v)]))).toEqual({
      stale: { verdict: "RESOLVED", reason: null },
      exists: { verdict: "ALREADY_EXISTS", reason: null },
      "(null)": { verdict: "INVALID", reason: "NO_DRIVER" },
      "not-achieved": { verdict: "INVALID", reason: "NOT_ACHIEVED" },
      day14: { verdict: "INVALID", reason: "ACHIEVED_OUTSIDE_WINDOW" },
      "other-lead": { verdict: "STILL_MISSING", reason: "CLAIM_ON_OTHER_LEAD_DATE" },
      "no-calc": { verdict: "STILL_MISSING", reason: "NO_PAYMENT_CALCULATION" },
      "calc-no": { verdict: "STILL_MISSING", reason: "PAYMENT_CALCULATION_NOT_ACHIEVED" },
      "few-trips": { verdict: "STILL_MISSING", reason: "TRIPS_OUTSIDE_WINDOW" },
      day13: { verdict: "STILL_MISSING", reason: "CLAIMS_VIEW_MISSING" },
    });
    expect(rows.get("few-trips")?.detail).toBe("trips in window [2026-11-01, 2026-11-15): 2 < 5");
    expect(rows.get("other-lead")?.detail).toContain("2026-10-20");
    expect(report.status).toBe("completed");
    expect(report.metrics).toMatchObject({
      processed: 10,
      gaps_found: 10,
      claims_should_exist: 6,
      claims_already_exist: 1,
      invalid_conditions: 3,
      refreshed_views: 3,
      resolved_after_refresh: 1,
      still_missing: 5,
      amount_still_missing: "175.00",
      amount_at_risk: "175.00",
      refresh_failures: 0,
    });
    expect(report.refresh_plan.map((s) => [s.name, s.stage, s.mode])).toEqual([
      ["toy.mv_lower", "upstream", "concurrently"],
      ["toy.mv_upper", "upstream", "concurrently"],
      ["toy.mv_for_collection", "dependent", "plain"],
    ]);
    expect(report.refreshed_views.map((r) => [r.name, r.stage, r.ok])).toEqual([
      ["toy.mv_lower", "upstream", true],
      ["toy.mv_upper", "upstream", true],
      ["toy.mv_for_collection", "dependent", true],
    ]);
    // The dependent is refreshed after the re-verify (its phase comes after "decide") and holds the claim.
    const phases = report.phases.map((p) => p.phase);
    expect(phases.indexOf("refresh dependents")).toBeGreaterThan(phases.indexOf("decide"));
    const collected = await db().pool.query("SELECT 1 FROM toy.mv_for_collection WHERE driver_id = 'stale'");
    expect(collected.rowCount).toBe(1);
    expect(await refreshLog(db().pool as unknown as pg.ClientBase)).toEqual([
      "toy.mv_lower",
      "toy.mv_upper",
      "toy.mv_for_collection",
    ]);
  });
});

describe("refresh decisions", () => {
  const db = useTestDatabase();
  const client = () => db().pool as unknown as pg.ClientBase;
  const job = () =>
    new ReconcileCabinetClaims14d(db().pool, { objects: TOY_OBJECTS, refreshLockTimeoutMs: 300 });

  beforeEach(async () => {
    await createToySchema(client());
    await seedToy(client(), SITUATIONS);
  });

  it("changes nothing in dry-run and says what it would refresh", async () => {
    const before = await db().pool.query("SELECT count(*)::int AS n FROM toy.mv_upper");
    const report = await job().runReconcile({ asOf: AS_OF, dryRun: true });
    // WOULD_REFRESH carries the diagnosis of the data as it is (docs/contract.md §9.1), and only for the
    // rows a stale view can change (§10.3): the views are stale for driver "stale" alone.
    expect(pick(byDriver(report).get("stale"))).toEqual({
      verdict: "WOULD_REFRESH",
      reason: "CLAIMS_VIEW_MISSING",
    });
    expect(pick(byDriver(report).get("day13"))).toEqual({
      verdict: "STILL_MISSING",
      reason: "CLAIMS_VIEW_MISSING",
    });
    expect(pick(byDriver(report).get("other-lead"))).toEqual({
      verdict: "STILL_MISSING",
      reason: "CLAIM_ON_OTHER_LEAD_DATE",
    });
    expect(pick(byDriver(report).get("few-trips"))).toEqual({
      verdict: "STILL_MISSING",
      reason: "TRIPS_OUTSIDE_WINDOW",
    });
    expect(report.refresh_plan.map((s) => [s.name, s.stale, s.stale_drivers])).toEqual([
      ["toy.mv_lower", true, 1],
      ["toy.mv_upper", true, 1],
      ["toy.mv_for_collection", "unknown", null],
    ]);
    expect(report.metrics).toMatchObject({
      claims_should_exist: 6,
      refreshed_views: 0,
      still_missing: 5,
      resolved_after_refresh: 0,
      amount_at_risk: "200.00",
    });
    expect(report.refresh_skipped).toBe("dry-run");
    // A dry run lists both stages of its plan.
    expect(report.refresh_plan.map((s) => [s.name, s.stage])).toEqual([
      ["toy.mv_lower", "upstream"],
      ["toy.mv_upper", "upstream"],
      ["toy.mv_for_collection", "dependent"],
    ]);
    expect(await refreshLog(client())).toEqual([]);
    expect((await db().pool.query("SELECT count(*)::int AS n FROM toy.mv_upper")).rows).toEqual(before.rows);
  });

  it("finds the resolved gap gone on the next run", async () => {
    await job().runReconcile({ asOf: AS_OF });
    const second = await job().runReconcile({ asOf: AS_OF, onlyGaps: true });
    expect(second.gap_status_counts).toMatchObject({ OK: 2, MISSING: 8 });
    expect(byDriver(second).has("stale")).toBe(false);
    expect(second.metrics.gaps_found).toBe(8);
  });

  it("falls back to a plain refresh when the unique index is partial", async () => {
    await db().pool.query("DROP INDEX toy.mv_upper_key");
    await db().pool.query(
      "CREATE UNIQUE INDEX mv_upper_partial ON toy.mv_upper (driver_id, milestone_value, lead_date) WHERE driver_id IS NOT NULL",
    );
    const report = await job().runReconcile({ asOf: AS_OF });
    expect(report.refreshed_views.map((r) => [r.name, r.mode, r.ok])).toEqual([
      ["toy.mv_lower", "concurrently", true],
      ["toy.mv_upper", "plain", true],
      ["toy.mv_for_collection", "plain", true],
    ]);
    expect(pick(byDriver(report).get("stale"))).toEqual({ verdict: "RESOLVED", reason: null });
  });

  it("records a refresh blocked by another session, skips its dependants and blames it", async () => {
    const blocker = new pg.Client({ connectionString: db().url });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      // An open transaction that refreshed the lower view holds its ACCESS EXCLUSIVE lock until rollback.
      await blocker.query("REFRESH MATERIALIZED VIEW toy.mv_lower");
      const report = await job().runReconcile({ asOf: AS_OF });
      expect(report.refreshed_views.map((r) => [r.name, r.ok, r.error?.slice(0, 30)])).toEqual([
        ["toy.mv_lower", false, "canceling statement due to loc"],
        ["toy.mv_upper", false, "skipped: toy.mv_lower was not "],
        // The copy equals the claims view for every analysed driver: fresh, whatever failed upstream. No
        // upstream refresh succeeded, so it is compared with the first look's rows of the claims view.
        ["toy.mv_for_collection", false, "skipped: fresh (copy of the cl"],
      ]);
      // The lower view's check waited on the blocker's lock: undecided, so refreshed as before.
      expect(report.refresh_plan[0]).toMatchObject({ stale: "unknown" });
      expect(report.refresh_plan[0]?.stale_how).toMatch(
        /^check failed: canceling statement due to lock timeout/,
      );
      expect(report.refreshed_views[0]?.outcome).toMatchObject({ kind: "failed", sqlstate: "55P03" });
      // Loud: the failure is a warning of the report (the CLI prints warnings on stderr).
      expect(
        report.warnings.filter((w) => w.startsWith("refresh of toy.mv_lower (upstream) failed")),
      ).toHaveLength(1);
      expect(report.metrics).toMatchObject({
        refresh_failures: 1,
        refreshed_views: 0,
        still_missing: 6,
        resolved_after_refresh: 0,
      });
      expect(pick(byDriver(report).get("stale"))).toEqual({
        verdict: "STILL_MISSING",
        reason: "REFRESH_FAILED",
      });
      // What failed, and what the data says besides (§9.5).
      expect(byDriver(report).get("other-lead")?.detail).toMatch(
        /^refresh of toy\.mv_lower failed: canceling statement due to lock timeout \(SQLSTATE 55P03\); on the data as it is: CLAIM_ON_OTHER_LEAD_DATE \(2026-10-20\)$/,
      );
      expect(report.status).toBe("completed");
    } finally {
      await blocker.query("ROLLBACK");
      await blocker.end();
    }
    expect(await refreshLog(client())).toEqual([]);
  });

  it("skips the refresh when every row already has its claim, unless forced", async () => {
    const claimed = { onlyGaps: true, asOf: AS_OF, gapStatuses: ["OK"] };
    const skipped = await job().runReconcile(claimed);
    expect(skipped.metrics).toMatchObject({ processed: 1, claims_already_exist: 1, refreshed_views: 0 });
    expect(skipped.refresh_skipped).toMatch(/^nothing to fix/);
    const forced = await job().runReconcile({ ...claimed, forceRefresh: true });
    expect(forced.metrics.refreshed_views).toBe(3);
    expect(await refreshLog(client())).toEqual(["toy.mv_lower", "toy.mv_upper", "toy.mv_for_collection"]);
  });
});
