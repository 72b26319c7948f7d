/**
 * Refresh only what can change an answer (docs/contract.md §10.3), on the contract-shaped toy schema: a fresh
 * view is not refreshed and the report says why; a stale one is, and its row resolves; an undecidable one is
 * refreshed as before; a copy lacking a claim is refreshed; a failing payments view marks REFRESH_FAILED only
 * the rows it could change while the claims chain resolves and reaches the copy; a steady second run
 * refreshes nothing; `--force-refresh` refreshes the whole plan.
 */
import pg from "pg";
import { beforeEach, describe, expect, it } from "vitest";
import { main } from "../../lambda/cli/main.js";
import type { Report, ReportRow } from "../../lambda/core/types.js";
import { ReconcileCabinetClaims14d } from "../../lambda/reconcile.js";
import { useTestDatabase } from "../support/db.js";
import {
  createToySchema,
  refreshLog,
  seedToy,
  TOY_CLI_OBJECTS,
  TOY_OBJECTS,
  TOY_SITUATIONS,
} from "../support/toy-schema.js";

const AS_OF = "2026-11-10";
const byDriver = (report: Report) => new Map((report.rows ?? []).map((r) => [r.driver_id ?? "(null)", r]));
const pick = (r: ReportRow | undefined) => r && [r.verdict, r.invalid_reason ?? r.diagnosis];
const outcomes = (report: Report) => report.refreshed_views.map((r) => [r.name, r.outcome.kind]);

