/**
 * Faults during a run, on a real PostgreSQL: the job's connection killed mid-refresh and between refresh
 * and report, a refresh blocked past its lock_timeout, a refresh slower than the run's time budget, and a
 * database that is down or never answers at start. Each test proves the job ends cleanly (a named error
 * or a recorded failure), leaves no lock, no session and no report that reads as complete, and that the
 * next run completes.
 */
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../lambda/cli/main.js";
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
  sleep,
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

const watching = new Set<(error: unknown) => void>();

/** Collects uncaught exceptions (vitest reports them too, but after the test, without saying which). */
function watchUncaught(): { stop(): unknown[] } {
  const seen: unknown[] = [];
  const listener = (error: unknown) => seen.push(error);
  process.prependListener("uncaughtException", listener);
  watching.add(listener);
  return {
    stop() {
      process.removeListener("uncaughtException", listener);
      watching.delete(listener);
      return seen;
    },
  };
}

/**
 * Settles a run into its report or its error, so a test can act while it runs and assess after; a run
 * still going 10 s after it started is a hang, reported as such instead of a test timeout.
 */
function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const hang = sleep(10_000).then(() => ({ error: new Error("run still going 10 s after the fault: hung") }));
  const settled = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  return Promise.race([settled, hang]);
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
    for (const listener of watching) process.removeListener("uncaughtException", listener);
    watching.clear();
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
      const uncaught = watchUncaught();

      // Act: start the run, wait for its REFRESH, kill its backend. Forced: the slow definition would make
      // the staleness check as slow as the refresh, and this is about the refresh.
      const outcome = settle(job().runReconcile({ asOf: AS_OF, forceRefresh: true }, { sinks }));
      const pid = await waitForJobStatement(db().pool, db().name, LOWER_REFRESH);
      const killedAt = Date.now();
      // While a concurrent refresh runs, readers still see the previous rows.
      if (mode === "concurrently") expect(await mvRows(db().pool, "toy.mv_lower")).toEqual(before);
      await db().pool.query("SELECT pg_terminate_backend($1)", [pid]);
      const { value: report, error } = await outcome;
      await sleep(300); // the slow abort, and the socket's end

      // Assess: a named, retryable error, soon after the kill, and nothing thrown outside the run.
      expect(uncaught.stop()).toEqual([]);
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
  it("a crash between refresh and report: refreshes stay committed, no report, the next run agrees", async () => {
    // Prepare: the final query (after the refresh, before any row reaches the report) takes 60 s.
    await setKnobs(db().pool, { paymentCalcSleepMs: 60_000 });
    const dir = await mkdtemp(join(tmpdir(), "reliability-crash-"));
    const sinks = [fileSink(join(dir, "r.json"), "json"), fileSink(join(dir, "r.csv"), "csv")];
    const uncaught = watchUncaught();

    // Act: kill the session while it computes the verdicts.
    const outcome = settle(job().runReconcile({ asOf: AS_OF }, { sinks }));
    // The only statement that sleeps in the payment calculation after the refresh is the final one.
    const pid = await waitForJobStatement(db().pool, db().name, "^WITH achieved AS");
    await db().pool.query("SELECT pg_terminate_backend($1)", [pid]);
    const { error } = await outcome;

    // Assess: the run failed by name; every refresh had committed in its own transaction, in order.
    expect(uncaught.stop()).toEqual([]);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    // (The achieved view is fresh: not refreshed, docs/contract.md §10.3.)
    expect(await refreshLog(db().pool as unknown as pg.ClientBase)).toEqual(["toy.mv_lower", "toy.mv_upper"]);
    expect(await mvRows(db().pool, "toy.v_claims")).toEqual(["stale-1/1", "stale-5/5"]);
    // No report at all rather than a report that reads as complete.
    expect(await readdir(dir)).toEqual([]);
    expect(await advisoryLocks(db().pool)).toBe(0);
    expect(pool.totalCount).toBe(0);

    // The next run sees the claims the crashed run's refresh brought in, and explains the rest the same.
    await setKnobs(db().pool, { paymentCalcSleepMs: 0 });
    const next = await job().runReconcile({ asOf: AS_OF });
    expect(next.status).toBe("completed");
    expect(verdicts(next)).toEqual({
      "stale-1": "ALREADY_EXISTS",
      "stale-5": "ALREADY_EXISTS",
      "few-trips": "STILL_MISSING TRIPS_OUTSIDE_WINDOW",
      "no-calc": "STILL_MISSING NO_PAYMENT_CALCULATION",
    });
  });

  it("running twice: the same verdicts, diagnoses and details for every unresolved row", async () => {
    const first = await job().runReconcile({ asOf: AS_OF });
    const second = await job().runReconcile({ asOf: AS_OF });
    expect(verdicts(first)).toMatchObject({ "stale-1": "RESOLVED", "stale-5": "RESOLVED" });
    expect(verdicts(second)).toMatchObject({ "stale-1": "ALREADY_EXISTS", "stale-5": "ALREADY_EXISTS" });
    const unresolved = (report: Report) =>
      (report.rows ?? [])
        .filter((r) => r.verdict === "STILL_MISSING" || r.verdict === "INVALID")
        .map(({ ord: _ord, ...row }) => row);
    expect(unresolved(first)).toHaveLength(2);
    expect(unresolved(second)).toEqual(unresolved(first));
    expect(second.metrics).toMatchObject({
      still_missing: first.metrics.still_missing,
      amount_still_missing: first.metrics.amount_still_missing,
      gaps_found: first.metrics.gaps_found,
    });
    // A dry run twice is the same report, row for row: it changes nothing.
    const dry = [
      await job().runReconcile({ asOf: AS_OF, dryRun: true }),
      await job().runReconcile({ asOf: AS_OF, dryRun: true }),
    ];
    expect(dry[1]?.rows).toEqual(dry[0]?.rows);
  });

  it("a refresh blocked past lock_timeout: recorded, its dependant skipped, the independent view refreshed", async () => {
    // Prepare: another session holds ACCESS EXCLUSIVE on the lower claims view (an open plain refresh).
    const blocker = new pg.Client({ connectionString: db().url });
    await blocker.connect();
    const started = Date.now();
    let report: Report;
    try {
      await blocker.query("BEGIN");
      await blocker.query("REFRESH MATERIALIZED VIEW toy.mv_lower");
      // Act
      report = await job({ refreshLockTimeoutMs: 500 }).runReconcile({ asOf: AS_OF });
    } finally {
      await blocker.query("ROLLBACK");
      await blocker.end();
    }
    // Assess: one failure, waited for no longer than its lock_timeout.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(report.status).toBe("completed");
    // The lower view's staleness check waited on the same lock: undecided, so refreshed as before (§10.3);
    // the achieved view and the copy are fresh.
    expect(report.refreshed_views.map((r) => [r.name, r.outcome.kind, r.error?.split(" (")[0]])).toEqual([
      ["toy.mv_achieved", "fresh", "skipped: fresh"],
      ["toy.mv_lower", "failed", "canceling statement due to lock timeout"],
      ["toy.mv_upper", "skipped", "skipped: toy.mv_lower was not refreshed"],
      ["toy.mv_for_collection", "fresh", "skipped: fresh"],
    ]);
    expect(report.refresh_plan[1]).toMatchObject({ name: "toy.mv_lower", stale: "unknown" });
    expect(report.metrics).toMatchObject({
      refresh_failures: 1,
      refreshed_views: 0,
      resolved_after_refresh: 0,
    });
    expect(new Set(report.rows?.map((r) => `${r.verdict} ${r.diagnosis}`))).toEqual(
      new Set(["STILL_MISSING REFRESH_FAILED"]),
    );
    expect(await refreshLog(db().pool as unknown as pg.ClientBase)).toEqual([]);
    expect(await advisoryLocks(db().pool)).toBe(0);
  });

  it("a refresh slower than the time budget: partial before the deadline, report written, lock free", async () => {
    // Prepare: the lower view would take 60 s; the caller gives the run 5 s.
    await setKnobs(db().pool, { refreshSleepMs: 60_000 });
    const dir = await mkdtemp(join(tmpdir(), "reliability-budget-"));
    const deadline = Date.now() + 5_000;
    // Act
    // Forced: this is about a refresh cut by the budget (a check of the slow definition is capped at half
    // of what is left, then refreshed as before: the same cut, later).
    const report = await job().runReconcile(
      { asOf: AS_OF, forceRefresh: true },
      { deadline, sinks: [fileSink(join(dir, "r.json"), "json")] },
    );
    // Assess
    expect(Date.now()).toBeLessThan(deadline);
    expect(report.status).toBe("partial");
    expect(report.refreshed_views.map((r) => [r.name, r.ok])).toEqual([
      ["toy.mv_achieved", true],
      ["toy.mv_lower", false],
      ["toy.mv_upper", false],
      ["toy.mv_for_collection", false],
    ]);
    expect(report.refreshed_views[1]?.error).toMatch(/statement timeout/);
    expect(report.warnings).toContain(
      "time budget exhausted: refresh of toy.mv_lower cut short; the report covers the work done so far",
    );
    // Every analysed row is still decided and written; the file says partial.
    expect(report.metrics.processed).toBe(LEADS.length);
    expect(await readdir(dir)).toEqual(["r.json"]);
    const written = JSON.parse(await readFile(join(dir, "r.json"), "utf8")) as Report;
    expect(written.status).toBe("partial");
    expect(written.rows).toHaveLength(LEADS.length);
    expect(await advisoryLocks(db().pool)).toBe(0);
    expect(await mvRows(db().pool, "toy.mv_lower")).toEqual([]);
  });
  it("a final query slower than the time budget: partial, the rows not decided are not invented, lock free", async () => {
    // Prepare: the refresh is quick, the post-refresh query would take 60 s; the run gets 6 s.
    await setKnobs(db().pool, { paymentCalcSleepMs: 60_000 });
    const dir = await mkdtemp(join(tmpdir(), "reliability-budget-"));
    const deadline = Date.now() + 6_000;
    // Act
    const { value: report, error } = await settle(
      job().runReconcile({ asOf: AS_OF }, { deadline, sinks: [fileSink(join(dir, "r.json"), "json")] }),
    );
    // Assess
    expect(error).toBeUndefined();
    // Statements are capped at the deadline; writing the report follows it (the handler's safety margin,
    // at least 3 s before Lambda's own deadline, is there for that).
    expect(Date.now()).toBeLessThan(deadline + 1_000);
    expect(report?.status).toBe("partial");
    expect(report?.warnings.join("\n")).toMatch(/time budget exhausted/);
    // The achieved view is fresh (not refreshed); the stale claims chain is.
    expect(report?.metrics).toMatchObject({ gaps_found: LEADS.length, processed: 0, refreshed_views: 2 });
    const written = JSON.parse(await readFile(join(dir, "r.json"), "utf8")) as Report;
    expect(written.status).toBe("partial");
    expect(await advisoryLocks(db().pool)).toBe(0);
    // The session was cleaned and returned, not lost.
    expect(pool.totalCount).toBe(1);
    // A dry run reads the payment calculation too (its diagnoses come from the facts), so the knob goes.
    await setKnobs(db().pool, { paymentCalcSleepMs: 0 });
    expect((await job().runReconcile({ asOf: AS_OF, dryRun: true })).status).toBe("completed");
  });
});

