/**
 * Faults during a run, on a real PostgreSQL: the job's connection killed mid-refresh and between refresh
 * and report, a refresh blocked past its lock_timeout, a refresh slower than the run's time budget, and a
 * database that is down or never answers at start. Each test proves the job ends cleanly (a named error
 * or a recorded failure), leaves no lock, no session and no report that reads as complete, and that the
 * next run completes.
 */
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Report, ReportRow, ReportSink } from "../../lambda/core/types.js";
import { DatabaseUnavailableError } from "../../lambda/errors.js";
import { ReconcileCabinetClaims14d } from "../../lambda/reconcile.js";
import { fileSink } from "../../lambda/report/file-sink.js";
import { useTestDatabase } from "../support/db.js";
import { refreshLog, seedToy, TOY_OBJECTS, type ToyLead } from "../support/toy-schema.js";
import {
  advisoryLocks,
  createSlowToySchema,
  jobPool,
  jobSessions,
  refreshAchieved,
  setKnobs,
  waitForJobStatement,
} from "./reliability-support.js";

const LEAD = "2026-11-01";
const AS_OF = "2026-11-10";

/** Two stale claims a refresh resolves, and two gaps no refresh can fix. */
const LEADS: ToyLead[] = [
  {
    driver_id: "stale-1",
    lead_date: LEAD,
    milestone: 1,
    achieved: "2026-11-02",
    claim: "stale",
    trips: { 1: 1 },
  },
  {
    driver_id: "stale-5",
    lead_date: LEAD,
    milestone: 5,
    achieved: "2026-11-03",
    claim: "stale",
    trips: { 2: 5 },
  },
  { driver_id: "few-trips", lead_date: LEAD, milestone: 5, achieved: "2026-11-05", trips: { 0: 2 } },
  {
    driver_id: "no-calc",
    lead_date: LEAD,
    milestone: 25,
    achieved: "2026-11-06",
    paymentCalc: "none",
    trips: { 3: 25 },
  },
];

/** The job's statement refreshing the slow lower claims view (either mode). */
const LOWER_REFRESH = '^REFRESH MATERIALIZED VIEW (CONCURRENTLY )?"toy"."mv_lower"';

const verdicts = (report: Report) =>
  Object.fromEntries(
    (report.rows ?? []).map((r: ReportRow) => [r.driver_id, `${r.verdict} ${r.diagnosis ?? ""}`.trim()]),
  );

/** An output that receives rows and needs 200 ms to abort (an S3 multipart abort is a network call). */
function slowAbort(): ReportSink {
  return {
    start: async () => undefined,
    row: async () => undefined,
    finish: async () => undefined,
    abort: () => new Promise((resolve) => setTimeout(resolve, 200)),
  };
}

async function mvRows(client: pg.Pool, view: string): Promise<string[]> {
  const { rows } = await client.query<{ k: string }>(
    `SELECT driver_id || '/' || milestone_value AS k FROM ${view} ORDER BY 1`,
  );
  return rows.map((r) => r.k);
}

describe("faults during a run", () => {
  const db = useTestDatabase();
  let pool: pg.Pool;

  beforeEach(async () => {
    await createSlowToySchema(db().pool);
    await seedToy(db().pool as unknown as pg.ClientBase, LEADS);
    await refreshAchieved(db().pool);
    pool = jobPool(db().url);
  });

  afterEach(async () => {
    await pool?.end();
  });

  const job = (options = {}) => new ReconcileCabinetClaims14d(pool, { objects: TOY_OBJECTS, ...options });

  describe.each(["concurrently", "plain"] as const)("connection killed during a %s refresh", (mode) => {
    it("ends the run with DatabaseUnavailableError within seconds; the view keeps its rows; the next run resolves", async () => {
      // Prepare: the lower claims view takes 60 s to refresh; a plain refresh when it has no unique index.
      if (mode === "plain") await db().pool.query("DROP INDEX toy.mv_lower_key");
      await setKnobs(db().pool, { refreshSleepMs: 60_000 });
      const before = await mvRows(db().pool, "toy.mv_lower");
      const dir = await mkdtemp(join(tmpdir(), "reliability-kill-"));
      // A third output that takes its time to abort, as an S3 multipart abort does: the dead socket's
      // 'end' then arrives while the run still holds its client.
      const sinks = [fileSink(join(dir, "r.json"), "json"), fileSink(join(dir, "r.csv"), "csv"), slowAbort()];

      // A lost connection must reach the run as an error, never crash the process (Lambda, CLI).
      const uncaught: unknown[] = [];
      const onUncaught = (error: unknown) => uncaught.push(error);
      process.prependListener("uncaughtException", onUncaught);

      // Act: start the run, wait for its REFRESH, kill its backend.
      const run = job().runReconcile({ asOf: AS_OF }, { sinks });
      const outcome = run.then(
        (report) => ({ report, error: undefined }),
        (error: unknown) => ({ report: undefined, error }),
      );
      const pid = await waitForJobStatement(db().pool, db().name, LOWER_REFRESH);
      const killedAt = Date.now();
      // While a concurrent refresh runs, readers still see the previous rows.
      if (mode === "concurrently") expect(await mvRows(db().pool, "toy.mv_lower")).toEqual(before);
      await db().pool.query("SELECT pg_terminate_backend($1)", [pid]);
      const { report, error } = await outcome;
      await new Promise((resolve) => setTimeout(resolve, 300)); // the slow abort, and the socket's end
      process.removeListener("uncaughtException", onUncaught);

      // Assess: a named, retryable error, soon after the kill, and nothing thrown outside the run.
      expect(uncaught).toEqual([]);
      expect(report).toBeUndefined();
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect((error as DatabaseUnavailableError).transient).toBe(true);
      expect((error as Error).message).toMatch(/terminating connection due to administrator command/);
      expect(Date.now() - killedAt).toBeLessThan(3_000);
      // The refresh was rolled back with the session: the view serves exactly its previous rows.
      expect(await mvRows(db().pool, "toy.mv_lower")).toEqual(before);
      // Each refresh is its own transaction: the independent view refreshed before the kill stays so.
      expect(await refreshLog(db().pool as unknown as pg.ClientBase)).toEqual(["toy.mv_achieved"]);
      // Nothing left behind: no lock, no session, no report file, not even a partial one.
      expect(await advisoryLocks(db().pool)).toBe(0);
      expect(pool.totalCount).toBe(0);
      expect(await jobSessions(db().pool, db().name)).toBe(0);
      expect(await readdir(dir)).toEqual([]);

      // The next run completes and resolves the stale claims.
      await setKnobs(db().pool, { refreshSleepMs: 0 });
      const next = await job().runReconcile({ asOf: AS_OF });
      expect(next.status).toBe("completed");
      expect(verdicts(next)).toMatchObject({ "stale-1": "RESOLVED", "stale-5": "RESOLVED" });
    });
  });
});
