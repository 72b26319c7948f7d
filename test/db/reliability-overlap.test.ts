/**
 * Overlap: twenty runs started at the same moment, through the library (twenty processes, each with its
 * own pool, as twenty CLIs or containers would be) and through the Lambda handler (twenty containers).
 * Exactly one does the work; the others return `skipped` at once, without waiting on any lock; nothing
 * errors, and the advisory lock is free afterwards.
 */
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createHandler, type HandlerResult } from "../../lambda/aws/handler.js";
import type { Report } from "../../lambda/core/types.js";
import { ReconcileCabinetClaims14d } from "../../lambda/reconcile.js";
import { captureOutput } from "../support/captured-output.js";
import { useTestDatabase } from "../support/db.js";
import { lambdaContext } from "../support/lambda-events.js";
import { captureS3 } from "../support/s3-capture.js";
import { refreshLog, seedToy, TOY_OBJECTS, type ToyLead } from "../support/toy-schema.js";
import {
  advisoryLocks,
  createSlowToySchema,
  JOB_APPLICATION,
  refreshAchieved,
  setKnobs,
} from "./reliability-support.js";

const RUNS = 20;
const AS_OF = "2026-11-10";
const LEADS: ToyLead[] = [
  {
    driver_id: "stale",
    lead_date: "2026-11-01",
    milestone: 1,
    achieved: "2026-11-02",
    claim: "stale",
    trips: { 1: 1 },
  },
  { driver_id: "few", lead_date: "2026-11-01", milestone: 5, achieved: "2026-11-03", trips: { 1: 2 } },
];

