/**
 * The job on the deployment's own view shapes (docs/deployment-profile.md), both states of its claims view,
 * against the ground truth of the independent model: every verdict, diagnosis and `duplicate_of`, the
 * money counted once per claim, the two run-level warnings, the refresh of both stages in order (the
 * dependents holding the resolved claims afterwards), the unrelated view untouched, and a dry run that
 * changes nothing.
 */
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../lambda/core/types.js";
import { ReconcileCabinetClaims14d } from "../../lambda/reconcile.js";
import { DEPLOYMENT_EARLIER_RUN_ID, recordedReason } from "../../reference/deployment-dataset.js";
import { generateDeployment } from "../../reference/deployment-generator.js";
import { DEPLOYMENT_MVS, type DeploymentState } from "../../reference/deployment-schema.js";
import type { DeploymentGroundTruth, DeploymentStateTruth } from "../../reference/deployment-truth.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { readLedger } from "./deployment-support.js";

const AS_OF = "2026-11-24";
const SEED = 7;
const SCALE = 0.1;

/** Records every REFRESH in the database, in order (an event trigger, as the toy schema has). */
const REFRESH_LOG = `
CREATE TABLE public.refresh_log (seq serial, view text);
CREATE FUNCTION public.log_refresh() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
    INSERT INTO public.refresh_log (view) VALUES (r.object_identity);
  END LOOP;
END $$;
CREATE EVENT TRIGGER reconcile_refresh_log ON ddl_command_end WHEN TAG IN ('REFRESH MATERIALIZED VIEW')
  EXECUTE FUNCTION public.log_refresh();`;

async function refreshLog(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ view: string }>("SELECT view FROM public.refresh_log ORDER BY seq");
  return rows.map((r) => r.view);
}

/** Every row as the job decided it, in `ord` order, next to the same fields of the ground truth. */
const decided = (report: Report) =>
  (report.rows ?? []).map((r) => [
    r.ord,
    r.driver_id,
    r.milestone_value,
    r.verdict,
    r.invalid_reason,
    r.diagnosis,
    r.duplicate_of,
    r.amount,
    r.amount_source,
    r.amount_conflict,
  ]);
const expected = (s: DeploymentStateTruth, phase: "dryRun" | "afterRefresh") =>
  s.rows.map((r) => [
    r.ord,
    r.driver_id,
    r.milestone_value,
    r.expected[phase].verdict,
    r.expected[phase].invalid_reason,
    r.expected[phase].diagnosis,
    r.expected.duplicateOf,
    r.expected.amount,
    r.expected.amount_source,
    r.expected.amount_conflict,
  ]);

/** Each row's ledger state as the job reported it, next to the ground truth's for the same run. */
const ledgerStates = (report: Report) =>
  (report.rows ?? []).map((r) => [r.ord, r.ledger, r.ledger_status, r.ledger_why]);
const expectedLedger = (s: DeploymentStateTruth, phase: "dryRun" | "real") =>
  s.rows.map((r) => [
    r.ord,
    r.expected.ledger[phase].ledger,
    r.expected.ledger[phase].ledger_status,
    r.expected.ledger[phase].ledger_why,
  ]);

