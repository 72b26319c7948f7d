import type pg from "pg";
import { describe, expect, it } from "vitest";
import { dayOf, isoOf } from "../../reference/days.js";
import {
  DEPLOYMENT_EARLIER_RUN_ID,
  type DeploymentMode,
  deploymentPlantedCount,
  recordedReason,
} from "../../reference/deployment-dataset.js";
import {
  buildDeploymentDataset,
  DEPLOYMENT_SNAPSHOT_MVS,
  DEPLOYMENT_SPECIAL_DAYS,
  DEPLOYMENT_ZERO_M25_FROM,
  loadDeploymentDataset,
  plantImpossibleTripDate,
} from "../../reference/deployment-generator.js";
import { buildDeploymentModel } from "../../reference/deployment-model.js";
import {
  DEPLOYMENT_MIGRATIONS,
  DEPLOYMENT_MVS,
  type DeploymentState,
  migrateDeployment,
  setDeploymentState,
} from "../../reference/deployment-schema.js";
import { deploymentGroundTruth, expectedPlantedLeads } from "../../reference/deployment-truth.js";
import { refreshMv } from "../../reference/load.js";
import { migrate } from "../../reference/migrate.js";
import { withClient } from "../../reference/with-client.js";
import { useTestDatabase } from "../support/db.js";
import { createEmptyDatabase } from "../support/empty-database.js";
import {
  insertRecordedKeys,
  readConversion,
  readDeploymentAchieved,
  readDeploymentCalc,
  readDeploymentClaims,
  readDeploymentGap,
  readLedger,
  readRowAmounts,
  sorted,
} from "./deployment-support.js";

const SCALE = 0.05;
const ASOF = "2026-03-18";
const n = (mode: DeploymentMode) => deploymentPlantedCount(mode, SCALE);
/** What each state's refresh plan (the MVs beneath the claims view) refreshes, in dependency order. */
const PLAN: Record<DeploymentState, readonly string[]> = {
  live: DEPLOYMENT_MVS.payments,
  drift: [...DEPLOYMENT_MVS.payments, DEPLOYMENT_MVS.receivable],
};

async function withConnection<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}

