import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { type GroundTruth, generate } from "../../reference/generator.js";
import { CLAIMS_MVS, refreshMv } from "../../reference/load.js";
import { RUNBOOK_QUERY_1, RUNBOOK_QUERY_2 } from "../../reference/runbook.js";
import { useTestDatabase } from "../support/db.js";

/** Query 1's result as { gap_reason (NULL as "NULL"): count }. */
async function query1(db: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await db.query<{ gap_reason: string | null; count: string }>(RUNBOOK_QUERY_1);
  return Object.fromEntries(rows.map((r) => [r.gap_reason ?? "NULL", Number(r.count)]));
}

describe("generated data, seed 1, scale 1, as of the database's CURRENT_DATE", () => {
  const db = useTestDatabase();
  let truth: GroundTruth;

  beforeAll(async () => {
    const client = await db().pool.connect();
    try {
      const { dataset: _dataset, ...rest } = await generate(client, { seed: 1, scale: 1 });
      truth = rest;
    } finally {
      client.release();
    }
  }, 120_000);

  it("loads about the deployed volume", () => {
    expect(truth.counts.summary_daily).toBeGreaterThan(200_000);
    expect(truth.counts.drivers).toBe(126_000);
    expect(truth.rowsPerSecond).toBeGreaterThan(20_000);
  });

  it("the gap view's window equals the ground truth row for row (status and reason)", async () => {
    const { rows } = await db().pool.query<{ k: string }>(
      `SELECT concat_ws('|', lead_source_pk, milestone_value, driver_id, to_char(lead_date, 'YYYY-MM-DD'),
                        claim_status, coalesce(gap_reason, 'NULL')) AS k
         FROM ops.v_cabinet_claims_gap_14d WHERE lead_date >= $1::date - 21`,
      [truth.asOf],
    );
    const expected = truth.windowRows.map((r) =>
      [
        r.lead_source_pk,
        r.milestone_value,
        r.driver_id ?? "",
        r.lead_date,
        r.claim_status,
        r.gap_reason ?? "NULL",
      ]
        .filter((x) => x !== "")
        .join("|"),
    );
    expect(rows.map((r) => r.k).sort()).toEqual(expected.sort());
  });

  it("plants every job outcome in the documented numbers", () => {
    expect(truth.byDiagnosis).toEqual({
      CLAIMS_VIEW_MISSING: 3,
      CLAIM_ON_OTHER_LEAD_DATE: 12,
      NO_PAYMENT_CALCULATION: 5,
      PAYMENT_CALCULATION_NOT_ACHIEVED: 3,
      TRIPS_OUTSIDE_WINDOW: 4,
    });
    expect(truth.byVerdict.afterRefresh).toMatchObject({ RESOLVED: 6, STILL_MISSING: 27 });
    // WOULD_REFRESH only for the rows a stale claims MV can change (§10.3): the stale-MV gaps.
    expect(truth.byVerdict.dryRun).toMatchObject({ WOULD_REFRESH: 6, STILL_MISSING: 27 });
    expect(truth.byInvalidReason).toMatchObject({ NO_DRIVER: 21, ACHIEVED_OUTSIDE_WINDOW: 8 });
    expect(truth.staleMvGaps).toBe(6);
  });

  it("pushes a filter on driver_id into the live views (no scan of the whole history)", async () => {
    const { rows } = await db().pool.query<{ d: string[] }>(
      `SELECT array_agg(DISTINCT driver_id) AS d FROM ops.v_cabinet_claims_gap_14d WHERE lead_date >= $1::date - 21`,
      [truth.asOf],
    );
    const drivers = rows[0]?.d ?? [];
    const plan = async (sql: string, values: unknown[] = []) =>
      (await db().pool.query(`EXPLAIN ${sql}`, values)).rows.map((r) => r["QUERY PLAN"]).join("\n");
    await db().pool.query(
      "CREATE TEMP TABLE IF NOT EXISTS window_drivers AS SELECT unnest($1::text[]) AS driver_id",
      [drivers],
    );
    await db().pool.query("ANALYZE window_drivers");
    for (const view of ["ops.v_cabinet_milestones_achieved_from_payment_calc", "ops.v_payment_calculation"]) {
      for (const [filter, values] of [
        ["driver_id = ANY($1::text[])", [drivers]],
        ["driver_id IN (SELECT driver_id FROM window_drivers)", []],
      ] as const) {
        const text = await plan(`SELECT * FROM ${view} WHERE ${filter}`, [...values]);
        expect(text, `${view} WHERE ${filter}`).not.toMatch(/Seq Scan on summary_daily\b/);
      }
    }
  });

  it("runs the runbook's queries unchanged; a refresh in order drops query 1's gaps by the stale-MV gaps", async () => {
    // Prepare / Assess the data as generated
    const before = await query1(db().pool);
    expect(before).toEqual(truth.byReason);
    const q2 = await db().pool.query(RUNBOOK_QUERY_2);
    expect(q2.rows.length).toBe(Math.min(20, truth.byStatus.MISSING ?? 0));
    expect(q2.rows.length).toBeGreaterThan(0);
    expect(new Set(q2.rows.map((r) => r.status))).toEqual(new Set(["PENDIENTE"]));

    const client = await db().pool.connect();
    try {
      // Act 1: the upper MV first reads the stale lower one: nothing changes
      await refreshMv(client, "ops.mv_claims_payment_status_cabinet");
      expect(await query1(db().pool)).toEqual(before);
      // Act 2: dependency order
      for (const mv of CLAIMS_MVS) await refreshMv(client, mv);
    } finally {
      client.release();
    }
    // Assess
    const after = await query1(db().pool);
    expect(after).toEqual(truth.byReasonAfterRefresh);
    expect((before.CLAIM_NOT_GENERATED ?? 0) - (after.CLAIM_NOT_GENERATED ?? 0)).toBe(truth.staleMvGaps);
    expect((after.NULL ?? 0) - (before.NULL ?? 0)).toBe(truth.staleMvGaps);
  });
});
