/**
 * Issue 23 (docs/contract.md §10.4), the library and CLI side: each edge a review and a real deployment
 * found, on real PostgreSQL (the toy schema). The Lambda side is in `handler-hardening.test.ts`.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EXIT } from "../../lambda/cli/command.js";
import { main } from "../../lambda/cli/main.js";
import { DEFAULT_LOCK_KEY } from "../../lambda/config.js";
import type { Report, ReportSink } from "../../lambda/core/types.js";
import { ContractError, LockWaitError, StatementTimeoutError } from "../../lambda/errors.js";
import { ReconcileCabinetClaims14d } from "../../lambda/reconcile.js";
import { fileSink } from "../../lambda/report/file-sink.js";
import { useTestDatabase } from "../support/db.js";
import { createLoginRole, type LoginRole } from "../support/login-role.js";
import {
  createToySchema,
  seedToy,
  TOY_CLI_OBJECTS,
  TOY_OBJECTS,
  type ToyLead,
} from "../support/toy-schema.js";

const AS_OF = "2026-11-10";

const lead = (driver_id: string, lead_date: string, over: Partial<ToyLead> = {}): ToyLead => ({
  driver_id,
  lead_date,
  milestone: 1,
  achieved: lead_date,
  trips: { 1: 1 },
  ...over,
});

async function cli(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** Every statement (text and values) the pool's clients send, in order. */
function recordStatements(pool: pg.Pool): Array<{ text: string; values: unknown[] }> {
  const sent: Array<{ text: string; values: unknown[] }> = [];
  pool.on("connect", (client) => {
    const original = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const [first, second] = args;
      const text =
        typeof first === "string" ? first : String((first as { text?: string } | undefined)?.text ?? "");
      sent.push({ text, values: Array.isArray(second) ? second : [] });
      return original(...args);
    };
  });
  return sent;
}

