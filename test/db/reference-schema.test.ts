import { describe, expect, it } from "vitest";
import type { Dataset } from "../../reference/dataset.js";
import { dayOf, isoOf } from "../../reference/days.js";
import { singleLeadDataset } from "../../reference/fixtures.js";
import { COLLECTION_MV, type LoadOptions, loadDataset, refreshMv } from "../../reference/load.js";
import { useTestDatabase } from "../support/db.js";
import { readAchieved, readClaims, readGap } from "./reference-support.js";

const ASOF = "2025-06-30";
const at = (offset: number) => isoOf(dayOf(ASOF) + offset);

describe("reference schema on hand-made data", () => {
  const db = useTestDatabase();
  const load = async (ds: Dataset, opts: LoadOptions) => {
    const client = await db().pool.connect();
    try {
      return await loadDataset(client, ds, opts);
    } finally {
      client.release();
    }
  };
  const refresh = async (name: string) => {
    const client = await db().pool.connect();
    try {
      return await refreshMv(client, name);
    } finally {
      client.release();
    }
  };

  it("counts a trip on day 13 and not one on day 14 (half-open window), in every view", async () => {
    // Prepare: four trips on days 1-4 and the fifth on day 13
    const lead = -20;
    await load(
      singleLeadDataset({
        asOf: ASOF,
        leadOffset: lead,
        trips: [
          [1, 1],
          [2, 1],
          [3, 1],
          [4, 1],
          [13, 1],
          [14, 20],
        ],
      }),
      { vacuum: false },
    );
    // Act
    const gap = await readGap(db().pool);
    const achieved = await readAchieved(db().pool);
    const claims = await readClaims(db().pool);
    // Assess: day 13 reaches M5; the 20 trips of day 14 would have reached M25 and do not count
    const byMilestone = [...gap].sort((a, b) => a.milestone_value - b.milestone_value);
    expect(byMilestone.map((g) => [g.milestone_value, g.trips_14d, g.claim_status])).toEqual([
      [1, 5, "OK"],
      [5, 5, "OK"],
      [25, 5, "NOT_EXPECTED"],
    ]);
    expect(achieved.find((a) => a.milestone_value === 5)).toMatchObject({
      achieved_flag: true,
      achieved_date: at(lead + 13),
    });
    expect(achieved.find((a) => a.milestone_value === 25)).toMatchObject({
      achieved_flag: false,
      achieved_date: null,
    });
    expect(claims.map((c) => c.milestone_value).sort()).toEqual([1, 5]);

    // Prepare: the fifth trip on day 14 instead
    await load(
      singleLeadDataset({
        asOf: ASOF,
        leadOffset: lead,
        trips: [
          [1, 1],
          [2, 1],
          [3, 1],
          [4, 1],
          [14, 1],
        ],
      }),
      { vacuum: false },
    );
    const m5 = (await readGap(db().pool)).find((g) => g.milestone_value === 5);
    expect(m5).toMatchObject({
      trips_14d: 4,
      claim_status: "NOT_EXPECTED",
      gap_reason: "INSUFFICIENT_TRIPS",
    });
    expect((await readAchieved(db().pool)).find((a) => a.milestone_value === 5)?.achieved_flag).toBe(false);
  });

  it("ignores impossible dates (NULL day) without failing, where deployed to_date() would abort", async () => {
    // Prepare
    await load(
      singleLeadDataset({
        asOf: ASOF,
        leadOffset: -20,
        trips: [
          [1, 2],
          [2, 1],
          [0, 40, "31-02-2025"],
          [0, 40, "30-02-2025"],
          [0, 9, "not a date"],
        ],
      }),
      { vacuum: false },
    );
    // Act / Assess: every contract view answers, and the bad rows count nowhere
    const gap = await readGap(db().pool);
    expect(gap.find((g) => g.milestone_value === 1)).toMatchObject({ trips_14d: 3, claim_status: "OK" });
    await expect(db().pool.query("SELECT count(*) FROM ops.v_payment_calculation")).resolves.toBeTruthy();
    await expect(
      db().pool.query("SELECT count(*) FROM ops.v_claims_payment_status_cabinet"),
    ).resolves.toBeTruthy();
    const parsed = await db().pool.query(
      "SELECT date_file, ops.parse_date_file(date_file)::text AS day FROM public.summary_daily ORDER BY 1",
    );
    expect(parsed.rows.filter((r) => r.day === null).map((r) => r.date_file)).toEqual([
      "30-02-2025",
      "31-02-2025",
      "not a date",
    ]);
    await expect(db().pool.query("SELECT to_date('31-02-2025', 'DD-MM-YYYY')")).rejects.toThrow();
  });

  it("counts YYYY-MM-DD rows in the gap view but not in the payment calculation (modelled bug)", async () => {
    // Prepare: 3 trips in DD-MM-YYYY, 3 in YYYY-MM-DD
    const lead = -20;
    const iso = (o: number) => at(lead + o);
    await load(
      singleLeadDataset({
        asOf: ASOF,
        leadOffset: lead,
        trips: [
          [1, 1],
          [2, 1, iso(2)],
          [3, 1],
          [4, 1, iso(4)],
          [5, 1],
          [6, 1, iso(6)],
        ],
      }),
      { vacuum: false },
    );
    // Act
    const m5 = (await readGap(db().pool)).find((g) => g.milestone_value === 5);
    const calc = await db().pool.query(
      "SELECT trips_counted, milestone_achieved FROM ops.v_payment_calculation WHERE rule_scope = 'partner' AND milestone_trips = 5",
    );
    // Assess
    expect(m5).toMatchObject({ trips_14d: 6, claim_status: "MISSING", gap_reason: "CLAIM_NOT_GENERATED" });
    expect(calc.rows).toEqual([{ trips_counted: 3, milestone_achieved: false }]);
  });

  it("stale claims MVs: refreshing the upper MV first leaves the gap; lower then upper resolves it", async () => {
    // Prepare: the first trip arrives after the snapshot refresh
    await load(singleLeadDataset({ asOf: ASOF, leadOffset: -5, lateTrips: [[3, 2]] }), { vacuum: false });
    const m1 = async () => (await readGap(db().pool)).find((g) => g.milestone_value === 1);
    expect(await m1()).toMatchObject({
      claim_status: "MISSING",
      gap_reason: "CLAIM_NOT_GENERATED",
      trips_14d: 2,
    });
    // the canonical view is live: achieved already
    expect((await readAchieved(db().pool)).find((a) => a.milestone_value === 1)?.achieved_flag).toBe(true);
    // Act 1: wrong order
    await refresh("ops.mv_claims_payment_status_cabinet");
    expect(await m1()).toMatchObject({ claim_status: "MISSING" });
    // Act 2: dependency order, concurrently (each chain MV has a plain unique index)
    await db().pool.query("REFRESH MATERIALIZED VIEW CONCURRENTLY ops.mv_cabinet_claims_base");
    await db().pool.query("REFRESH MATERIALIZED VIEW CONCURRENTLY ops.mv_claims_payment_status_cabinet");
    // Assess
    expect(await m1()).toMatchObject({ claim_status: "OK", gap_reason: null });
  });

  it("the collection MV outside the closure cannot refresh concurrently (partial unique index only)", async () => {
    await expect(db().pool.query(`REFRESH MATERIALIZED VIEW CONCURRENTLY ${COLLECTION_MV}`)).rejects.toThrow(
      /cannot refresh materialized view .* concurrently/i,
    );
    await expect(refresh(COLLECTION_MV)).resolves.toBeGreaterThanOrEqual(0);
  });

  it("serves the window query from indexes (the text date is indexed parsed)", async () => {
    await db().pool.query("SET enable_seqscan = off");
    try {
      const plan = async (sql: string) =>
        (await db().pool.query(`EXPLAIN ${sql}`)).rows.map((r) => r["QUERY PLAN"]).join("\n");
      const gapPlan = await plan(
        "SELECT * FROM ops.v_cabinet_claims_gap_14d WHERE lead_date >= CURRENT_DATE - 21",
      );
      expect(gapPlan).toMatch(/module_ct_cabinet_leads_lead_date_idx/);
      expect(gapPlan).toMatch(/summary_daily_driver_day_idx/);
    } finally {
      await db().pool.query("RESET enable_seqscan");
    }
  });
});