for (const state of ["live", "drift"] as DeploymentState[]) {
  describe(`the job on the deployment profile, ${state} state`, () => {
    let db: TestDatabase;
    let truth: DeploymentGroundTruth;
    let s: DeploymentStateTruth;
    const job = () => new ReconcileCabinetClaims14d(db.pool, { timeZone: "America/Lima" });

    beforeAll(async () => {
      db = await createTestDatabase({ profile: "deployment" });
      const client = await db.pool.connect();
      try {
        truth = await generateDeployment(client, { seed: SEED, scale: SCALE, asOf: AS_OF, state });
        await client.query(REFRESH_LOG);
      } finally {
        client.release();
      }
      s = truth.states[state];
      return () => db.drop();
    });

    it("plants what this suite relies on", () => {
      expect(s.rows.length).toBeGreaterThan(20);
      expect(s.byDiagnosis.CLAIM_ON_OTHER_LEAD_DATE).toBeGreaterThan(0);
      expect(s.duplicates).toBeGreaterThan(0);
      expect(s.gapRowsWithClaim).toBeGreaterThan(0);
      expect(s.isoTripRowsInWindows).toBeGreaterThan(0);
      if (state === "drift") expect(s.resolvedKeys.length).toBeGreaterThan(0);
      else expect(s.resolvedKeys).toEqual([]);
    });

    it("a dry run decides every row as the ground truth says, with its diagnosis, and changes nothing", async () => {
      const report = await job().runReconcile({ asOf: AS_OF, dryRun: true });
      expect(decided(report)).toEqual(expected(s, "dryRun"));
      expect(report.metrics).toMatchObject({
        processed: s.rows.length,
        gaps_found: truth.windowRows,
        claims_already_exist: s.byVerdict.dryRun.ALREADY_EXISTS ?? 0,
        claims_should_exist:
          (s.byVerdict.dryRun.WOULD_REFRESH ?? 0) + (s.byVerdict.dryRun.STILL_MISSING ?? 0),
        amount_at_risk: s.amountAtRisk,
        refreshed_views: 0,
      });
      expect(report.refresh_plan.map((p) => [p.name, p.stage])).toEqual([
        ...(state === "live"
          ? DEPLOYMENT_MVS.payments
          : [...DEPLOYMENT_MVS.payments, DEPLOYMENT_MVS.receivable]
        ).map((name) => [name, "upstream"]),
        ...DEPLOYMENT_MVS.downstream.map((name) => [name, "dependent"]),
      ]);
      expect(report.warnings).toContain(
        `${s.gapRowsWithClaim} rows with a gap status already have their claim in the claims view (ALREADY_EXISTS): the gap view decides whether a claim exists from another source, so these rows will never leave it`,
      );
      expect(
        report.warnings.some((w) =>
          w.startsWith(
            `${s.isoTripRowsInWindows} summary_daily rows of the analysed drivers inside their windows are written YYYY-MM-DD`,
          ),
        ),
      ).toBe(true);
      expect(await refreshLog(db.pool)).toEqual([]);
    });

    it("a real run decides every row, counts the money once, and refreshes both stages in order, nothing else", async () => {
      const report = await job().runReconcile({ asOf: AS_OF });
      expect(decided(report)).toEqual(expected(s, "afterRefresh"));
      expect(report.metrics).toMatchObject({
        processed: s.rows.length,
        resolved_after_refresh: s.byVerdict.afterRefresh.RESOLVED ?? 0,
        still_missing: s.byVerdict.afterRefresh.STILL_MISSING ?? 0,
        amount_still_missing: s.amountStillMissing,
        amount_at_risk: s.amountAtRiskAfterRefresh,
        refresh_failures: 0,
      });
      // A duplicate row repeats the key of the row it names, and adds no money.
      const rows = report.rows ?? [];
      for (const row of rows.filter((r) => r.duplicate_of !== null)) {
        const first = rows[(row.duplicate_of as number) - 1];
        expect([first?.driver_id, first?.milestone_value, first?.lead_date]).toEqual([
          row.driver_id,
          row.milestone_value,
          row.lead_date,
        ]);
        expect(row.amount_at_risk).toBe("0.00");
      }
      const upstream =
        state === "live" ? DEPLOYMENT_MVS.payments : [...DEPLOYMENT_MVS.payments, DEPLOYMENT_MVS.receivable];
      // Each view of the plan is refreshed exactly when it is stale for an analysed row (§10.3), else
      // skipped as fresh; drift's receivable MV is stale for the drivers whose claims resolve.
      const plan = new Map(report.refresh_plan.map((p) => [p.name, p]));
      expect(report.refreshed_views.map((r) => [r.name, r.stage])).toEqual([
        ...upstream.map((name) => [name, "upstream"]),
        ...DEPLOYMENT_MVS.downstream.map((name) => [name, "dependent"]),
      ]);
      for (const r of report.refreshed_views) {
        expect([r.name, r.outcome.kind]).toEqual([
          r.name,
          plan.get(r.name)?.stale === false ? "fresh" : "ok",
        ]);
      }
      if (state === "drift") {
        expect(plan.get(DEPLOYMENT_MVS.receivable)).toMatchObject({ stale: true });
        expect(report.refreshed_views.filter((r) => r.stage === "dependent").map((r) => r.ok)).toEqual([
          true,
          true,
        ]);
        // The claims copy has only a partial unique index: plain, and the advice names the index that would
        // allow CONCURRENTLY; the collection view can be concurrent.
        expect(report.refreshed_views.filter((r) => r.stage === "dependent").map((r) => r.mode)).toEqual([
          "plain",
          "concurrently",
        ]);
        expect(plan.get(DEPLOYMENT_MVS.downstream[0] as string)?.index_advice).toMatch(
          /^CREATE UNIQUE INDEX ON "ops"\."mv_claims_payment_status_cabinet" \("driver_id", "milestone_value"\): its rows are unique on the columns of mv_claims_payment_status_cabinet_key/,
        );
      }
      const log = await refreshLog(db.pool);
      expect(log).toEqual(report.refreshed_views.filter((r) => r.ok).map((r) => r.name));
      expect(log).not.toContain(DEPLOYMENT_MVS.unrelated);

      // What the run resolved reaches the collection team's view (the dependents were refreshed after it).
      const keys = s.resolvedKeys.map((k) => `${k.driver_id}|${k.milestone_value}|${k.lead_date}`);
      const { rows: collected } = await db.pool.query<{ key: string }>(
        `SELECT driver_id || '|' || milestone_value || '|' || to_char(lead_date, 'YYYY-MM-DD') AS key
           FROM ops.mv_yango_cabinet_claims_for_collection WHERE driver_id || '|' || milestone_value || '|' || to_char(lead_date, 'YYYY-MM-DD') = ANY($1)`,
        [keys],
      );
      expect(collected.map((r) => r.key).sort()).toEqual([...keys].sort());
      const resolved = rows
        .filter((r) => r.verdict === "RESOLVED")
        .map((r) => `${r.driver_id}|${r.milestone_value}|${r.lead_date}`);
      expect(new Set(resolved)).toEqual(new Set(keys));
    });

    it("a steady second run refreshes nothing, its dry run shows no WOULD_REFRESH, and --force-refresh refreshes all", async () => {
      const before = (await refreshLog(db.pool)).length;
      const steady = await job().runReconcile({ asOf: AS_OF });
      const dry = await job().runReconcile({ asOf: AS_OF, dryRun: true });
      expect(steady.metrics.refreshed_views).toBe(0);
      expect(steady.refreshed_views.every((r) => r.outcome.kind === "fresh")).toBe(true);
      // The claims view's SELECT * copy is decided from the first look's rows (the claims view is not read
      // again); the collection list, built on the copy, by its own definition as before.
      const how = new Map(steady.refresh_plan.map((p) => [p.name, p.stale_how]));
      expect(how.get("ops.mv_claims_payment_status_cabinet")).toMatch(
        /^copy of the claims view: its rows compared with the claims view's as the first look read them \(no upstream refresh ran, claims view not read again\), [1-9]\d* analysed driver-milestone pair\(s\)/,
      );
      expect(how.get("ops.mv_yango_cabinet_claims_for_collection")).toMatch(
        /^definition compared with its rows/,
      );
      expect((dry.rows ?? []).filter((r) => r.verdict === "WOULD_REFRESH")).toEqual([]);
      expect((await refreshLog(db.pool)).length).toBe(before);
      const forced = await job().runReconcile({ asOf: AS_OF, forceRefresh: true });
      expect(forced.refreshed_views.map((r) => [r.name, r.ok])).toEqual(
        forced.refresh_plan.map((p) => [p.name, true]),
      );
    });

    it("a dry run with --record-claims says what it would record, as the ground truth, and writes nothing", async () => {
      const before = await readLedger(db.pool);
      const report = await job().runReconcile({ asOf: AS_OF, dryRun: true, recordClaims: true });
      // After the real run above the stale claims are there: every proven row is the real run's.
      expect(ledgerStates(report).filter(([, l]) => l !== "would_record")).toEqual(
        expectedLedger(s, "real").filter(([, l]) => l !== "recorded"),
      );
      expect(report.ledger).toMatchObject({
        outcome: "would_record",
        to_record: s.recording.real.toRecord,
        recorded: 0,
      });
      expect(await readLedger(db.pool)).toEqual(before);
    });

    it("--record-claims writes exactly the proven claims, priced by the rule; the gap view shrinks by them; a second run writes none", async () => {
      const before = await readLedger(db.pool);
      const report = await job().runReconcile(
        { asOf: AS_OF, recordClaims: true },
        { runId: `record-${state}` },
      );
      const r = s.recording.real;
      expect(ledgerStates(report)).toEqual(expectedLedger(s, "real"));
      expect(report.metrics).toMatchObject({
        claims_recorded: r.claimsRecorded,
        amount_recorded: r.amountRecorded,
        gaps_after: r.gapsAfter,
        gaps_found: r.gapsBefore,
      });
      expect(r.claimsRecorded).toBeGreaterThan(0);
      // The ledger gained exactly the truth's keys, generated, at the rule's amount, naming the run ...
      const after = await readLedger(db.pool);
      const added = after.filter((row) => !before.some((b) => b.claim_id === row.claim_id));
      expect(
        added
          .map((a) => [
            a.person_key,
            a.lead_date,
            a.milestone,
            a.amount_expected,
            a.status,
            a.reason,
            a.lead_source_pk,
          ])
          .sort(),
      ).toEqual(
        r.recordedKeys
          .map((k) => [
            k.person_key,
            k.lead_date,
            k.milestone,
            k.amount,
            "generated",
            `reconcile-cabinet-claims-14d run record-${state}`,
            k.lead_source_pk,
          ])
          .sort(),
      );
      // ... and every row it had is untouched, byte for byte.
      expect(after.filter((row) => before.some((b) => b.claim_id === row.claim_id))).toEqual(before);
      // The runbook's first validation query, counted independently, fell by exactly the recorded keys.
      const { rows: window } = await db.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM ops.v_cabinet_claims_gap_14d WHERE lead_date >= $1::date - 21 AND lead_date <= $1::date",
        [AS_OF],
      );
      expect(window[0]?.n).toBe(r.gapsAfter);
      // Warnings: the zero-rule claims and the decided-against keys, with the truth's numbers.
      const details = report.warning_details;
      const count = (code: string) =>
        (details.find((w) => w.code === code) as { count?: number } | undefined)?.count ?? 0;
      expect(count("zero_rule_claims")).toBe(s.warnings.real.zeroRuleWithClaim);
      expect(count("ledger_decided_against")).toBe(s.warnings.real.ledgerDecidedWithClaim);
      expect(count("amount_conflicts")).toBe(s.warnings.real.amountConflicts);

      const again = await job().runReconcile({ asOf: AS_OF, recordClaims: true });
      expect(again.metrics.claims_recorded).toBe(0);
      expect(await readLedger(db.pool)).toEqual(after);
    });

    it("ledger undo deletes the rows a run recorded and nobody changed, and keeps the ones a payment moved", async () => {
      const run = recordedReason(DEPLOYMENT_EARLIER_RUN_ID);
      const { rows: planted } = await db.pool.query<{ status: string; n: number }>(
        "SELECT status::text, count(*)::int AS n FROM canon.claims_yango_cabinet_14d WHERE reason = $1 GROUP BY 1 ORDER BY 1",
        [run],
      );
      const generated = planted.find((p) => p.status === "generated")?.n ?? 0;
      const others = planted.filter((p) => p.status !== "generated").reduce((n, p) => n + p.n, 0);
      expect(generated).toBeGreaterThan(0);
      expect(others).toBeGreaterThan(0);
      const undo = await job().undoRecordedClaims(DEPLOYMENT_EARLIER_RUN_ID);
      expect(undo).toMatchObject({ status: "completed", deleted: generated, kept: others });
      const { rows: left } = await db.pool.query<{ status: string }>(
        "SELECT status::text FROM canon.claims_yango_cabinet_14d WHERE reason = $1",
        [run],
      );
      expect(left.map((l) => l.status).every((st) => st !== "generated")).toBe(true);
      expect(left).toHaveLength(others);
    });
  });
}

