/**
 * The job on the reference schema with generated data: every row's verdict, invalid reason and diagnosis
 * equal what the generator planted (its ground truth comes from an independent TypeScript model).
 */
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../lambda/core/types.js";
import { ReconcileCabinetClaims14d } from "../../lambda/reconcile.js";
import { type GroundTruth, generate } from "../../reference/generator.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

const AS_OF = "2026-11-24";
const SEED = 7;
const SCALE = 0.25;

type Decided = { key: string; verdict: string; reason: string | null };
const sorted = (rows: Decided[]) => rows.map((r) => `${r.key} ${r.verdict} ${r.reason ?? ""}`).sort();
const key = (r: { driver_id: string | null; lead_date: string | null; milestone_value: number | null }) =>
  `${r.driver_id ?? "-"}|${r.lead_date}|M${r.milestone_value}`;

function fromReport(report: Report): string[] {
  return sorted(
    (report.rows ?? []).map((r) => ({
      key: key(r),
      verdict: r.verdict,
      reason: r.invalid_reason ?? r.diagnosis,
    })),
  );
}
function fromTruth(truth: GroundTruth, phase: "dryRun" | "afterRefresh"): string[] {
  return sorted(
    truth.windowRows.map((r) => ({
      key: key(r),
      verdict: r.expected[phase],
      reason:
        phase === "dryRun" && r.expected.dryRun !== "INVALID"
          ? r.expected.dry_run_diagnosis
          : (r.expected.invalid_reason ?? r.expected.diagnosis),
    })),
  );
}

async function seeded(): Promise<{ db: TestDatabase; truth: GroundTruth }> {
  const db = await createTestDatabase();
  const client = await db.pool.connect();
  try {
    const { dataset: _ds, ...truth } = await generate(client, { seed: SEED, scale: SCALE, asOf: AS_OF });
    return { db, truth };
  } finally {
    client.release();
  }
}

/**
 * What a refresh changes: a plain refresh swaps the view's file (filenode), a concurrent one rewrites the
 * changed rows (new xmin). The collection view can only be refreshed plainly (its unique index is partial).
 */
async function mvState(pool: pg.Pool): Promise<Record<string, string>> {
  const { rows } = await pool.query<{ relname: string; filenode: string }>(
    "SELECT c.relname, pg_relation_filenode(c.oid)::text AS filenode FROM pg_class c WHERE c.relkind = 'm' ORDER BY 1",
  );
  const xmins = await pool.query<{ x: string }>(
    "SELECT string_agg(xmin::text, ',' ORDER BY driver_id, milestone_value, lead_date) AS x FROM ops.mv_cabinet_claims_base",
  );
  return {
    ...Object.fromEntries(rows.map((r) => [r.relname, r.filenode])),
    base_rows: xmins.rows[0]?.x ?? "",
  };
}