describe("hardening (contract §10.4)", () => {
  const db = useTestDatabase();
  const client = () => db().pool as unknown as pg.ClientBase;
  const job = (pool: pg.Pool = db().pool, options: { statementTimeoutMs?: number } = {}) =>
    new ReconcileCabinetClaims14d(pool, { objects: TOY_OBJECTS, ...options });
  /** Makes reading a toy view take `ms` (once per statement that reads it). */
  const slowDown = async (view: "v_gap" | "v_achieved", ms: number) => {
    await client().query(`ALTER VIEW toy.${view} RENAME TO ${view}_fast`);
    await client().query(
      `CREATE VIEW toy.${view} AS SELECT * FROM toy.${view}_fast WHERE (SELECT toy.nap(${Number(ms)}))`,
    );
  };
  let dir = "";
  const roles: LoginRole[] = [];
  const urlAs = (role: LoginRole, password: string) => {
    const u = new URL(db().url);
    u.username = role.name;
    u.password = password;
    return u.toString();
  };

  beforeEach(async () => {
    await createToySchema(client());
    await client().query(`CREATE FUNCTION toy.nap(ms int) RETURNS boolean LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(ms / 1000.0); RETURN true; END $$`);
    dir = await mkdtemp(join(tmpdir(), "hardening-"));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    for (const role of roles.splice(0)) await role.drop();
  });

  it("asOf bounds the window on both sides: a lead after the as-of date is not counted and uses no limit", async () => {
    // Prepare: one lead inside the window, two after the as-of date (newer, so first in the job's order).
    await seedToy(client(), [
      lead("inside", "2026-11-01"),
      lead("future1", "2026-11-11"),
      lead("future2", "2026-11-20"),
    ]);
    // Act
    const report = await job().runReconcile({ asOf: AS_OF, limit: 1, dryRun: true });
    // Assess: the window holds the one lead on or before the as-of date, and it is the one analysed.
    expect(report.metrics).toMatchObject({ gaps_found: 1, processed: 1 });
    expect(report.rows?.map((r) => [r.driver_id, r.lead_date])).toEqual([["inside", "2026-11-01"]]);
  });

  it("a skipped run writes no report and keeps the last one; the CLI prints the status", async () => {
    // Prepare: the last report in place, and another run holding the lock.
    await seedToy(client(), [lead("a", "2026-11-01", { claim: "stale" })]);
    const json = join(dir, "report.json");
    const csv = join(dir, "report.csv");
    await writeFile(json, '{"last":"report"}');
    const holder = new pg.Client({ connectionString: db().url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [DEFAULT_LOCK_KEY.toString()]);
      // Act: the library with file outputs, then the CLI.
      const report = await job().runReconcile(
        { asOf: AS_OF },
        { sinks: [fileSink(json, "json"), fileSink(csv, "csv"), fileSink(join(dir, "r.html"), "html")] },
      );
      const run = await cli([
        `--database-url=${db().url}`,
        ...TOY_CLI_OBJECTS,
        `--as-of=${AS_OF}`,
        `--output-json=${json}`,
        `--output-csv=${csv}`,
      ]);
      // Assess: both skipped; nothing written beside the last report, which is untouched.
      expect(report.status).toBe("skipped");
      expect(run.code).toBe(EXIT.ok);
      expect(run.stdout).toMatch(/^reconcile-cabinet-claims-14d {2}SKIPPED /);
      expect(run.stdout).toContain("no report was written");
      expect(await readFile(json, "utf8")).toBe('{"last":"report"}');
      expect(await readdir(dir)).toEqual(["report.json"]);
    } finally {
      await holder.end();
    }
  });

  it("the session and the run lock are given back before the outputs finish", async () => {
    // Prepare: an output that looks at the database while it finishes (as a slow S3 upload would wait).
    await seedToy(client(), [lead("a", "2026-11-01", { claim: "stale" })]);
    const pool = new pg.Pool({ connectionString: db().url, max: 1 });
    const seen: Array<{ locks: number; busy: number; status: string }> = [];
    const probe: ReportSink = {
      start: async () => undefined,
      row: async () => undefined,
      finish: async (report: Report) => {
        const { rows } = await db().pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        seen.push({ locks: rows[0]?.n ?? -1, busy: pool.totalCount - pool.idleCount, status: report.status });
      },
      abort: async () => undefined,
    };
    try {
      // Act
      const report = await job(pool).runReconcile({ asOf: AS_OF }, { sinks: [probe] });
      // Assess: the output finished the completed report with no lock held and the session back in the pool.
      expect(report.status).toBe("completed");
      expect(seen).toEqual([{ locks: 0, busy: 0, status: "completed" }]);
    } finally {
      await pool.end();
    }
  });

  it("a deadline already passed when the session opens ends the run partial at once: nothing read, no unlimited statement, no output", async () => {
    // Prepare: a pool whose connection takes longer than the time the run was given.
    await seedToy(client(), [lead("a", "2026-11-01")]);
    const pool = new pg.Pool({ connectionString: db().url, max: 1 });
    const sent = recordStatements(pool);
    const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
    (pool as unknown as { connect: () => Promise<pg.PoolClient> }).connect = async () => {
      await new Promise((resolve) => setTimeout(resolve, 2_400));
      return connect();
    };
    const json = join(dir, "report.json");
    try {
      // Act
      const report = await job(pool).runReconcile(
        { asOf: AS_OF },
        { deadline: Date.now() + 2_100, sinks: [fileSink(json, "json")] },
      );
      // Assess
      expect(report.status).toBe("partial");
      expect(report.warning_details.map((w) => w.code)).toEqual(["time_budget_exhausted"]);
      expect(report.metrics.processed).toBe(0);
      expect(sent.filter((s) => s.values.includes("0ms"))).toEqual([]);
      expect(sent.filter((s) => /toy\.|pg_try_advisory_lock/.test(s.text))).toEqual([]);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await pool.end();
    }
  });

  it("every phase is capped at the time left: a slow read after a slow one ends the run partial by the deadline", async () => {
    // Prepare: identify reads the gap view (1.5 s), verify reads the achieved view (8 s).
    await seedToy(client(), [lead("a", "2026-11-01", { claim: "stale" })]);
    await slowDown("v_gap", 1_500);
    await slowDown("v_achieved", 8_000);
    const deadline = Date.now() + 4_500;
    // Act
    const report = await job().runReconcile({ asOf: AS_OF }, { deadline });
    const ended = Date.now();
    // Assess: cut in verify by the deadline, not 1.5 s after it (the cap identify set).
    expect(report.status).toBe("partial");
    expect(report.phases.map((p) => p.phase)).toEqual(["contract", "identify", "verify"]);
    expect(ended).toBeLessThan(deadline + 700);
  }, 30_000);

  it("a role's stricter statement_timeout is kept and said; a read it cancels is a statement timeout, not partial", async () => {
    // Prepare: a DBA's 1.5 s on the job's role; the achieved view takes 3 s to read on the second run.
    await seedToy(client(), [lead("a", "2026-11-01")]);
    const password = randomBytes(8).toString("hex");
    const role = await createLoginRole(db().url, password);
    roles.push(role);
    await client().query(`ALTER ROLE ${role.name} SET statement_timeout = '1500ms'`);
    await client().query("GRANT USAGE ON SCHEMA toy TO PUBLIC");
    await role.grantRead(["toy"]);
    const pool = new pg.Pool({ connectionString: urlAs(role, password), max: 1 });
    try {
      // Act
      const fast = await job(pool).runReconcile({ asOf: AS_OF, dryRun: true });
      await slowDown("v_achieved", 3_000);
      await role.grantRead(["toy"]);
      const slow = await job(pool)
        .runReconcile({ asOf: AS_OF, dryRun: true }, { deadline: Date.now() + 60_000 })
        .catch((error: unknown) => error);
      // Assess
      expect(fast.timeouts).toEqual({
        statement_timeout_ms: 1_500,
        statement_timeout_from: "role",
        lock_timeout_ms: 30_000,
        lock_timeout_from: "job",
      });
      expect(slow).toBeInstanceOf(StatementTimeoutError);
      expect((slow as Error).message).toMatch(/^verify: reading .*toy\.v_achieved/);
    } finally {
      await pool.end();
    }
  }, 30_000);

  it("a read waiting on a lock fails as LockWaitError naming what holds it, even under a shorter statement_timeout", async () => {
    // Prepare: another session holds the upper claims view as a plain REFRESH would.
    await seedToy(client(), [lead("a", "2026-11-01")]);
    const holder = new pg.Client({ connectionString: db().url });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("REFRESH MATERIALIZED VIEW toy.mv_upper");
      // Act: the event field, a statement_timeout shorter than the lock timeout, and the CLI flag.
      const started = Date.now();
      const byEvent = await job()
        .runReconcile({ asOf: AS_OF, dryRun: true, lockTimeoutMs: 300 })
        .catch((error: unknown) => error);
      const waited = Date.now() - started;
      const shorter = await job(db().pool, { statementTimeoutMs: 1_000 })
        .runReconcile({ asOf: AS_OF, dryRun: true })
        .catch((error: unknown) => error);
      const run = await cli([
        `--database-url=${db().url}`,
        ...TOY_CLI_OBJECTS,
        `--as-of=${AS_OF}`,
        "--dry-run",
        "--lock-timeout=300",
      ]);
      // Assess
      for (const error of [byEvent, shorter]) {
        expect(error).toBeInstanceOf(LockWaitError);
        expect((error as Error).message).toMatch(
          /^identify: reading toy\.v_gap failed: gave up after waiting \d+ ms \(lock_timeout\) for a lock held by another session \(toy\.mv_upper by pid \d+\)/,
        );
      }
      expect(waited).toBeLessThan(5_000);
      expect(run.code).toBe(EXIT.failed);
      expect(run.stderr).toMatch(
        /^reconcile-cabinet-claims-14d: LockWaitError: identify: [^\n]*toy\.mv_upper[^\n]*\n$/,
      );
    } finally {
      await holder.query("ROLLBACK").catch(() => undefined);
      await holder.end();
    }
  }, 30_000);

  it("a role without TEMPORARY is a ContractError before any work: exit 2, one line", async () => {
    // Prepare: a role that may read everything but create no temp table in this database.
    await seedToy(client(), [lead("a", "2026-11-01")]);
    const password = randomBytes(8).toString("hex");
    const role = await createLoginRole(db().url, password);
    roles.push(role);
    await role.grantRead(["toy"]);
    await client().query(`REVOKE TEMPORARY ON DATABASE ${db().name} FROM PUBLIC`);
    const pool = new pg.Pool({ connectionString: urlAs(role, password), max: 1 });
    const sent = recordStatements(pool);
    try {
      // Act
      const error = await job(pool)
        .runReconcile({ asOf: AS_OF, dryRun: true })
        .catch((e: unknown) => e);
      const run = await cli([`--database-url=${urlAs(role, password)}`, ...TOY_CLI_OBJECTS, "--dry-run"]);
      // Assess
      expect(error).toBeInstanceOf(ContractError);
      expect(error).toMatchObject({ privilege: "TEMPORARY" });
      expect(sent.filter((s) => /CREATE TEMP|pg_try_advisory_lock/i.test(s.text))).toEqual([]);
      expect(run.code).toBe(EXIT.usage);
      expect(run.stderr).toMatch(
        new RegExp(
          `^reconcile-cabinet-claims-14d: ContractError: contract: role "${role.name}" may not create temporary tables in this database [^\\n]*GRANT TEMPORARY[^\\n]*\\n$`,
        ),
      );
    } finally {
      await pool.end();
      await client().query(`GRANT TEMPORARY ON DATABASE ${db().name} TO PUBLIC`);
    }
  });
});