/** Job sessions waiting on a heavyweight lock right now (a skipped run must never wait). */
async function waitingJobSessions(pool: pg.Pool, database: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE application_name = $1 AND datname = $2 AND wait_event_type = 'Lock'`,
    [JOB_APPLICATION, database],
  );
  return rows[0]?.n ?? 0;
}

const tally = (statuses: string[]) =>
  statuses.reduce<Record<string, number>>((acc, s) => {
    acc[s] = (acc[s] ?? 0) + 1;
    return acc;
  }, {});

describe(`${RUNS} runs started at once`, () => {
  const output = captureOutput();
  const db = useTestDatabase();
  const s3 = captureS3();

  beforeAll(() => {
    vi.stubEnv("AWS_REGION", "us-east-1");
  });

  afterAll(() => {
    s3.mock.restore();
    vi.unstubAllEnvs();
  });

  beforeEach(async () => {
    s3.reset();
    await createSlowToySchema(db().pool);
    await seedToy(db().pool as unknown as pg.ClientBase, LEADS);
    await refreshAchieved(db().pool);
    // The run that wins the lock holds it for at least 3 s (its refresh), so every other one finds it
    // taken: "exactly one completed" is then a property of the lock, not of timing luck.
    await setKnobs(db().pool, { refreshSleepMs: 3_000 });
  });

  it("library: exactly one completes, the rest are skipped without waiting, the lock is free after", async () => {
    // Prepare: twenty independent processes, each with its own pool.
    const pools = Array.from({ length: RUNS }, () => new pg.Pool({ connectionString: db().url, max: 1 }));
    try {
      // Act
      const runs = pools.map((pool) =>
        new ReconcileCabinetClaims14d(pool, { objects: TOY_OBJECTS }).runReconcile({ asOf: AS_OF }),
      );
      const skippedAt: number[] = [];
      const started = Date.now();
      runs.forEach((run) => {
        run
          .then((r) => r.status === "skipped" && skippedAt.push(Date.now() - started))
          .catch(() => undefined);
      });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const waitingMidway = await waitingJobSessions(db().pool, db().name);
      const settled = await Promise.allSettled(runs);

      // Assess: no error, one completed (the one that refreshed), nineteen skipped; none of them waited.
      const errors = settled.filter((s) => s.status === "rejected").map((s) => String(s.reason));
      expect(errors).toEqual([]);
      const reports = settled.map((s) => (s as PromiseFulfilledResult<Report>).value);
      expect(tally(reports.map((r) => r.status))).toEqual({ completed: 1, skipped: RUNS - 1 });
      const done = reports.find((r) => r.status === "completed") as Report;
      // The achieved view is fresh, so not refreshed (docs/contract.md §10.3): the claims chain and the copy are.
      expect(done.metrics).toMatchObject({ processed: 2, resolved_after_refresh: 1, refreshed_views: 3 });
      for (const skipped of reports.filter((r) => r.status === "skipped")) {
        expect(skipped.metrics.processed).toBe(0);
        expect(skipped.refreshed_views).toEqual([]);
      }
      expect(waitingMidway).toBe(0);
      // Skipped runs return while the winner is still refreshing (3 s).
      expect(Math.max(...skippedAt)).toBeLessThan(3_000);
      // Each stale view refreshed once, by the one run.
      expect(await refreshLog(db().pool as unknown as pg.ClientBase)).toEqual([
        "toy.mv_lower",
        "toy.mv_upper",
        "toy.mv_for_collection",
      ]);
      expect(await advisoryLocks(db().pool)).toBe(0);
      // Every session went back to its pool clean (idle), none lost.
      expect(pools.map((p) => p.totalCount - p.idleCount)).toEqual(pools.map(() => 0));
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
    // And the next run, alone, completes.
    const pool = new pg.Pool({ connectionString: db().url, max: 1 });
    try {
      const next = await new ReconcileCabinetClaims14d(pool, { objects: TOY_OBJECTS }).runReconcile({
        asOf: AS_OF,
        dryRun: true,
      });
      expect(next.status).toBe("completed");
    } finally {
      await pool.end();
    }
  });

  it("a dry run takes no run lock: it completes while a real run holds the lock, and refreshes nothing", async () => {
    // Prepare: a real run that holds the lock for its 3 s refresh.
    const pools = [0, 1].map(() => new pg.Pool({ connectionString: db().url, max: 1 }));
    try {
      const job = (i: number) => new ReconcileCabinetClaims14d(pools[i] as pg.Pool, { objects: TOY_OBJECTS });
      const real = job(0).runReconcile({ asOf: AS_OF });
      await vi.waitUntil(async () => (await advisoryLocks(db().pool, 0)) === 1, {
        timeout: 20_000,
        interval: 50,
      });
      // Act: an operator's dry run meanwhile.
      const dry = await job(1).runReconcile({ asOf: AS_OF, dryRun: true });
      // Assess: the dry run analysed every row (it did not skip), while the real run still held the lock.
      expect(dry.status).toBe("completed");
      expect(dry.metrics.processed).toBe(LEADS.length);
      expect(dry.refreshed_views).toEqual([]);
      expect(await advisoryLocks(db().pool, 0)).toBe(1);
      expect((await real).status).toBe("completed");
      expect(await advisoryLocks(db().pool)).toBe(0);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it("handler: twenty containers invoked at once, one completed and uploaded, the rest skipped uploading nothing", async () => {
    // Prepare: twenty cold containers pointing at the same database.
    const env: NodeJS.ProcessEnv = {
      DATABASE_URL: db().url,
      DB_SSL_MODE: "disable",
      OUTPUT_BUCKET: "reconcile-reports-overlap",
      GAP_VIEW: TOY_OBJECTS.gapView,
      CLAIMS_VIEW: TOY_OBJECTS.claimsView,
      ACHIEVED_VIEW: TOY_OBJECTS.achievedView,
      PAYMENT_CALC_VIEW: TOY_OBJECTS.paymentCalcView,
      TRIPS_TABLE: TOY_OBJECTS.tripsTable,
    };
    const handlers = Array.from({ length: RUNS }, () => createHandler({ env }));
    // Act
    const settled = await Promise.allSettled(
      handlers.map((handler) => handler({ asOf: AS_OF }, lambdaContext(60_000)) as Promise<HandlerResult>),
    );
    // Assess
    const errors = settled.filter((s) => s.status === "rejected").map((s) => String(s.reason));
    expect(errors).toEqual([]);
    const results = settled.map((s) => (s as PromiseFulfilledResult<HandlerResult>).value);
    expect(tally(results.map((r) => r.status))).toEqual({ completed: 1, skipped: RUNS - 1 });
    const done = results.find((r) => r.status === "completed") as HandlerResult;
    expect(done.metrics).toMatchObject({ processed: 2, resolved_after_refresh: 1 });
    // Only the completed run uploaded its reports (§10.4: a skipped one writes nothing, so the last report
    // stays); the skipped ones return their status and no output.
    for (const result of results.filter((r) => r.status === "skipped")) expect(result.outputs).toEqual({});
    expect(s3.objects.size).toBe(3);
    expect(JSON.parse(s3.read(done.outputs.json as string).text).rows).toHaveLength(2);
    expect(s3.openUploads()).toBe(0);
    expect(await advisoryLocks(db().pool)).toBe(0);
    // Each container logged its outcome; no error line.
    const errorsLogged = output.records().filter((r) => r.level === "ERROR");
    expect(errorsLogged).toEqual([]);
  });
});