describe("deployment profile: views against the independent model", () => {
  const db = useTestDatabase({ profile: "deployment" });

  for (const state of ["live", "drift"] as const) {
    it(`holds what the model says, ${state} state: as generated, at the snapshot, after the refresh plan`, async () => {
      // Prepare
      const ds = buildDeploymentDataset({ seed: 11, scale: SCALE, asOf: ASOF, historyDays: 90 });
      const model = buildDeploymentModel(ds);
      await withConnection(db().pool, (c) => loadDeploymentDataset(c, ds, { state, vacuum: false }));
      const pool = db().pool;
      // Act / Assess: the live views, and the claims view before any refresh
      expect(await readDeploymentGap(pool)).toEqual(sorted(model.gap));
      expect(await readConversion(pool)).toEqual(sorted(model.conversion));
      expect(await readDeploymentCalc(pool)).toEqual(sorted(model.paymentCalculation));
      expect(await readDeploymentAchieved(pool)).toEqual(sorted(model.achieved));
      expect(await readDeploymentClaims(pool)).toEqual(sorted(model.claims[state].now));
      // the downstream copies hold the claims view as of the snapshot
      expect(await readDeploymentClaims(pool, "ops.mv_claims_payment_status_cabinet")).toEqual(
        sorted(model.claims[state].snapshot),
      );
      const collection = await pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM ops.mv_yango_cabinet_claims_for_collection",
      );
      expect(collection.rows[0]?.n).toBe(model.claims[state].snapshot.length);
      // Act: the job's upstream plan
      await withConnection(pool, async (c) => {
        for (const mv of PLAN[state]) await refreshMv(c, mv);
      });
      // Assess
      expect(await readDeploymentClaims(pool)).toEqual(sorted(model.claims[state].refreshed));
      expect(await readDeploymentGap(pool)).toEqual(sorted(model.gap));
    }, 180_000);
  }

  it("plants every case in exact numbers (window rows per case, verdicts per state)", async () => {
    // Prepare
    const ds = buildDeploymentDataset({ seed: 5, scale: SCALE, asOf: ASOF });
    await withConnection(db().pool, (c) => loadDeploymentDataset(c, ds, { state: "drift", vacuum: false }));
    const truth = deploymentGroundTruth(ds);
    const from = isoOf(dayOf(ASOF) - 21);
    // Act
    const gap = await readDeploymentGap(db().pool, `lead_date >= '${from}'::date`);
    const perMode: Record<string, number> = {};
    for (const g of gap) {
      const mode = ds.modes[g.lead_source_pk] ?? "normal";
      perMode[mode] = (perMode[mode] ?? 0) + 1;
    }
    // Assess: the gap view's window, case by case
    const stale = n("stale_drift");
    const staleRows = Math.ceil(stale / 2) + 2 * Math.floor(stale / 2);
    expect(perMode).toEqual({
      ...(truth.byMode.normal ? { normal: truth.byMode.normal } : {}),
      stale_drift: staleRows,
      lead_date_mismatch: 2 * n("lead_date_mismatch"),
      no_partner_rule: 2 * n("no_partner_rule"),
      reupload_no_external: 4 * n("reupload_no_external"),
      amount_zero: 2 * n("amount_zero"),
      not_ingested: 2 * n("not_ingested"),
      boundary_day13: 2 * n("boundary_day13"),
      boundary_day14: n("boundary_day14"),
      iso_trips: n("iso_trips"),
      zero_amount_rule: 3 * n("zero_amount_rule"),
      amount_conflict: 2 * n("amount_conflict"),
      ledger_rejected: 2 * n("ledger_rejected"),
      ledger_expired: 2 * n("ledger_expired"),
    });
    expect(truth.byMode).toEqual(perMode);
    expect(truth.windowRows).toBe(gap.length);
    expect(truth.plantedLeads).toEqual(expectedPlantedLeads(SCALE));
    // no identity / no driver: never in the gap view at all
    const absent = [...(ds.plantedLeadIds.no_identity ?? []), ...(ds.plantedLeadIds.no_driver ?? [])];
    const all = await readDeploymentGap(db().pool);
    expect(all.filter((g) => absent.includes(g.lead_id))).toEqual([]);
    expect(absent.length).toBe(n("no_identity") + n("no_driver"));
    // the inflated running total: 2 real trips, achieved M5 and a claim for it
    expect(truth.inflatedM5Drivers.length).toBe(n("inflated_total"));
    const achievedM5 = await db().pool.query<{ driver_id: string }>(
      `SELECT driver_id FROM ops.v_cabinet_milestones_achieved_from_payment_calc
        WHERE milestone_value = 5 AND achieved_flag AND driver_id = ANY($1::text[])`,
      [truth.inflatedM5Drivers],
    );
    expect(achievedM5.rows.length).toBe(n("inflated_total"));
    // verdicts and diagnoses per state
    const onOther = 2 * n("lead_date_mismatch") + 4 * n("reupload_no_external");
    const noCalc = 2 * n("no_partner_rule");
    const notAchieved = 2 * n("not_ingested");
    // the rows whose rule in force pays 0, read in SQL: the planted ones and ordinary M25 leads on v3's days
    const amounts = await readRowAmounts(db().pool, from);
    const zero = amounts.filter((a) => a.amount_source === "rule" && a.amount === "0.00").length;
    expect(zero).toBeGreaterThanOrEqual(n("amount_zero") + n("zero_amount_rule"));
    const live = truth.states.live;
    // A dry run: WOULD_REFRESH for the drivers a stale payments view can change, STILL_MISSING for the rest (§10.3).
    expect((live.byVerdict.dryRun.WOULD_REFRESH ?? 0) + (live.byVerdict.dryRun.STILL_MISSING ?? 0)).toBe(
      onOther + noCalc,
    );
    expect(live.byVerdict.afterRefresh.STILL_MISSING).toBe(onOther + noCalc);
    expect(live.byVerdict.afterRefresh.RESOLVED).toBeUndefined();
    expect(live.byDiagnosis).toEqual({ CLAIM_ON_OTHER_LEAD_DATE: onOther, NO_PAYMENT_CALCULATION: noCalc });
    expect(live.byInvalidReason).toEqual({ NOT_ACHIEVED: notAchieved, ZERO_AMOUNT_RULE: zero });
    const drift = truth.states.drift;
    expect(drift.byVerdict.afterRefresh.RESOLVED).toBe(staleRows);
    expect(drift.resolvedKeys.length).toBe(staleRows);
    // the promo's zero M1 rows, once CLAIMS_VIEW_MISSING in drift, are INVALID ZERO_AMOUNT_RULE in both states
    expect(drift.byInvalidReason).toEqual(live.byInvalidReason);
    expect(drift.byDiagnosis).toEqual({ CLAIM_ON_OTHER_LEAD_DATE: onOther, NO_PAYMENT_CALCULATION: noCalc });
    expect(drift.byDryRunDiagnosis.CLAIMS_VIEW_MISSING).toBe(staleRows);
    // §10.1/10.2 warnings: conflicts only on the overlap days; every zero or conflicting rule prices differently
    // from the gap view; the planted rejected/expired keys are present and warned about in both runs
    const conflicts = n("amount_conflict"); // one M5 row per planted lead
    const decided = 2 * n("ledger_rejected") + 2 * n("ledger_expired");
    for (const s of [live, drift]) {
      for (const w of [s.warnings.dryRun, s.warnings.real]) {
        expect(w.amountConflicts).toBe(conflicts);
        expect(w.gapAmountDiffers).toBe(zero + conflicts);
        expect(w.ledgerDecidedWithClaim).toBeGreaterThanOrEqual(decided);
      }
      expect(s.recording.real.byLedgerWhy.AMOUNT_CONFLICT).toBe(conflicts);
      expect(s.recording.real.byLedger.present).toBeGreaterThanOrEqual(decided);
    }
    expect(live.warnings.real.zeroRuleWithClaim).toBe(zero);
    expect(drift.warnings.real.zeroRuleWithClaim).toBe(0);
    expect(amounts.filter((a) => a.amount_conflict !== null).map((a) => a.amount_conflict)).toEqual(
      Array.from({ length: conflicts }, () => "35.00, 40.00"),
    );
    // one claim key per re-uploaded lead and milestone: the second upload's rows are duplicates
    for (const s of [live, drift]) expect(s.duplicates).toBe(2 * n("reupload_no_external"));
    expect(live.isoTripRowsInWindows).toBe(3 * n("iso_trips"));
    // stale payments MVs: each late payment and each late reversal flips one claim's paid_flag on refresh
    expect(truth.stalePaidFlags).toBe(
      ds.late_payments.length + ds.late_ledger.filter((l) => l.version > 1).length,
    );
    expect(truth.stalePaidFlags).toBeGreaterThan(0);
    // the ISO rows, as the job counts them, in SQL
    const iso = await db().pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM public.summary_daily s
        WHERE s.date_file ~ '^\\d{4}-\\d{2}-\\d{2}$'
          AND EXISTS (SELECT 1 FROM ops.v_cabinet_claims_gap_14d g
                       WHERE g.driver_id = s.driver_id AND g.lead_date >= $1::date
                         AND s.date_file::date >= g.lead_date AND s.date_file::date < g.lead_date + 14)`,
      [from],
    );
    expect(iso.rows[0]?.n).toBe(live.isoTripRowsInWindows);
    // the first look's "claim already there", in SQL (drift state loaded)
    const withClaim = await db().pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ops.v_cabinet_claims_gap_14d g
        WHERE g.lead_date >= $1::date
          AND EXISTS (SELECT 1 FROM ops.v_claims_payment_status_cabinet c
                       WHERE c.driver_id = g.driver_id AND c.milestone_value = g.milestone_value
                         AND c.lead_date = g.lead_date)`,
      [from],
    );
    expect(withClaim.rows[0]?.n).toBe(drift.gapRowsWithClaim);
    // a real run's refreshes (upstream plan, then the dependents) bring the resolved keys to the collection MV
    const collected = async () =>
      (
        await db().pool.query<{ key: string }>(
          `SELECT driver_id || '|' || milestone_value || '|' || to_char(lead_date, 'YYYY-MM-DD') AS key
             FROM ops.mv_yango_cabinet_claims_for_collection`,
        )
      ).rows.map((r) => r.key);
    const resolved = drift.resolvedKeys.map((k) => `${k.driver_id}|${k.milestone_value}|${k.lead_date}`);
    expect((await collected()).filter((k) => resolved.includes(k))).toEqual([]);
    await withConnection(db().pool, async (c) => {
      for (const mv of [...PLAN.drift, ...DEPLOYMENT_MVS.downstream]) await refreshMv(c, mv);
    });
    expect((await collected()).filter((k) => resolved.includes(k)).sort()).toEqual([...resolved].sort());
  }, 180_000);

  it("holds the claims ledger in its real shape, loaded row for row, every status planted, the unique key usable by ON CONFLICT", async () => {
    // Prepare
    const ds = buildDeploymentDataset({ seed: 9, scale: SCALE, asOf: ASOF, historyDays: 60 });
    await withConnection(db().pool, (c) => loadDeploymentDataset(c, ds, { vacuum: false }));
    const truth = deploymentGroundTruth(ds);
    const pool = db().pool;
    // Act
    const columns = await pool.query<{
      name: string;
      type: string;
      not_null: boolean;
      default: string | null;
    }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
              pg_get_expr(d.adbin, d.adrelid) AS default
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = 'canon.claims_yango_cabinet_14d'::regclass AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
    );
    const labels = await pool.query<{ label: string }>(
      "SELECT unnest(enum_range(NULL::canon.claimstatus))::text AS label",
    );
    const indexes = await pool.query<{ def: string }>(
      `SELECT regexp_replace(indexdef, '^.* USING ', '') AS def FROM pg_indexes
        WHERE schemaname = 'canon' AND tablename = 'claims_yango_cabinet_14d' ORDER BY indexdef`,
    );
    const unique = await pool.query<{ def: string }>(
      `SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i
        WHERE i.indrelid = 'canon.claims_yango_cabinet_14d'::regclass AND i.indisunique AND NOT i.indisprimary`,
    );
    // Assess: columns, types, nullability, defaults
    expect(columns.rows.map((c) => [c.name, c.type, c.not_null])).toEqual([
      ["claim_id", "integer", true],
      ["person_key", "uuid", false],
      ["driver_id", "text", false],
      ["lead_source_pk", "text", true],
      ["lead_date", "date", false],
      ["milestone", "integer", false],
      ["amount_expected", "numeric(12,2)", true],
      ["status", "canon.claimstatus", true],
      ["expected_at", "timestamp with time zone", false],
      ["generated_at", "timestamp with time zone", false],
      ["paid_at", "timestamp with time zone", false],
      ["reason", "text", false],
      ["created_at", "timestamp with time zone", true],
      ["updated_at", "timestamp with time zone", true],
    ]);
    const defaults = Object.fromEntries(columns.rows.map((c) => [c.name, c.default]));
    expect(defaults.claim_id).toMatch(/^nextval\(/);
    expect(defaults.status).toBe("'expected'::canon.claimstatus");
    expect([defaults.created_at, defaults.updated_at]).toEqual(["now()", "now()"]);
    expect(labels.rows.map((r) => r.label)).toEqual(["expected", "generated", "paid", "rejected", "expired"]);
    expect(unique.rows.map((r) => r.def.replace(/^.* USING /, ""))).toEqual([
      "btree (person_key, lead_date, milestone)",
    ]);
    expect(indexes.rows.map((r) => r.def).sort()).toEqual(
      [
        "btree (claim_id)",
        "btree (driver_id, milestone)",
        "btree (lead_date)",
        "btree (lead_source_pk, milestone)",
        "btree (person_key, lead_date, milestone)",
        "btree (status)",
      ].sort(),
    );
    // the rows as generated, every status, the earlier run's rows naming it
    expect(await readLedger(pool)).toEqual(sorted(ds.claims));
    expect(Object.keys(truth.ledgerByStatus).sort()).toEqual(
      ["expected", "expired", "generated", "paid", "rejected"].sort(),
    );
    const earlier = await pool.query<{ status: string; n: number }>(
      `SELECT status::text AS status, count(*)::int AS n FROM canon.claims_yango_cabinet_14d
        WHERE reason = $1 GROUP BY status ORDER BY status`,
      [recordedReason(DEPLOYMENT_EARLIER_RUN_ID)],
    );
    expect(earlier.rows).toEqual([
      { status: "generated", n: n("ledger_earlier_run") },
      { status: "paid", n: n("ledger_earlier_run") },
    ]);
    for (const c of ds.claims) {
      expect(c.created_at <= c.updated_at, `claim ${c.claim_id}`).toBe(true);
      expect(c.updated_at < `${ASOF} 00:00:00+00`, `claim ${c.claim_id}`).toBe(true);
      expect(c.paid_at !== null, `claim ${c.claim_id}`).toBe(c.status === "paid");
      if (c.status === "rejected" || c.status === "expired")
        expect(c.reason).toMatch(/^(rejected|expired): /);
    }
    // Act / Assess: the job's insert (values cast to the ledger's types, ON CONFLICT on the unique key) takes
    // fresh claim_ids, records each key once and the gap view shrinks to the truth's gapsAfter
    const s = truth.states.live;
    const run = "00000000-0000-4000-8000-0000000000aa";
    expect(s.recording.real.recordedKeys.length).toBeGreaterThan(0);
    expect(await insertRecordedKeys(pool, s.recording.real.recordedKeys, run)).toBe(
      s.recording.real.toRecord,
    );
    expect(await insertRecordedKeys(pool, s.recording.real.recordedKeys, run)).toBe(0);
    const from = isoOf(dayOf(ASOF) - 21);
    expect((await readDeploymentGap(pool, `lead_date >= '${from}'::date`)).length).toBe(
      s.recording.real.gapsAfter,
    );
    // the keys a person rejected or let expire are still gaps, their rows untouched
    const decided = ds.claims.filter((c) => c.status === "rejected" || c.status === "expired");
    expect((await readLedger(pool)).filter((c) => decided.some((d) => d.claim_id === c.claim_id))).toEqual(
      sorted(decided),
    );
  });

  it("upgrades a database loaded before the ledger's real shape (001-006 applied) by appending 007, the gap view intact", async () => {
    // Prepare: the profile as it was, with a row in the old simplified table
    const empty = await createEmptyDatabase("reconcile_deployment_upgrade");
    try {
      await withClient(empty.url, async (c) => {
        const old = DEPLOYMENT_MIGRATIONS.filter((m) => !m.name.endsWith("_claims_ledger"));
        expect(old.length).toBe(DEPLOYMENT_MIGRATIONS.length - 1);
        await migrate(c, old);
        await c.query(
          "INSERT INTO canon.claims_yango_cabinet_14d (id, person_key, lead_date, milestone, status) VALUES (1, 'x', '2026-01-01', 1, 'paid')",
        );
        // Act
        const { applied } = await migrateDeployment(c);
        const again = await migrateDeployment(c);
        // Assess
        expect(applied).toEqual([DEPLOYMENT_MIGRATIONS[DEPLOYMENT_MIGRATIONS.length - 1]?.name]);
        expect(again.applied).toEqual([]);
        const { rows } = await c.query<{ type: string }>(
          `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute
            WHERE attrelid = 'canon.claims_yango_cabinet_14d'::regclass AND attname = 'person_key'`,
        );
        expect(rows).toEqual([{ type: "uuid" }]);
        await expect(c.query("SELECT count(*) FROM ops.v_cabinet_claims_gap_14d")).resolves.toBeTruthy();
      });
    } finally {
      await empty.drop();
    }
  });

  it("prices by the rule in force: v3's M25 pays 0 from its first day, the promo's M1 on its days, a conflict on the overlap days", async () => {
    // Prepare
    const ds = buildDeploymentDataset({ seed: 13, scale: SCALE, asOf: ASOF, historyDays: 40 });
    await withConnection(db().pool, (c) => loadDeploymentDataset(c, ds, { vacuum: false }));
    const from = isoOf(dayOf(ASOF) - 21);
    // Act
    const amounts = await readRowAmounts(db().pool, from);
    const gap = new Map(
      (await readDeploymentGap(db().pool, `lead_date >= '${from}'::date`)).map((g) => [
        `${g.lead_source_pk}|${g.milestone_value}`,
        g,
      ]),
    );
    // Assess: a rule amount of 0 exactly where the tariffs say so
    const offset = (a: { lead_source_pk: string; milestone_value: number }) =>
      dayOf(gap.get(`${a.lead_source_pk}|${a.milestone_value}`)?.lead_date as string) - dayOf(ASOF);
    const promo: readonly number[] = DEPLOYMENT_SPECIAL_DAYS.amountZero;
    const zeroExpected = (a: (typeof amounts)[number]) =>
      a.amount_source === "rule" &&
      ((a.milestone_value === 25 && offset(a) >= DEPLOYMENT_ZERO_M25_FROM) ||
        (a.milestone_value === 1 && promo.includes(offset(a))));
    expect(amounts.filter((a) => a.amount === "0.00")).toEqual(amounts.filter(zeroExpected));
    expect(amounts.filter((a) => a.amount === "0.00").length).toBeGreaterThanOrEqual(
      n("zero_amount_rule") + n("amount_zero"),
    );
    // and the ground truth agrees row for row
    const truth = deploymentGroundTruth(ds).states.live;
    expect(
      sorted(
        truth.rows
          .filter((r) => r.expected.afterRefresh.invalid_reason === "ZERO_AMOUNT_RULE")
          .map((r) => ({ lead_source_pk: r.lead_source_pk, milestone_value: r.milestone_value })),
      ),
    ).toEqual(
      sorted(
        amounts
          .filter((a) => a.amount === "0.00")
          .map((a) => ({ lead_source_pk: a.lead_source_pk, milestone_value: a.milestone_value })),
      ),
    );
  });

  it("switches the claims view between states with identical columns; the downstream MVs stay valid", async () => {
    // Prepare
    const columns = async () =>
      (
        await db().pool.query<{ name: string; type: string }>(
          `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
            WHERE attrelid = 'ops.v_claims_payment_status_cabinet'::regclass AND attnum > 0 ORDER BY attnum`,
        )
      ).rows;
    const live = await columns();
    // Act
    await withConnection(db().pool, (c) => setDeploymentState(c, "drift"));
    const drift = await columns();
    const readsReceivable = await db().pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_rewrite rw JOIN pg_depend d ON d.objid = rw.oid
        WHERE rw.ev_class = 'ops.v_claims_payment_status_cabinet'::regclass
          AND d.refobjid = 'ops.mv_yango_receivable_payable_detail'::regclass`,
    );
    await withConnection(db().pool, async (c) => {
      for (const mv of DEPLOYMENT_MVS.downstream) await refreshMv(c, mv);
      await setDeploymentState(c, "live");
    });
    // Assess
    expect(drift).toEqual(live);
    expect(live.map((c) => c.name)).toEqual([
      "driver_id",
      "milestone_value",
      "lead_date",
      "achieved_date",
      "due_date",
      "expected_amount",
      "paid_flag",
      "payment_status",
    ]);
    expect(readsReceivable.rows[0]?.n).toBeGreaterThan(0);
  });

  it("has an unrelated MV that reads no contract view and that no contract view reads", async () => {
    // Prepare: every relation each contract view reads, transitively (through view rules), and the reverse
    const closure = `
      WITH RECURSIVE deps(oid) AS (
        SELECT $1::regclass::oid
        UNION
        SELECT d.refobjid FROM deps JOIN pg_rewrite rw ON rw.ev_class = deps.oid
          JOIN pg_depend d ON d.objid = rw.oid AND d.classid = 'pg_rewrite'::regclass
         WHERE d.refobjid <> deps.oid)
      SELECT format('%s.%s', n.nspname, c.relname) AS name
        FROM deps JOIN pg_class c ON c.oid = deps.oid JOIN pg_namespace n ON n.oid = c.relnamespace`;
    const contract = [
      "ops.v_cabinet_claims_gap_14d",
      "ops.v_claims_payment_status_cabinet",
      "ops.v_cabinet_milestones_achieved_from_payment_calc",
      "ops.v_payment_calculation",
    ];
    // Act
    const upstreamOfContract = new Set<string>();
    for (const view of contract) {
      for (const r of (await db().pool.query<{ name: string }>(closure, [view])).rows)
        upstreamOfContract.add(r.name);
    }
    const readByUnrelated = (
      await db().pool.query<{ name: string }>(closure, [DEPLOYMENT_MVS.unrelated])
    ).rows.map((r) => r.name);
    // Assess
    expect(upstreamOfContract.has(DEPLOYMENT_MVS.unrelated)).toBe(false);
    expect(readByUnrelated.filter((r) => contract.includes(r))).toEqual([]);
    expect(readByUnrelated).toContain("public.summary_daily");
    expect(DEPLOYMENT_SNAPSHOT_MVS).toContain(DEPLOYMENT_MVS.unrelated);
  });

  it("raises in every view over trips once an impossible DD-MM-YYYY date is planted (and only then)", async () => {
    // Prepare
    const ds = buildDeploymentDataset({ seed: 3, scale: 0.02, asOf: ASOF, historyDays: 40 });
    await withConnection(db().pool, (c) => loadDeploymentDataset(c, ds, { vacuum: false }));
    await expect(db().pool.query("SELECT count(*) FROM ops.v_cabinet_claims_gap_14d")).resolves.toBeTruthy();
    // Act
    const planted = await withConnection(db().pool, (c) => plantImpossibleTripDate(c));
    // Assess
    expect(planted.date_file).toMatch(/^31-02-\d{4}$/);
    // (SELECT *, not count(*): a count lets the planner drop the LATERAL that reads the trips)
    for (const view of [
      "ops.v_cabinet_claims_gap_14d",
      "ops.v_payment_calculation",
      "ops.v_cabinet_milestones_achieved_from_payment_calc",
      "ops.v_claims_payment_status_cabinet",
    ]) {
      await expect(db().pool.query(`SELECT * FROM ${view}`), view).rejects.toMatchObject({ code: "22008" });
    }
  });
});
