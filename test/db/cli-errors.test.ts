/**
 * Errors in words (docs/contract.md §9.9, docs/errors.md), each provoked on a real PostgreSQL: a view that
 * raises on an impossible date, a lock wait and a statement timeout, a database that does not exist, a
 * rejected role, a malformed URL. Each asserts the error's name, the CLI's exit code, and that the one line
 * names the phase and the object. How the run names its phases is the run's business; here the helper the
 * run calls (`asReconcileError`) is given the phase and object and its line is checked.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../lambda/cli/command.js";
import { exitCodeOf, main } from "../../lambda/cli/main.js";
import {
  asReconcileError,
  ConfigurationError,
  CredentialsError,
  DatabaseUnavailableError,
  LockWaitError,
  SourceDataError,
  StatementTimeoutError,
} from "../../lambda/errors.js";
import { useTestDatabase } from "../support/db.js";
import { createLoginRole } from "../support/login-role.js";
import { createToySchema, seedToy, TOY_OBJECTS } from "../support/toy-schema.js";

const OBJECTS = [
  `--claims-view=${TOY_OBJECTS.claimsView}`,
  `--achieved-view=${TOY_OBJECTS.achievedView}`,
  `--payment-calc-view=${TOY_OBJECTS.paymentCalcView}`,
  `--trips-table=${TOY_OBJECTS.tripsTable}`,
];
const AS_OF = "--as-of=2026-11-10";

async function cli(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** The error a query raises (fails the test when it raises none). */
async function failureOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected the query to fail");
}

/** Runs `fn` while another session, inside an open transaction, holds the locks `statement` took. */
async function whileLocked<T>(url: string, statement: string, fn: () => Promise<T>): Promise<T> {
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  try {
    await holder.query("BEGIN");
    await holder.query(statement);
    return await fn();
  } finally {
    await holder.query("ROLLBACK").catch(() => undefined);
    await holder.end();
  }
}