describe("the deployment profile, drift state: a payments view fails while the claims chain resolves", () => {
  let db: TestDatabase;
  let s: DeploymentStateTruth;

  beforeAll(async () => {
    db = await createTestDatabase({ profile: "deployment" });
    const client = await db.pool.connect();
    try {
      const truth = await generateDeployment(client, {
        seed: SEED,
        scale: SCALE,
        asOf: AS_OF,
        state: "drift",
      });
      s = truth.states.drift;
      await client.query(REFRESH_LOG);
    } finally {
      client.release();
    }
    return () => db.drop();
  });

  it("marks REFRESH_FAILED only the rows the payments chain could change; the copies still get the resolved claims", async () => {
    // Prepare: a late payment (with its ledger version) for the driver of one still-missing row, so the
    // payments chain is stale for that driver only; an open concurrent refresh blocks its refresh, not readers.
    const target = s.rows.find(
      (r) => r.expected.afterRefresh.verdict === "STILL_MISSING",
    ) as (typeof s.rows)[number];
    await db.pool.query(
      `INSERT INTO public.yango_payments_raw (id, driver_name, milestone, amount, paid_at)
       SELECT 990001, d.full_name, $2, 35, '2026-11-23 10:00' FROM public.drivers d WHERE d.driver_id = $1`,
      [target.driver_id, target.milestone_value],
    );
    await db.pool.query(
      "INSERT INTO public.yango_payments_ledger (payment_id, version, status, recorded_at) VALUES (990001, 1, 'paid', '2026-11-23 10:00')",
    );
    const blocker = await db.pool.connect();
    let report: Report;
    try {
      await blocker.query("BEGIN");
      await blocker.query("REFRESH MATERIALIZED VIEW CONCURRENTLY ops.mv_yango_payments_raw");
      // Act
      report = await new ReconcileCabinetClaims14d(db.pool, {
        timeZone: "America/Lima",
        refreshLockTimeoutMs: 300,
      }).runReconcile({ asOf: AS_OF });
    } finally {
      await blocker.query("ROLLBACK");
      blocker.release();
    }
    // Assess: the payments chain failed (raw) or was skipped behind it; the receivable MV and both copies
    // were refreshed.
    expect(report.refreshed_views.map((r) => [r.name, r.outcome.kind])).toEqual([
      [DEPLOYMENT_MVS.payments[0], "failed"],
      [DEPLOYMENT_MVS.payments[1], "skipped"],
      [DEPLOYMENT_MVS.payments[2], "skipped"],
      [DEPLOYMENT_MVS.receivable, "ok"],
      ...DEPLOYMENT_MVS.downstream.map((name) => [name, "ok"]),
    ]);
    const failedRows = (report.rows ?? []).filter((r) => r.diagnosis === "REFRESH_FAILED");
    expect(failedRows.length).toBeGreaterThan(0);
    expect(new Set(failedRows.map((r) => r.driver_id))).toEqual(new Set([target.driver_id]));
    // Every other row is decided as the ground truth says.
    const others = (report.rows ?? []).filter((r) => r.diagnosis !== "REFRESH_FAILED");
    expect(others.map((r) => [r.ord, r.verdict, r.diagnosis])).toEqual(
      s.rows
        .filter((t) => others.some((r) => r.ord === t.ord))
        .map((t) => [t.ord, t.expected.afterRefresh.verdict, t.expected.afterRefresh.diagnosis]),
    );
    expect(report.metrics.resolved_after_refresh).toBe(s.byVerdict.afterRefresh.RESOLVED);
    const keys = s.resolvedKeys.map((k) => `${k.driver_id}|${k.milestone_value}|${k.lead_date}`);
    const { rows: collected } = await db.pool.query<{ key: string }>(
      `SELECT driver_id || '|' || milestone_value || '|' || to_char(lead_date, 'YYYY-MM-DD') AS key
         FROM ops.mv_yango_cabinet_claims_for_collection
        WHERE driver_id || '|' || milestone_value || '|' || to_char(lead_date, 'YYYY-MM-DD') = ANY($1)`,
      [keys],
    );
    expect(collected.map((r) => r.key).sort()).toEqual([...keys].sort());
  });
});