describe("refresh only what can change an answer (toy schema)", () => {
  const db = useTestDatabase();
  const client = () => db().pool as unknown as pg.ClientBase;
  const job = () =>
    new ReconcileCabinetClaims14d(db().pool, { objects: TOY_OBJECTS, refreshLockTimeoutMs: 300 });

  beforeEach(async () => {
    await createToySchema(client());
    await seedToy(client(), TOY_SITUATIONS);
  });

  it("refreshes the stale chain (row RESOLVED), then a steady second run refreshes nothing and says why", async () => {
    // Prepare: driver "stale" has a claim only in the source beneath mv_lower.
    // Act
    const first = await job().runReconcile({ asOf: AS_OF });
    const second = await job().runReconcile({ asOf: AS_OF });
    const dry = await job().runReconcile({ asOf: AS_OF, dryRun: true });
    // Assess: the first run refreshed the stale views, the claim resolved and reached the copy.
    expect(pick(byDriver(first).get("stale"))).toEqual(["RESOLVED", null]);
    expect(first.refresh_plan.map((s) => [s.name, s.stale, s.stale_drivers])).toEqual([
      ["toy.mv_lower", true, 1],
      ["toy.mv_upper", true, 1],
      ["toy.mv_for_collection", true, null],
    ]);
    expect(first.refresh_plan[0]?.stale_how).toBe(
      "definition compared with its rows, 8 analysed driver(s): differs for 1",
    );
    expect(outcomes(first)).toEqual([
      ["toy.mv_lower", "ok"],
      ["toy.mv_upper", "ok"],
      ["toy.mv_for_collection", "ok"],
    ]);
    // The second run: every view fresh, none refreshed, the reason in the report, the verdicts unchanged.
    expect(second.metrics.refreshed_views).toBe(0);
    expect(outcomes(second)).toEqual([
      ["toy.mv_lower", "fresh"],
      ["toy.mv_upper", "fresh"],
      ["toy.mv_for_collection", "fresh"],
    ]);
    expect(second.refresh_skipped).toBe(
      "fresh: no planned view is stale for an analysed row a refresh could change",
    );
    expect(second.refreshed_views[0]?.error).toBe(
      "skipped: fresh (definition compared with its rows, 7 analysed driver(s))",
    );
    expect(second.refresh_plan.map((s) => s.stale)).toEqual([false, false, false]);
    expect(pick(byDriver(second).get("stale"))).toEqual(["ALREADY_EXISTS", null]);
    expect(pick(byDriver(second).get("day13"))).toEqual(["STILL_MISSING", "CLAIMS_VIEW_MISSING"]);
    // Steady state: a dry run shows no WOULD_REFRESH.
    expect((dry.rows ?? []).filter((r) => r.verdict === "WOULD_REFRESH")).toEqual([]);
    expect(await refreshLog(client())).toEqual(["toy.mv_lower", "toy.mv_upper", "toy.mv_for_collection"]);
  });

  it("refreshes as before a view whose staleness cannot be decided (not populated)", async () => {
    // Prepare: an unpopulated lower view cannot be read, so nothing can be compared with it.
    await db().pool.query("REFRESH MATERIALIZED VIEW toy.mv_lower WITH NO DATA");
    await db().pool.query("TRUNCATE toy.refresh_log");
    // Act
    const report = await job().runReconcile({ asOf: AS_OF });
    // Assess
    expect(report.refresh_plan[0]).toMatchObject({
      name: "toy.mv_lower",
      stale: "unknown",
      stale_how: "not populated: cannot be read",
      mode: "plain",
    });
    expect(report.refresh_plan[1]).toMatchObject({ name: "toy.mv_upper", stale: "unknown" });
    expect(outcomes(report).slice(0, 2)).toEqual([
      ["toy.mv_lower", "ok"],
      ["toy.mv_upper", "ok"],
    ]);
    expect(pick(byDriver(report).get("stale"))).toEqual(["RESOLVED", null]);
  });

  it("refreshes a copy that lacks a claim the claims view holds, and only the copy", async () => {
    // Prepare: the claims chain is refreshed by someone else; the copy was not.
    await db().pool.query("REFRESH MATERIALIZED VIEW toy.mv_lower");
    await db().pool.query("REFRESH MATERIALIZED VIEW toy.mv_upper");
    await db().pool.query("TRUNCATE toy.refresh_log");
    // Act
    const report = await job().runReconcile({ asOf: AS_OF });
    // Assess
    expect(pick(byDriver(report).get("stale"))).toEqual(["ALREADY_EXISTS", null]);
    expect(outcomes(report)).toEqual([
      ["toy.mv_lower", "fresh"],
      ["toy.mv_upper", "fresh"],
      ["toy.mv_for_collection", "ok"],
    ]);
    expect(report.refresh_plan[2]).toMatchObject({ stale: true, stale_drivers: 1 });
    // Decided from the first look's rows of the claims view (no upstream refresh ran).
    expect(report.refresh_plan[2]?.stale_how).toMatch(
      /^copy of the claims view: its rows compared with the claims view's as the first look read them \(no upstream refresh ran, claims view not read again\), \d+ analysed driver-milestone pair\(s\) of \d+ analysed driver\(s\): differs for 1$/,
    );
    expect(await refreshLog(client())).toEqual(["toy.mv_for_collection"]);
    const copy = await db().pool.query("SELECT 1 FROM toy.mv_for_collection WHERE driver_id = 'stale'");
    expect(copy.rowCount).toBe(1);
  });

  it("a steady run decides the claims view's copy from the first look, without reading the claims view again", async () => {
    // Prepare: a first run leaves everything fresh; then the claims view may only be read outside a read-only
    // transaction (every staleness check is one), same columns and rows.
    await job().runReconcile({ asOf: AS_OF });
    await db().pool.query(`
      CREATE FUNCTION toy.not_in_a_check() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        IF current_setting('transaction_read_only') = 'on' THEN
          RAISE EXCEPTION 'claims view read by a staleness check';
        END IF;
        RETURN true;
      END $$;
      CREATE OR REPLACE VIEW toy.v_claims AS SELECT *, false AS paid_flag FROM toy.mv_upper WHERE toy.not_in_a_check();
      TRUNCATE toy.refresh_log;`);
    // Act
    const steady = await job().runReconcile({ asOf: AS_OF });
    // Assess: the copy is fresh, decided from the first look (a read of the claims view would have failed
    // the check, making it unknown and refreshed); nothing refreshed, verdicts as before.
    const copy = steady.refresh_plan.find((s) => s.name === "toy.mv_for_collection");
    expect(copy).toMatchObject({ stale: false, stale_drivers: null });
    expect(copy?.stale_how).toBe(
      "copy of the claims view: its rows compared with the claims view's as the first look read them (no upstream refresh ran, claims view not read again), 9 analysed driver-milestone pair(s) of 9 analysed driver(s)",
    );
    expect(outcomes(steady)).toEqual([
      ["toy.mv_lower", "fresh"],
      ["toy.mv_upper", "fresh"],
      ["toy.mv_for_collection", "fresh"],
    ]);
    expect(await refreshLog(client())).toEqual([]);
    expect(pick(byDriver(steady).get("stale"))).toEqual(["ALREADY_EXISTS", null]);
  });

  it("refreshes a copy that differs from the claims view in a column other than the claim's key", async () => {
    // Prepare: a first run leaves everything fresh; then the claims view says every claim is paid.
    await job().runReconcile({ asOf: AS_OF });
    await db().pool.query(`
      CREATE OR REPLACE VIEW toy.v_claims AS SELECT *, true AS paid_flag FROM toy.mv_upper;
      TRUNCATE toy.refresh_log;`);
    // Act
    const report = await job().runReconcile({ asOf: AS_OF });
    // Assess: decided from the first look, stale for the analysed drivers holding a claim, refreshed.
    const copy = report.refresh_plan.find((s) => s.name === "toy.mv_for_collection");
    expect(copy?.stale).toBe(true);
    expect(copy?.stale_how).toMatch(/^copy of the claims view: .* read them .*: differs for \d+$/);
    expect(await refreshLog(client())).toEqual(["toy.mv_for_collection"]);
    const paid = await db().pool.query(
      "SELECT 1 FROM toy.mv_for_collection WHERE driver_id = 'stale' AND paid_flag",
    );
    expect(paid.rowCount).toBe(1);
  });

  it("a failing payments view marks REFRESH_FAILED only its rows; the claims chain resolves and reaches the copy", async () => {
    // Prepare: a payments MV beneath the claims view (paid_flag only), stale for driver "other-lead".
    await db().pool.query(`
      CREATE TABLE toy.payments (driver_id text NOT NULL, milestone_value int NOT NULL);
      CREATE MATERIALIZED VIEW toy.mv_payments AS SELECT * FROM toy.payments;
      CREATE UNIQUE INDEX mv_payments_key ON toy.mv_payments (driver_id, milestone_value);
      CREATE OR REPLACE VIEW toy.v_claims AS
        SELECT u.*, EXISTS (SELECT 1 FROM toy.mv_payments p
                             WHERE p.driver_id = u.driver_id AND p.milestone_value = u.milestone_value) AS paid_flag
          FROM toy.mv_upper u;
      INSERT INTO toy.payments VALUES ('other-lead', 5);
      TRUNCATE toy.refresh_log;`);
    const blocker = new pg.Client({ connectionString: db().url });
    await blocker.connect();
    let report: Report;
    try {
      // An open concurrent refresh holds EXCLUSIVE: it blocks another refresh, not a reader, so the
      // staleness check still decides (it sees the committed rows, stale for "other-lead").
      await blocker.query("BEGIN");
      await blocker.query("REFRESH MATERIALIZED VIEW CONCURRENTLY toy.mv_payments");
      // Act
      report = await job().runReconcile({ asOf: AS_OF });
    } finally {
      await blocker.query("ROLLBACK");
      await blocker.end();
    }
    // Assess
    const rows = byDriver(report);
    expect(report.refresh_plan.find((s) => s.name === "toy.mv_payments")).toMatchObject({
      stale: true,
      stale_drivers: 1,
    });
    expect(outcomes(report)).toEqual([
      ["toy.mv_lower", "ok"],
      ["toy.mv_payments", "failed"],
      ["toy.mv_upper", "ok"],
      ["toy.mv_for_collection", "ok"],
    ]);
    expect(pick(rows.get("stale"))).toEqual(["RESOLVED", null]);
    expect(pick(rows.get("other-lead"))).toEqual(["STILL_MISSING", "REFRESH_FAILED"]);
    expect(rows.get("other-lead")?.detail).toMatch(
      /^refresh of toy\.mv_payments failed: canceling statement due to lock timeout .*; on the data as it is: CLAIM_ON_OTHER_LEAD_DATE \(2026-10-20\)$/,
    );
    // The others keep their diagnosis.
    expect(pick(rows.get("few-trips"))).toEqual(["STILL_MISSING", "TRIPS_OUTSIDE_WINDOW"]);
    expect(pick(rows.get("day13"))).toEqual(["STILL_MISSING", "CLAIMS_VIEW_MISSING"]);
    expect(report.metrics).toMatchObject({ refresh_failures: 1, resolved_after_refresh: 1 });
    const copy = await db().pool.query("SELECT 1 FROM toy.mv_for_collection WHERE driver_id = 'stale'");
    expect(copy.rowCount).toBe(1);
  });

  it("--force-refresh refreshes the whole plan unchecked, steady state or not", async () => {
    // Prepare: a first run leaves everything fresh.
    await job().runReconcile({ asOf: AS_OF });
    await db().pool.query("TRUNCATE toy.refresh_log");
    let stdout = "";
    // Act
    const code = await main(
      [`--database-url=${db().url}`, ...TOY_CLI_OBJECTS, `--as-of=${AS_OF}`, "--force-refresh"],
      { stdout: (t) => (stdout += t), stderr: () => undefined },
    );
    // Assess
    expect(code).toBe(0);
    expect(await refreshLog(client())).toEqual(["toy.mv_lower", "toy.mv_upper", "toy.mv_for_collection"]);
    expect(stdout).toContain("toy.mv_lower");
    const forced = await job().runReconcile({ asOf: AS_OF, forceRefresh: true });
    expect(forced.refresh_plan.map((s) => [s.stale, s.stale_how])).toEqual([
      ["unknown", "not checked: forceRefresh"],
      ["unknown", "not checked: forceRefresh"],
      ["unknown", "not checked: forceRefresh"],
    ]);
    expect(forced.metrics.refreshed_views).toBe(3);
  });
});
