/**
 * The one database session a run uses: its settings, the run lock, and how it is given back. Every
 * statement that shapes the session is here, so the run itself holds no SQL (docs/contract.md §4 step 1).
 */
import type pg from "pg";
import {
  ConfigurationError,
  DatabaseUnavailableError,
  errorCode,
  isConnectionError,
  SQLSTATE,
} from "../errors.js";

/** The cheapest round trip that proves a connection answers (a pool's client may be a dead socket). */
export async function ping(client: pg.ClientBase): Promise<void> {
  await client.query("SELECT 1");
}

/** What the run learns once about the server: the version decides SQL text, the role names refusals. */
export interface SessionFacts {
  /** `server_version_num`, e.g. 170004. */
  readonly version: number;
  readonly role: string;
  /**
   * The session's own `statement_timeout` and `lock_timeout` before the job sets its own (ms, 0 = none):
   * the role's, the database's or the server's setting. A stricter one is kept (`applyRoleTimeouts`).
   */
  readonly roleStatementTimeoutMs: number;
  readonly roleLockTimeoutMs: number;
}

/**
 * Session settings: the business day's time zone and a name operators can find. The timeouts are set by
 * the first phase's cap (`setTimeouts`), once the role's own are known.
 */
export async function prepareSession(
  client: pg.ClientBase,
  settings: { timeZone: string },
): Promise<SessionFacts> {
  try {
    const { rows } = await client.query<{ version: number; role: string; st: string; lt: string }>(
      `SELECT set_config('TimeZone', $1, false),
              set_config('application_name', 'reconcile-cabinet-claims-14d', false),
              current_setting('server_version_num')::int AS version, current_user::text AS role,
              (SELECT setting FROM pg_catalog.pg_settings WHERE name = 'statement_timeout') AS st,
              (SELECT setting FROM pg_catalog.pg_settings WHERE name = 'lock_timeout') AS lt`,
      [settings.timeZone],
    );
    const facts = rows[0] as { version: number; role: string; st: string; lt: string };
    return {
      version: Number(facts.version),
      role: facts.role,
      roleStatementTimeoutMs: Number(facts.st),
      roleLockTimeoutMs: Number(facts.lt),
    };
  } catch (error) {
    if (errorCode(error) === SQLSTATE.INVALID_PARAMETER_VALUE) {
      throw new ConfigurationError(`time zone "${settings.timeZone}" is not known to PostgreSQL`, {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Takes the session-level run lock without waiting, and reads the database's business day. A dry run
 * refreshes nothing, so it takes no lock: an operator's dry run never makes the scheduled run skip (§9.10).
 */
export async function takeRunLock(
  client: pg.ClientBase,
  key: bigint,
  dryRun: boolean,
): Promise<{ locked: boolean; today: string }> {
  const { rows } = await client.query<{ locked: boolean; today: string }>(
    `SELECT CASE WHEN $2::boolean THEN true ELSE pg_try_advisory_lock($1::bigint) END AS locked,
            to_char(CURRENT_DATE, 'YYYY-MM-DD') AS today`,
    [key.toString(), dryRun],
  );
  return rows[0] as { locked: boolean; today: string };
}

/** Caps the statements that follow (a phase's share of the time budget) and their lock waits. */
export async function setTimeouts(client: pg.ClientBase, statementMs: number, lockMs: number): Promise<void> {
  await client.query(
    "SELECT set_config('statement_timeout', $1, false), set_config('lock_timeout', $2, false)",
    [`${statementMs}ms`, `${lockMs}ms`],
  );
}

/**
 * The relations other sessions hold locked against reading (ACCESS EXCLUSIVE: a plain REFRESH, DDL), in
 * this database: asked after a read gave up waiting on a lock, so the error names what it waited for.
 */
export async function exclusiveLocks(
  client: pg.ClientBase,
): Promise<Array<{ relation: string; pid: number }>> {
  const { rows } = await client.query<{ relation: string; pid: number }>(
    `SELECT l.relation::regclass::text AS relation, l.pid
       FROM pg_catalog.pg_locks l
       JOIN pg_catalog.pg_class c ON c.oid = l.relation AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
      WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock' AND l.granted
        AND l.pid <> pg_backend_pid()
        AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
      ORDER BY 1 LIMIT 5`,
  );
  return rows;
}

/**
 * Checks a session out of the pool, runs `fn` on it and gives it back (`releaseSession`) on every path.
 * A pool that cannot connect is `DatabaseUnavailableError`; `onError` runs before the error propagates.
 */
export async function withRunSession<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  onError: (error: unknown) => Promise<void>,
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseUnavailableError(`cannot connect to the database: ${reason}`, { cause: error });
  }
  const connection = watchConnection(client);
  let broken: unknown;
  try {
    return await fn(client);
  } catch (error) {
    if (isConnectionError(error)) broken = error;
    await onError(error);
    throw error;
  } finally {
    await releaseSession(client, connection.lost() ?? broken);
    connection.stop();
  }
}

/**
 * Watches a checked-out client for the loss of its connection. A checked-out client has no pool listener:
 * when its socket dies (backend terminated, failover) `pg` emits 'error' on it, and with no listener that
 * is an uncaught exception that ends the process. The pending query is rejected anyway; here the loss is
 * only recorded, so that `releaseSession` destroys the client instead of returning it.
 */
export function watchConnection(client: pg.PoolClient): { lost: () => unknown; stop: () => void } {
  let lost: unknown;
  const onError = (error: Error) => {
    lost ??= error;
  };
  client.on("error", onError);
  return { lost: () => lost, stop: () => client.off("error", onError) };
}

/**
 * Gives the session back clean: the advisory lock released, the temp table and settings discarded. A
 * session that failed (or cannot be cleaned) is destroyed instead; PostgreSQL then drops its lock itself.
 */
export async function releaseSession(client: pg.PoolClient, broken: unknown): Promise<void> {
  if (broken) {
    client.release(broken instanceof Error ? broken : true);
    return;
  }
  try {
    await client.query("ROLLBACK").catch(() => undefined);
    await client.query("SELECT pg_advisory_unlock_all()");
    await client.query("DISCARD ALL");
    client.release();
  } catch (error) {
    client.release(error instanceof Error ? error : true);
  }
}
