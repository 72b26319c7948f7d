/**
 * Fault-injection helpers for the reliability tests: variants of the toy schema whose materialized views
 * or views can be made slow on demand (a "knob" row read by a function that sleeps), and small probes of
 * the server's state (the job's sessions, advisory locks).
 */
import pg from "pg";
import { TOY_SCHEMA } from "../support/toy-schema.js";

type Queryable = Pick<pg.ClientBase, "query">;

/** application_name the job sets on its session (lambda/reconcile.ts). */
export const JOB_APPLICATION = "reconcile-cabinet-claims-14d";

function replaceOnce(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`toy schema changed: cannot find ${JSON.stringify(from)}`);
  return text.replace(from, () => to);
}

/**
 * The toy schema with three knobs (milliseconds, 0 by default):
 * - `refresh_sleep_ms`: `toy.mv_lower` is built by a function that sleeps first, so a REFRESH of it takes
 *   that long (the previous rows stay readable while a concurrent one runs);
 * - `payment_calc_sleep_ms`: reading `toy.v_payment_calc` sleeps; only the final (post-refresh) query of a
 *   run reads it, so this holds a run between its refresh and its report;
 * - and an independent materialized view `toy.mv_achieved` under the canonical achieved view, so the
 *   closure has a branch that does not depend on the claims chain.
 */
export const SLOW_TOY_SCHEMA = replaceOnce(
  replaceOnce(
    replaceOnce(
      TOY_SCHEMA,
      "CREATE MATERIALIZED VIEW toy.mv_lower AS SELECT * FROM toy.claim_source;",
      `CREATE FUNCTION toy.slow_claim_source() RETURNS SETOF toy.claim_source LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_sleep((SELECT refresh_sleep_ms FROM toy.knobs) / 1000.0);
  RETURN QUERY SELECT * FROM toy.claim_source;
END $$;
CREATE MATERIALIZED VIEW toy.mv_lower AS SELECT * FROM toy.slow_claim_source();`,
    ),
    "CREATE VIEW toy.v_payment_calc AS SELECT * FROM toy.payment_calc;",
    // Uncorrelated, so evaluated once per scan (an InitPlan), not once per row.
    `CREATE TABLE toy.knobs (refresh_sleep_ms int NOT NULL, payment_calc_sleep_ms int NOT NULL);
INSERT INTO toy.knobs VALUES (0, 0);
CREATE FUNCTION toy.pause_payment_calc() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_sleep((SELECT payment_calc_sleep_ms FROM toy.knobs) / 1000.0);
  RETURN true;
END $$;
CREATE VIEW toy.v_payment_calc AS SELECT * FROM toy.payment_calc WHERE (SELECT toy.pause_payment_calc());`,
  ),
  "CREATE VIEW toy.v_achieved AS SELECT * FROM toy.achieved;",
  `CREATE MATERIALIZED VIEW toy.mv_achieved AS SELECT * FROM toy.achieved;
CREATE VIEW toy.v_achieved AS SELECT * FROM toy.mv_achieved;`,
);

export async function createSlowToySchema(client: Queryable): Promise<void> {
  await client.query("DROP EVENT TRIGGER IF EXISTS toy_refresh_log");
  await client.query("DROP SCHEMA IF EXISTS toy CASCADE");
  await client.query(SLOW_TOY_SCHEMA);
}

/** `seedToy` refreshes the claims chain; the achieved view of the slow variant needs it too. */
export async function refreshAchieved(client: Queryable): Promise<void> {
  await client.query("REFRESH MATERIALIZED VIEW toy.mv_achieved");
  await client.query("TRUNCATE toy.refresh_log");
}

export async function setKnobs(
  client: Queryable,
  knobs: { refreshSleepMs?: number; paymentCalcSleepMs?: number },
): Promise<void> {
  await client.query(
    `UPDATE toy.knobs SET refresh_sleep_ms = COALESCE($1, refresh_sleep_ms),
                          payment_calc_sleep_ms = COALESCE($2, payment_calc_sleep_ms)`,
    [knobs.refreshSleepMs ?? null, knobs.paymentCalcSleepMs ?? null],
  );
}

/** Advisory locks held anywhere on the server. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Advisory locks held in this database (other test files run in parallel on the same server). A session
 * killed with pg_terminate_backend releases its locks as its backend exits, a moment after the client has
 * seen the connection close, so this waits up to `waitMs` for the count to reach 0: a lock still held by
 * a live session stays and is returned.
 */
export async function advisoryLocks(client: Queryable, waitMs = 5_000): Promise<number> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks
        WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    const n = rows[0]?.n ?? 0;
    if (n === 0 || Date.now() >= deadline) return n;
    await sleep(50);
  }
}

/** Sessions of the job (by application_name) connected to one database. */
export async function jobSessions(client: Queryable, database: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = $2",
    [JOB_APPLICATION, database],
  );
  return rows[0]?.n ?? 0;
}

/**
 * Waits until a session of the job runs a statement matching `pattern` (e.g. `^REFRESH`) and sleeps in
 * one of the knobs' `pg_sleep` (so a fast statement that merely matches is never the one picked), and
 * returns its pid. `pg_stat_activity.query` holds only the first 1 kB of the text. Throws after `timeoutMs`.
 */
export async function waitForJobStatement(
  client: Queryable,
  database: string,
  pattern: string,
  timeoutMs = 15_000,
): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE application_name = $1 AND datname = $2 AND state = 'active' AND query ~ $3
          AND wait_event = 'PgSleep'`,
      [JOB_APPLICATION, database, pattern],
    );
    if (rows[0]) return rows[0].pid;
    if (Date.now() > until) {
      const seen = await client.query<{ state: string; query: string }>(
        "SELECT state, left(query, 200) AS query FROM pg_stat_activity WHERE application_name = $1 AND datname = $2",
        [JOB_APPLICATION, database],
      );
      throw new Error(
        `no job statement matching ${pattern} within ${timeoutMs} ms; the job's sessions: ${JSON.stringify(seen.rows)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A pool the job alone uses, so a test can count what it leaves behind. */
export function jobPool(url: string, options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2, ...options });
  return pool;
}
