/**
 * The claims ledger (docs/contract.md §10.1, §10.2) on a toy schema whose ledger has the deployment's real
 * shape (uuid person key, enum status, NOT NULL lead_source_pk...) and whose gap view, like the deployment's,
 * decides from the ledger whether a claim exists. Each test starts from the same seeded database.
 */
import pg from "pg";
import { beforeEach, describe, expect, it } from "vitest";
import { main } from "../../lambda/cli/main.js";
import { exitCodeOfReport } from "../../lambda/cli/run.js";
import type { Report, ReportRow } from "../../lambda/core/types.js";
import { ContractError, SourceDataError } from "../../lambda/errors.js";
import { ReconcileCabinetClaims14d } from "../../lambda/reconcile.js";
import { useTestDatabase } from "../support/db.js";
import { createLoginRole } from "../support/login-role.js";
import { createToyLedger, ledgerSnapshot, TOY_LEDGER, toyGapCount } from "../support/toy-ledger.js";
import { TOY_CLI_OBJECTS, TOY_OBJECTS } from "../support/toy-schema.js";

const AS_OF = "2026-11-10";
const RUN = { asOf: AS_OF, recordClaims: true, claimsLedger: TOY_LEDGER, onlyGaps: true };
const byDriver = (report: Report) => new Map((report.rows ?? []).map((r) => [r.driver_id ?? "(null)", r]));
const ledgerOf = (r: ReportRow | undefined) => r && [r.ledger, r.ledger_status, r.ledger_why];