/** A loopback port nothing listens on (a stopped server). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A server that accepts TCP connections and then does `answer` (nothing: a black hole). */
async function fakeServer(
  answer: (socket: Socket) => void = () => undefined,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.once("data", () => answer(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The FATAL a PostgreSQL that is starting up (or shutting down) sends instead of accepting a session. */
function startingUp(socket: Socket): void {
  const fields = Buffer.concat(
    [
      ["S", "FATAL"],
      ["V", "FATAL"],
      ["C", "57P03"],
      ["M", "the database system is starting up"],
    ]
      .map(([code, text]) => Buffer.from(`${code}${text}\0`))
      .concat(Buffer.from("\0")),
  );
  const header = Buffer.alloc(5);
  header.write("E", 0);
  header.writeInt32BE(fields.length + 4, 1);
  socket.end(Buffer.concat([header, fields]));
}

describe("database down at start", () => {
  const PASSWORD = "down-at-start-pw-8c1f";
  const url = (port: number) => `postgres://reconcile:${PASSWORD}@127.0.0.1:${port}/reconcile`;

  async function runAgainst(port: number) {
    const dir = await mkdtemp(join(tmpdir(), "reliability-down-"));
    const pool = new pg.Pool({ connectionString: url(port), connectionTimeoutMillis: 1_000 });
    const started = Date.now();
    const { error } = await settle(
      new ReconcileCabinetClaims14d(pool, { objects: TOY_OBJECTS }).runReconcile(
        { asOf: AS_OF },
        { sinks: [fileSink(join(dir, "r.json"), "json"), fileSink(join(dir, "r.csv"), "csv")] },
      ),
    );
    const elapsed = Date.now() - started;
    const left = { total: pool.totalCount, files: await readdir(dir) };
    await pool.end();
    return { error: error as Error, elapsed, ...left };
  }

  it("a stopped server (connection refused): DatabaseUnavailableError at once, nothing written", async () => {
    const { error, elapsed, total, files } = await runAgainst(await closedPort());
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(error.message).toMatch(/^cannot connect to the database: .*ECONNREFUSED/);
    expect(error.message).not.toContain(PASSWORD);
    expect(elapsed).toBeLessThan(1_000);
    expect(total).toBe(0);
    expect(files).toEqual([]);
  });

  it("a server that never answers: DatabaseUnavailableError after the pool's connect timeout, not later", async () => {
    const server = await fakeServer();
    try {
      const { error, elapsed, total, files } = await runAgainst(server.port);
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect(error.message).toMatch(/timeout/i);
      expect(elapsed).toBeGreaterThanOrEqual(950);
      expect(elapsed).toBeLessThan(2_500);
      expect(total).toBe(0);
      expect(files).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("a server still starting up (57P03): DatabaseUnavailableError, retryable", async () => {
    const server = await fakeServer(startingUp);
    try {
      const { error, files } = await runAgainst(server.port);
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect((error as DatabaseUnavailableError).transient).toBe(true);
      expect(error.message).toMatch(/the database system is starting up/);
      expect(files).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("the CLI: exit 1, one line naming DatabaseUnavailableError, no report files, no password", async () => {
    const dir = await mkdtemp(join(tmpdir(), "reliability-down-cli-"));
    let stdout = "";
    let stderr = "";
    const code = await main(
      [
        `--database-url=${url(await closedPort())}`,
        "--output-json",
        join(dir, "r.json"),
        "--output-csv",
        join(dir, "r.csv"),
      ],
      { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    );
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(
      /^reconcile-cabinet-claims-14d: DatabaseUnavailableError: connect: connecting to [^ ]+ failed: database unavailable: .*ECONNREFUSED.*\n$/,
    );
    expect(stderr.split("\n")).toHaveLength(2);
    expect(stderr).not.toContain(PASSWORD);
    expect(await readdir(dir)).toEqual([]);
  });
});