describe("the job against the reference schema and its planted ground truth", () => {
  let db: TestDatabase;
  let truth: GroundTruth;
  const job = () => new ReconcileCabinetClaims14d(db.pool, { timeZone: "America/Lima" });

  beforeAll(async () => {
    ({ db, truth } = await seeded());
    return () => db.drop();
  });

  it("plants every verdict and diagnosis this suite relies on", () => {
    expect(truth.byVerdict.afterRefresh).toMatchObject({
      RESOLVED: expect.any(Number),
      STILL_MISSING: expect.any(Number),
    });
    expect(Object.keys(truth.byDiagnosis).sort()).toEqual([
      "CLAIMS_VIEW_MISSING",
      "CLAIM_ON_OTHER_LEAD_DATE",
      "NO_PAYMENT_CALCULATION",
      "PAYMENT_CALCULATION_NOT_ACHIEVED",
      "TRIPS_OUTSIDE_WINDOW",
    ]);
    expect(Object.keys(truth.byInvalidReason).sort()).toEqual([
      "ACHIEVED_OUTSIDE_WINDOW",
      "NOT_ACHIEVED",
      "NO_DRIVER",
    ]);
    expect(truth.staleMvGaps).toBeGreaterThan(0);
  });

  it("dry-run decides every row as planted and refreshes nothing", async () => {
    const before = await mvState(db.pool);
    const report = await job().runReconcile({ asOf: AS_OF, dryRun: true, limit: 100_000 });
    expect(fromReport(report)).toEqual(fromTruth(truth, "dryRun"));
    expect(report.metrics.claims_should_exist).toBe(
      (truth.byVerdict.dryRun.WOULD_REFRESH ?? 0) + (truth.byVerdict.dryRun.STILL_MISSING ?? 0),
    );
    expect(report.metrics.gaps_found).toBe(truth.windowRows.length);
    expect(await mvState(db.pool)).toEqual(before);
  });

  it("a real run resolves the stale claims, explains the rest exactly, then refreshes the collection view built on them", async () => {
    const before = await mvState(db.pool);
    const report = await job().runReconcile({ asOf: AS_OF, limit: 100_000 });
    expect(fromReport(report)).toEqual(fromTruth(truth, "afterRefresh"));
    const v = truth.byVerdict.afterRefresh;
    expect(report.metrics).toMatchObject({
      processed: truth.windowRows.length,
      gaps_found: truth.windowRows.length,
      resolved_after_refresh: v.RESOLVED,
      still_missing: v.STILL_MISSING,
      claims_already_exist: v.ALREADY_EXISTS,
      invalid_conditions: v.INVALID,
      amount_still_missing: truth.amountStillMissing,
      amount_at_risk: truth.amountStillMissing,
      refreshed_views: 3,
      refresh_failures: 0,
    });
    expect(report.metrics.resolved_after_refresh).toBe(truth.staleMvGaps);
    // The collection view reads the claims view: since revision 2 of the contract (§9.3) it is a dependent,
    // refreshed after the re-verify (plainly: its only unique index is partial).
    expect(report.refreshed_views.map((r) => [r.name, r.stage, r.mode, r.ok])).toEqual([
      ["ops.mv_cabinet_claims_base", "upstream", "concurrently", true],
      ["ops.mv_claims_payment_status_cabinet", "upstream", "concurrently", true],
      ["ops.mv_yango_cabinet_claims_for_collection", "dependent", "plain", true],
    ]);
    const after = await mvState(db.pool);
    expect(after.mv_yango_cabinet_claims_for_collection).not.toBe(
      before.mv_yango_cabinet_claims_for_collection,
    );
    expect(after.base_rows).not.toBe(before.base_rows);

    // Right after, the resolved gaps are gone from the gap view: status OK, no longer MISSING.
    const second = await job().runReconcile({ asOf: AS_OF, limit: 100_000, onlyGaps: true });
    expect(second.gap_status_counts.MISSING).toBe((truth.byStatus.MISSING ?? 0) - truth.staleMvGaps);
    expect(second.metrics.resolved_after_refresh).toBe(0);
    // Under --only-gaps, still-missing rows the gap view itself does not call MISSING are not analysed.
    const missingAndStill = truth.windowRows.filter(
      (r) => r.claim_status_after_refresh === "MISSING" && r.expected.afterRefresh === "STILL_MISSING",
    );
    expect(second.metrics.still_missing).toBe(missingAndStill.length);
  });

  it("a steady next run refreshes nothing (fresh, with how in the report), and --force-refresh refreshes the plan", async () => {
    // Prepare: the real run above left every view fresh.
    // Act
    const steady = await job().runReconcile({ asOf: AS_OF, limit: 100_000 });
    const dry = await job().runReconcile({ asOf: AS_OF, limit: 100_000, dryRun: true });
    const forced = await job().runReconcile({ asOf: AS_OF, limit: 100_000, forceRefresh: true });
    // Assess
    expect(steady.metrics.refreshed_views).toBe(0);
    expect(steady.refreshed_views.map((r) => [r.name, r.outcome.kind])).toEqual([
      ["ops.mv_cabinet_claims_base", "fresh"],
      ["ops.mv_claims_payment_status_cabinet", "fresh"],
      ["ops.mv_yango_cabinet_claims_for_collection", "fresh"],
    ]);
    expect(steady.refresh_plan.map((p) => p.stale)).toEqual([false, false, false]);
    expect(steady.refresh_plan[1]?.stale_how).toMatch(
      /^definition compared with its rows, \d+ analysed driver\(s\)$/,
    );
    // The collection list reads the upper view, not the claims view: not a copy of it, so its own
    // definition is evaluated, as before.
    expect(steady.refresh_plan[2]?.stale_how).toMatch(/^definition compared with its rows/);
    expect((dry.rows ?? []).filter((r) => r.verdict === "WOULD_REFRESH")).toEqual([]);
    expect(fromReport(dry)).toEqual(fromReport(steady));
    expect(forced.refreshed_views.map((r) => [r.name, r.ok])).toEqual([
      ["ops.mv_cabinet_claims_base", true],
      ["ops.mv_claims_payment_status_cabinet", true],
      ["ops.mv_yango_cabinet_claims_for_collection", true],
    ]);
  });

  it("--record-claims writes the proven claims into this profile's ledger (text key and status, smallint milestone), once", async () => {
    const report = await job().runReconcile(
      { asOf: AS_OF, limit: 100_000, recordClaims: true },
      { runId: "ref-1" },
    );
    const rows = report.rows ?? [];
    const proven = rows.filter((r) => r.verdict === "ALREADY_EXISTS" || r.verdict === "RESOLVED");
    // The truth's proven rows, every one priced by its partner rule (this profile's rules all pay).
    // After the real run above, the stale claims it resolved are there: the truth's ALREADY_EXISTS and RESOLVED.
    expect(proven).toHaveLength((v(truth).ALREADY_EXISTS ?? 0) + (v(truth).RESOLVED ?? 0));
    const keyOf = (r: {
      person_key?: string | null;
      lead_date: string | null;
      milestone_value: number | null;
    }) => `${r.person_key}|${r.lead_date}|${r.milestone_value}`;
    const expectedKeys = new Set(proven.filter((r) => r.person_key && r.amount_source === "rule").map(keyOf));
    expect(expectedKeys.size).toBeGreaterThan(0);
    const { rows: ledger } = await db.pool.query<{
      person_key: string;
      lead_date: string;
      milestone_value: number;
      amount: string;
      status: string;
      reason: string;
    }>(
      `SELECT person_key, to_char(lead_date, 'YYYY-MM-DD') AS lead_date, milestone::int AS milestone_value,
              amount_expected::text AS amount, status, reason FROM canon.claims_yango_cabinet_14d`,
    );
    expect(new Set(ledger.map(keyOf))).toEqual(expectedKeys);
    expect(ledger).toHaveLength(expectedKeys.size);
    expect(new Set(ledger.map((l) => `${l.status} ${l.reason}`))).toEqual(
      new Set(["generated reconcile-cabinet-claims-14d run ref-1"]),
    );
    const amountOf = new Map(proven.map((r) => [keyOf(r), r.amount]));
    for (const l of ledger) expect(l.amount).toBe(amountOf.get(keyOf(l)));
    expect(report.metrics.claims_recorded).toBe(expectedKeys.size);
    // This profile's gap view reads the claims view, not the ledger: its window is the same after.
    expect(report.metrics.gaps_after).toBe(report.metrics.gaps_found);

    const again = await job().runReconcile({ asOf: AS_OF, limit: 100_000, recordClaims: true });
    expect(again.metrics.claims_recorded).toBe(0);
    expect(
      (again.rows ?? [])
        .filter((r) => expectedKeys.has(keyOf(r)))
        .every((r) => r.ledger === "present" && r.ledger_status === "generated"),
    ).toBe(true);
  });
});

const v = (truth: GroundTruth) => truth.byVerdict.afterRefresh as Record<string, number>;

describe("refresh order on the reference chain", () => {
  it("refreshing the upper view first leaves the stale gaps; the job's order resolves them", async () => {
    const { db, truth } = await seeded();
    try {
      const missing = async () =>
        Number(
          (
            await db.pool.query(
              "SELECT count(*) AS n FROM ops.v_cabinet_claims_gap_14d WHERE lead_date >= $1::date - 21 AND claim_status = 'MISSING'",
              [AS_OF],
            )
          ).rows[0].n,
        );
      const stale = await missing();
      await db.pool.query("REFRESH MATERIALIZED VIEW ops.mv_claims_payment_status_cabinet");
      expect(await missing()).toBe(stale);
      const report = await new ReconcileCabinetClaims14d(db.pool).runReconcile({
        asOf: AS_OF,
        onlyGaps: true,
      });
      expect(report.metrics.resolved_after_refresh).toBe(truth.staleMvGaps);
      expect(await missing()).toBe(stale - truth.staleMvGaps);
    } finally {
      await db.drop();
    }
  });
});