describe("recording proven claims in the claims ledger (toy schema, real ledger shape)", () => {
  const db = useTestDatabase();
  const client = () => db().pool as unknown as pg.ClientBase;
  let job: ReconcileCabinetClaims14d;

  beforeEach(async () => {
    await createToyLedger(client());
    job = new ReconcileCabinetClaims14d(db().pool, { objects: TOY_OBJECTS });
  });

  it("records exactly the proven claims, priced by their rule, once, and the gap view shrinks by them", async () => {
    // Prepare
    const before = await ledgerSnapshot(client());
    const gapsBefore = await toyGapCount(client());
    // Act
    const report = await job.runReconcile(RUN, { runId: "run-1" });
    // Assess: the rows
    const rows = byDriver(report);
    expect(ledgerOf(rows.get("stale"))).toEqual(["recorded", null, null]);
    expect(ledgerOf(rows.get("exists"))).toEqual(["recorded", null, null]);
    expect(ledgerOf(rows.get("zero"))).toEqual(["not_recorded", null, "NOT_PROVEN"]);
    expect(ledgerOf(rows.get("conflict"))).toEqual(["not_recorded", null, "AMOUNT_CONFLICT"]);
    expect(ledgerOf(rows.get("few-trips"))).toEqual(["not_recorded", null, "NOT_PROVEN"]);
    expect(ledgerOf(rows.get("held-rejected"))).toEqual(["present", "rejected", null]);
    expect(ledgerOf(rows.get("held-expired"))).toEqual(["present", "expired", null]);
    // expected / generated / paid are not gaps in this view: --only-gaps leaves them out.
    expect(rows.has("held-paid")).toBe(false);
    expect(rows.get("stale")).toMatchObject({ verdict: "RESOLVED", amount: "25.00", amount_source: "rule" });
    expect(rows.get("conflict")).toMatchObject({ amount: "50.00", amount_conflict: "35.00, 50.00" });
    // Assess: the ledger gains exactly those keys, generated, with the rule's amount and the run named.
    const { rows: added } = await client().query(
      `SELECT driver_id, lead_source_pk, to_char(lead_date, 'YYYY-MM-DD') AS lead_date, milestone,
              amount_expected::text AS amount, status::text AS status, reason, generated_at IS NOT NULL AS stamped,
              person_key = md5(driver_id)::uuid AS key_ok
         FROM toy.claims_ledger WHERE reason LIKE 'reconcile-cabinet-claims-14d%' ORDER BY driver_id`,
    );
    expect(added).toEqual([
      {
        driver_id: "exists",
        lead_source_pk: "lead-exists",
        lead_date: "2026-11-01",
        milestone: 5,
        amount: "35.00",
        status: "generated",
        reason: "reconcile-cabinet-claims-14d run run-1",
        stamped: true,
        key_ok: true,
      },
      {
        driver_id: "stale",
        lead_source_pk: "lead-stale",
        lead_date: "2026-11-01",
        milestone: 1,
        amount: "25.00",
        status: "generated",
        reason: "reconcile-cabinet-claims-14d run run-1",
        stamped: true,
        key_ok: true,
      },
    ]);
    // Every row that was there before is untouched, byte for byte (status, amount, timestamps).
    const after = await ledgerSnapshot(client());
    expect(after.filter((t) => before.includes(t))).toEqual(before);
    expect(after).toHaveLength(before.length + 2);
    // Assess: metrics, the gap view counted again, and the report's ledger summary.
    expect(report.metrics).toMatchObject({
      claims_recorded: 2,
      amount_recorded: "60.00",
      gaps_after: gapsBefore - 2,
    });
    expect(await toyGapCount(client())).toBe(gapsBefore - 2);
    expect(report.ledger).toMatchObject({
      table: TOY_LEDGER,
      outcome: "recorded",
      to_record: 2,
      recorded: 2,
      gaps_before: gapsBefore,
      gaps_after: gapsBefore - 2,
    });
    expect(report.warning_details.map((w) => w.code)).toEqual(
      expect.arrayContaining(["zero_rule_claims", "amount_conflicts", "ledger_decided_against"]),
    );
    expect(exitCodeOfReport(report)).toBe(0);

    // A second run finds both present and records nothing.
    const again = await job.runReconcile(RUN, { runId: "run-2" });
    expect(again.metrics.claims_recorded).toBe(0);
    expect(again.ledger?.outcome).toBe("nothing_to_record");
    expect(await ledgerSnapshot(client())).toEqual(after);
  });

  it("a person key the uuid ledger cannot hold is left out; the other claims are still recorded", async () => {
    await client().query("UPDATE toy.gap_rows SET person_key = 'P-0042' WHERE driver_id = 'exists'");
    const report = await job.runReconcile(RUN);
    const rows = byDriver(report);
    expect(ledgerOf(rows.get("exists"))).toEqual(["not_recorded", null, "INVALID_PERSON_KEY"]);
    expect(ledgerOf(rows.get("stale"))).toEqual(["recorded", null, null]);
    expect(report.ledger).toMatchObject({ outcome: "recorded", to_record: 1, recorded: 1 });
  });

  it("prices by the rule: a rule that pays 0 is INVALID, never money at risk, never recorded", async () => {
    const report = await job.runReconcile({ ...RUN, dryRun: true });
    const zero = byDriver(report).get("zero");
    expect(zero).toMatchObject({
      verdict: "INVALID",
      invalid_reason: "ZERO_AMOUNT_RULE",
      amount: "0.00",
      amount_source: "rule",
      amount_at_risk: "0.00",
      ledger: "not_recorded",
    });
    expect(zero?.detail).toBe("partner rule in force for M25 at lead_date 2026-11-01 pays 0.00");
    // At risk: stale's M1 (WOULD_REFRESH) and few-trips' M5; the zero rule's M25 would have added S/ 100.
    expect(report.metrics.amount_at_risk).toBe("60.00");
  });

  it("a dry run writes nothing and says would_record", async () => {
    const before = await ledgerSnapshot(client());
    const report = await job.runReconcile({ ...RUN, dryRun: true });
    expect(ledgerOf(byDriver(report).get("exists"))).toEqual(["would_record", null, null]);
    // The stale claim is WOULD_REFRESH in a dry run: not proven yet, so not counted to record.
    expect(ledgerOf(byDriver(report).get("stale"))).toEqual(["not_recorded", null, "NOT_PROVEN"]);
    expect(report.ledger).toMatchObject({
      outcome: "would_record",
      to_record: 1,
      recorded: 0,
      gaps_after: null,
    });
    expect(report.metrics.claims_recorded).toBe(0);
    expect(await ledgerSnapshot(client())).toEqual(before);
  });

  it("over --max-record records none, warns, and the CLI exits 3", async () => {
    const before = await ledgerSnapshot(client());
    const report = await job.runReconcile({ ...RUN, maxRecord: 1 });
    expect(report.ledger).toMatchObject({ outcome: "over_max_record", to_record: 2, recorded: 0 });
    expect(ledgerOf(byDriver(report).get("stale"))).toEqual(["not_recorded", null, "OVER_MAX_RECORD"]);
    expect(report.warnings.join("\n")).toContain("2 claims to record is more than max-record 1");
    expect(report.status).toBe("completed");
    expect(exitCodeOfReport(report)).toBe(3);
    expect(await ledgerSnapshot(client())).toEqual(before);
  });

  it("a role without INSERT: a dry run warns, a real run writes nothing and the CLI exits 3", async () => {
    const role = await createLoginRole(db().url, "pw-ledger");
    try {
      await role.grantRead(["toy"]);
      const url = new URL(db().url);
      url.username = role.name;
      url.password = "pw-ledger";
      const before = await ledgerSnapshot(client());
      let stdout = "";
      let stderr = "";
      const io = { stdout: (t: string) => (stdout += t), stderr: (t: string) => (stderr += t) };
      const args = [
        `--database-url=${url.toString()}`,
        ...TOY_CLI_OBJECTS,
        `--as-of=${AS_OF}`,
        "--only-gaps",
        "--record-claims",
        `--claims-ledger=${TOY_LEDGER}`,
      ];
      expect(await main([...args, "--dry-run"], io)).toBe(0);
      expect(stderr).toContain(`has no INSERT privilege on ${TOY_LEDGER}`);
      stderr = "";
      expect(await main(args, io)).toBe(3);
      expect(stderr).toContain("not recorded in toy.claims_ledger");
      expect(stderr).toContain("exit 3");
      expect(stdout).toContain("not_permitted");
      expect(await ledgerSnapshot(client())).toEqual(before);
    } finally {
      await role.drop();
    }
  });

  it("a connection killed mid-insert leaves nothing half-written", async () => {
    // Prepare: the INSERT waits 30 s in a statement trigger, long enough to be found and killed.
    await client().query(`CREATE FUNCTION toy.slow() RETURNS trigger LANGUAGE plpgsql AS
                            $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$;
                          CREATE TRIGGER slow AFTER INSERT ON toy.claims_ledger
                            FOR EACH STATEMENT EXECUTE FUNCTION toy.slow()`);
    const before = await ledgerSnapshot(client());
    const pool = new pg.Pool({ connectionString: db().url, max: 2 });
    pool.on("error", () => undefined);
    try {
      const run = new ReconcileCabinetClaims14d(pool, { objects: TOY_OBJECTS }).runReconcile(RUN);
      const outcome = run.then(
        () => "completed",
        (error: Error) => error.name,
      );
      // Act: kill the session once its INSERT is running.
      let killed = false;
      for (let i = 0; i < 300 && !killed; i++) {
        const { rows } = await client().query<{ n: number }>(
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND query LIKE 'INSERT INTO "toy"."claims_ledger"%' AND state = 'active'`,
        );
        killed = (rows[0]?.n ?? 0) > 0;
        if (!killed) await new Promise((r) => setTimeout(r, 100));
      }
      expect(killed).toBe(true);
      // Assess: the run failed as a database outage, and the ledger holds nothing of it.
      expect(await outcome).toBe("DatabaseUnavailableError");
      expect(await ledgerSnapshot(client())).toEqual(before);
    } finally {
      await pool.end();
    }
  }, 120_000);

  it("two runs at once: one records, the other is skipped or finds the claims present", async () => {
    // The INSERT holds the run lock for 2 s, so the runs overlap.
    await client().query(`CREATE FUNCTION toy.slow() RETURNS trigger LANGUAGE plpgsql AS
                            $$ BEGIN PERFORM pg_sleep(2); RETURN NULL; END $$;
                          CREATE TRIGGER slow AFTER INSERT ON toy.claims_ledger
                            FOR EACH STATEMENT EXECUTE FUNCTION toy.slow()`);
    const pools = [0, 1].map(() => new pg.Pool({ connectionString: db().url, max: 1 }));
    for (const pool of pools) pool.on("error", () => undefined);
    const reports = await Promise.all(
      pools.map((pool) => new ReconcileCabinetClaims14d(pool, { objects: TOY_OBJECTS }).runReconcile(RUN)),
    ).finally(() => Promise.all(pools.map((pool) => pool.end())));
    expect(reports.map((r) => r.metrics.claims_recorded).sort()).toEqual([0, 2]);
    const { rows } = await client().query<{ n: number }>(
      "SELECT count(*)::int AS n FROM toy.claims_ledger WHERE reason LIKE 'reconcile-cabinet-claims-14d run %'",
    );
    expect(rows[0]?.n).toBe(2);
  }, 60_000);

  it("undo deletes exactly what a run recorded and nobody changed since", async () => {
    await job.runReconcile(RUN, { runId: "run-undo" });
    // A person marks one of the recorded claims paid.
    await client().query("UPDATE toy.claims_ledger SET status = 'paid' WHERE driver_id = 'exists'");
    const changed = await ledgerSnapshot(client());
    const dry = await job.undoRecordedClaims("run-undo", { dryRun: true, claimsLedger: TOY_LEDGER });
    expect(dry).toMatchObject({ status: "completed", deleted: 1, kept: 1, amount: "25.00", dry_run: true });
    expect(await ledgerSnapshot(client())).toEqual(changed);
    const done = await job.undoRecordedClaims("run-undo", { claimsLedger: TOY_LEDGER });
    expect(done).toMatchObject({ status: "completed", deleted: 1, kept: 1 });
    const { rows } = await client().query(
      "SELECT driver_id, status::text FROM toy.claims_ledger WHERE reason = $1",
      ["reconcile-cabinet-claims-14d run run-undo"],
    );
    expect(rows).toEqual([{ driver_id: "exists", status: "paid" }]);
    // Another run's id deletes nothing.
    expect(await job.undoRecordedClaims("no-such-run", { claimsLedger: TOY_LEDGER })).toMatchObject({
      deleted: 0,
    });
  });

  it("the CLI: ledger undo --run-id [--dry-run] says what it deletes and keeps", async () => {
    await job.runReconcile(RUN, { runId: "run-cli" });
    let stdout = "";
    let stderr = "";
    const io = { stdout: (t: string) => (stdout += t), stderr: (t: string) => (stderr += t) };
    const args = [
      "ledger",
      "undo",
      "--run-id",
      "run-cli",
      `--claims-ledger=${TOY_LEDGER}`,
      `--database-url=${db().url}`,
    ];
    expect(await main([...args, "--dry-run"], io)).toBe(0);
    expect(stdout).toContain("run run-cli: would delete 2 claim(s) (S/ 60.00); kept 0");
    expect(await main(args, io)).toBe(0);
    expect(stdout).toContain("run run-cli: deleted 2 claim(s)");
    expect(stderr).toBe("");
    const { rows } = await client().query(
      "SELECT count(*)::int AS n FROM toy.claims_ledger WHERE reason LIKE '%run-cli'",
    );
    expect(rows[0]).toEqual({ n: 0 });
    expect(await main(["ledger", "undo", `--database-url=${db().url}`], io)).toBe(2);
  });

  it("undo is refused on a ledger without a reason column", async () => {
    await client().query("ALTER TABLE toy.claims_ledger DROP COLUMN reason");
    await expect(job.undoRecordedClaims("run-x", { claimsLedger: TOY_LEDGER })).rejects.toThrow(
      "has no column reason",
    );
  });

  it("a ledger without a unique key on (person_key, lead_date, milestone) is a ContractError before any work", async () => {
    await client().query("DROP INDEX toy.claims_ledger_key");
    await client().query(
      "CREATE UNIQUE INDEX partial_key ON toy.claims_ledger (person_key, lead_date, milestone) WHERE status <> 'rejected'",
    );
    const error = await job.runReconcile(RUN).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as Error).message).toBe(
      "contract: claims ledger toy.claims_ledger has no unique index or constraint on exactly (person_key, lead_date, milestone) without WHERE: the job cannot record a claim only once",
    );
    // Nothing ran: no refresh was logged.
    const { rows } = await client().query("SELECT count(*)::int AS n FROM toy.refresh_log");
    expect(rows[0]).toEqual({ n: 0 });
  });

  it("a ledger missing a column, or absent, is a ContractError naming it", async () => {
    await expect(job.runReconcile({ ...RUN, claimsLedger: "toy.no_such" })).rejects.toThrow(
      "contract: claims ledger toy.no_such does not exist",
    );
    await client().query("ALTER TABLE toy.claims_ledger DROP COLUMN amount_expected");
    await expect(job.runReconcile(RUN)).rejects.toThrow("toy.claims_ledger has no column amount_expected");
  });

  it("an unknown milestone is INVALID with a warning; a negative amount stops the run naming the row", async () => {
    await client().query(
      "INSERT INTO toy.gap_rows (driver_id, lead_date, milestone_value, gap_reason, claim_status) VALUES ('odd', '2026-11-01', NULL, 'X', 'MISSING')",
    );
    const report = await job.runReconcile({ asOf: AS_OF, dryRun: true });
    expect(byDriver(report).get("odd")).toMatchObject({
      verdict: "INVALID",
      invalid_reason: "UNKNOWN_MILESTONE",
      milestone_value: null,
      amount: "0.00",
      amount_source: null,
    });
    expect(report.warning_details.some((w) => w.code === "unknown_milestones")).toBe(true);
    await client().query("UPDATE toy.gap_rows SET expected_amount = -5 WHERE driver_id = 'few-trips'");
    const error = await job.runReconcile({ asOf: AS_OF, dryRun: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceDataError);
    expect((error as Error).message).toContain("driver_id few-trips");
    expect((error as Error).message).toContain('amount "-5.00" is negative');
  });
});