describe("errors in words", () => {
  const db = useTestDatabase();
  /** The test database's URL with another database name, user or password. */
  const urlWith = (change: (u: URL) => void) => {
    const u = new URL(db().url);
    change(u);
    return u.toString();
  };
  const target = () => {
    const u = new URL(db().url);
    return `${u.hostname}:${u.port}/${db().name}`;
  };

  beforeAll(async () => {
    const client = db().pool as unknown as pg.ClientBase;
    await createToySchema(client);
    await seedToy(client, [
      {
        driver_id: "stale",
        lead_date: "2026-11-01",
        milestone: 5,
        achieved: "2026-11-02",
        claim: "stale",
        trips: { 1: 5 },
      },
      { driver_id: "bad", lead_date: "2026-11-02", milestone: 1, achieved: "2026-11-03", trips: { 1: 1 } },
    ]);
    // A gap view like the deployment's: it parses a DD-MM-YYYY text, and one row holds a day that does not
    // exist. PostgreSQL raises 22008 when (and only when) that row is read.
    await db().pool.query(`
      CREATE VIEW toy.v_gap_bad_dates AS
        SELECT driver_id,
               CASE WHEN driver_id = 'bad' THEN to_date('31-02-2025', 'DD-MM-YYYY') ELSE lead_date END AS lead_date,
               milestone_value, gap_reason, claim_status, person_key, expected_amount
          FROM toy.v_gap`);
  });

  describe("a view that raises on its data (SQLSTATE class 22)", () => {
    it("the helper: SourceDataError, not transient, one line naming the phase and the view", async () => {
      const error = await failureOf(() => db().pool.query("SELECT * FROM toy.v_gap_bad_dates"));
      const named = asReconcileError(error, { phase: "identify", object: "toy.v_gap_bad_dates" });
      expect(named).toBeInstanceOf(SourceDataError);
      expect(named.name).toBe("SourceDataError");
      expect(named.transient).toBe(false);
      expect(named.message).toBe(
        'identify: reading toy.v_gap_bad_dates failed: date/time field value out of range: "31-02-2025"',
      );
      expect(named.cause).toBe(error);
      expect(exitCodeOf(named)).toBe(EXIT.failed);
    });

    it("the CLI: SourceDataError in one line naming the run's phase and the view, exit 1, nothing on stdout", async () => {
      const run = await cli([
        `--database-url=${db().url}`,
        "--gap-view=toy.v_gap_bad_dates",
        ...OBJECTS,
        AS_OF,
      ]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(
        /^reconcile-cabinet-claims-14d: SourceDataError: identify: reading toy\.v_gap_bad_dates failed: date\/time field value out of range: "31-02-2025"\n$/,
      );
    });
  });

  describe("a lock wait and a statement timeout, worded apart", () => {
    it("the helper: 55P03 is LockWaitError (transient), 57014 is StatementTimeoutError; both name phase and object", async () => {
      const reader = new pg.Client({ connectionString: db().url });
      await reader.connect();
      try {
        const [lockWait, timeout] = await whileLocked(
          db().url,
          "LOCK TABLE toy.gap_rows IN ACCESS EXCLUSIVE MODE",
          async () => {
            await reader.query("SET lock_timeout = '200ms'");
            const lockWait = await failureOf(() => reader.query("SELECT * FROM toy.v_gap"));
            await reader.query("SET lock_timeout = 0; SET statement_timeout = '200ms'");
            const timeout = await failureOf(() => reader.query("SELECT * FROM toy.v_gap"));
            return [lockWait, timeout];
          },
        );
        const waited = asReconcileError(lockWait, { phase: "identify", object: "toy.v_gap" });
        expect(waited).toBeInstanceOf(LockWaitError);
        expect(waited.name).toBe("LockWaitError");
        expect(waited.transient).toBe(true);
        expect(waited.message).toBe(
          "identify: reading toy.v_gap failed: gave up waiting for a lock held by another session: canceling statement due to lock timeout",
        );
        const timedOut = asReconcileError(timeout, { phase: "identify", object: "toy.v_gap" });
        expect(timedOut).toBeInstanceOf(StatementTimeoutError);
        expect(timedOut.name).toBe("StatementTimeoutError");
        expect(timedOut.transient).toBe(false);
        expect(timedOut.message).toBe(
          "identify: reading toy.v_gap failed: the statement was cancelled: canceling statement due to statement timeout",
        );
        expect(exitCodeOf(waited)).toBe(EXIT.failed);
        expect(exitCodeOf(timedOut)).toBe(EXIT.failed);
      } finally {
        await reader.end();
      }
    });

    it("the CLI: a refresh that waits out its lock_timeout is a refresh failure: the report on stdout, the reason on stderr, exit 3", async () => {
      // A materialized view cannot be named in LOCK TABLE; a refresh left open in a transaction holds it.
      const run = await whileLocked(db().url, "REFRESH MATERIALIZED VIEW toy.mv_lower", () =>
        cli([
          `--database-url=${db().url}`,
          `--gap-view=${TOY_OBJECTS.gapView}`,
          ...OBJECTS,
          AS_OF,
          "--refresh-lock-timeout=300",
          "--json",
        ]),
      );
      expect(run.code).toBe(EXIT.attention);
      const report = JSON.parse(run.stdout);
      expect(report.metrics.refresh_failures).toBeGreaterThan(0);
      const failed = report.refreshed_views.find((r: { name: string }) => r.name === "toy.mv_lower");
      expect(failed.ok).toBe(false);
      expect(failed.error).toMatch(/lock timeout/);
      expect(run.stderr).toMatch(/the run completed with \d+ refresh failure\(s\): exit 3\n$/);
    });
  });

  it("a database that does not exist: ConfigurationError, exit 2, one line naming connect and the database", async () => {
    const name = `reconcile_missing_${randomBytes(4).toString("hex")}`;
    const run = await cli([`--database-url=${urlWith((u) => (u.pathname = `/${name}`))}`, "--dry-run"]);
    expect(run.code).toBe(EXIT.usage);
    const host = new URL(db().url);
    expect(run.stderr).toBe(
      `reconcile-cabinet-claims-14d: ConfigurationError: connect: connecting to ${host.hostname}:${host.port}/${name} failed: database "${name}" does not exist (check the database name in the connection string (--database-url / DATABASE_URL / the secret))\n`,
    );
  });

  it("a rejected role or password: CredentialsError, exit 2, one line naming connect and the target, never the password", async () => {
    const password = `right-${randomBytes(6).toString("hex")}`;
    const wrong = `wrong-${randomBytes(6).toString("hex")}`;
    const role = await createLoginRole(db().url, password);
    try {
      const run = await cli([
        `--database-url=${urlWith((u) => {
          u.username = role.name;
          u.password = wrong;
        })}`,
        "--dry-run",
      ]);
      expect(run.code).toBe(EXIT.usage);
      expect(run.stderr).toMatch(
        new RegExp(
          `^reconcile-cabinet-claims-14d: CredentialsError: connect: connecting to ${target().replace(/\./g, "\\.")} failed: password authentication failed for user "${role.name}" \\(check the role and password[^\\n]*\\)\\n$`,
        ),
      );
      expect(run.stderr).not.toContain(wrong);
      expect(run.stderr).not.toContain(password);
    } finally {
      await role.drop();
    }
  });

  it("a malformed URL: ConfigurationError, exit 2, one line naming connect, never the URL; nothing dials", async () => {
    for (const url of [
      "base",
      "postgres://me:s3cret@127.0.0.1:notaport/db",
      "mysql://me:s3cret@127.0.0.1/db",
    ]) {
      const run = await cli([`--database-url=${url}`, "--dry-run"]);
      expect(run.code).toBe(EXIT.usage);
      expect(run.stderr).toMatch(
        /^reconcile-cabinet-claims-14d: ConfigurationError: connect: the database URL in --database-url \/ DATABASE_URL [^\n]*expected postgresql:\/\/user:password@host:5432\/database[^\n]*\n$/,
      );
      expect(run.stderr).not.toContain("s3cret");
    }
  });

  it("a server that refuses connections stays the transient DatabaseUnavailableError (exit 1), naming connect and the target", async () => {
    const run = await cli([`--database-url=${urlWith((u) => (u.port = "1"))}`, "--dry-run"]);
    expect(run.code).toBe(EXIT.failed);
    expect(run.stderr).toMatch(
      /^reconcile-cabinet-claims-14d: DatabaseUnavailableError: connect: connecting to [^ ]+:1\/[^ ]+ failed: database unavailable: [^\n]*ECONNREFUSED[^\n]*\n$/,
    );
    const error = asReconcileError(
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      {
        phase: "connect",
        action: "connecting to",
        object: "h:1/d",
      },
    );
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(error.transient).toBe(true);
  });

  it("the first release's form (a plain string) still works", () => {
    const cause = Object.assign(new Error("boom"), { code: "XX000" });
    const named = asReconcileError(cause, "reconcile run");
    expect(named.message).toBe("reconcile run failed: boom");
    expect(named.cause).toBe(cause);
    expect(asReconcileError(Object.assign(new Error("nope"), { code: "3D000" }), "x")).toBeInstanceOf(
      ConfigurationError,
    );
    expect(asReconcileError(Object.assign(new Error("no"), { code: "28P01" }), "x")).toBeInstanceOf(
      CredentialsError,
    );
  });
});
