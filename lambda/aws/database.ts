/**
 * One small `pg` pool per Lambda container, built from the secret (or `DATABASE_URL` outside AWS) and kept
 * across warm invocations. Before each run the pool is checked with one round trip, which is where a
 * rotated password shows up (SQLSTATE 28P01): the secret is then fetched again, once, and the pool rebuilt.
 */
import pg from "pg";
import { ping } from "../db/session.js";
import {
  asReconcileError,
  CredentialsError,
  errorCode,
  isAuthenticationError,
  isConnectionError,
  type ReconcileError,
} from "../errors.js";
import type { DbCredentials, SecretCredentials } from "./credentials.js";
import type { DatabaseSource, SslMode } from "./lambda-config.js";

/** A run holds one session; one spare lets a retry or a late cleanup never wait for the pool. */
const POOL_MAX = 2;
const CONNECT_TIMEOUT_MS = 10_000;
/** Long enough to be reused by the next scheduled run on a warm container, short enough to not linger. */
const IDLE_TIMEOUT_MS = 120_000;

export interface DatabaseLogger {
  warn(message: string, extra?: Record<string, unknown>): void;
}

/**
 * TLS for each mode: `verify-full` checks the server certificate and host name against Node's CAs plus
 * `NODE_EXTRA_CA_CERTS` (set by the stack to the Lambda runtime's bundle, which holds the RDS CAs);
 * `require` encrypts without verifying; `disable` is for a local server.
 */
export function sslOptions(mode: SslMode): pg.PoolConfig["ssl"] {
  if (mode === "disable") return false;
  return { rejectUnauthorized: mode === "verify-full" };
}

export interface DatabaseOptions {
  source: DatabaseSource;
  sslMode: SslMode;
  /** Required when `source.kind` is `secret`. */
  credentials?: SecretCredentials;
  logger?: DatabaseLogger;
}

export class Database {
  readonly #options: DatabaseOptions;
  #pool: pg.Pool | undefined;
  /** Where the pool points, for messages (never the password). */
  #target = "";

  constructor(options: DatabaseOptions) {
    if (options.source.kind === "secret" && !options.credentials) {
      throw new Error("Database: a secret source needs a SecretCredentials");
    }
    this.#options = options;
  }

  /**
   * A pool whose credentials PostgreSQL has just accepted. Throws `CredentialsError` when the credentials
   * are rejected (after one refetch of the secret), `ConfigurationError` when the database or host does not
   * exist or the server's certificate does not verify, and `DatabaseUnavailableError` only when the server
   * cannot be reached (docs/errors.md).
   */
  async ready(): Promise<pg.Pool> {
    if (!this.#pool) await this.#build(false);
    try {
      await this.#probe(this.#pool as pg.Pool);
      return this.#pool as pg.Pool;
    } catch (error) {
      if (!isAuthenticationError(error)) throw this.#unavailable(error);
      if (this.#options.source.kind !== "secret") {
        throw new CredentialsError(
          `the database rejected the credentials in DATABASE_URL (SQLSTATE ${errorCode(error)})`,
          { cause: error },
        );
      }
      this.#options.logger?.warn("database rejected the cached credentials: fetching the secret again", {
        sqlstate: errorCode(error),
      });
    }
    await this.#build(true);
    try {
      await this.#probe(this.#pool as pg.Pool);
      return this.#pool as pg.Pool;
    } catch (error) {
      if (isAuthenticationError(error)) {
        const secretId = this.#options.credentials?.secretId;
        throw new CredentialsError(
          `the database rejected the credentials in secret ${secretId}, also after fetching it again (SQLSTATE ${errorCode(error)})`,
          { cause: error },
        );
      }
      throw this.#unavailable(error);
    }
  }

  /** Closes the pool (tests, local harnesses); the next `ready()` builds a new one. */
  async end(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.end().catch(() => undefined);
  }

  async #build(forceFetch: boolean): Promise<void> {
    const { source, sslMode } = this.#options;
    const common: pg.PoolConfig = {
      max: POOL_MAX,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: IDLE_TIMEOUT_MS,
      keepAlive: true,
      // Idle connections do not keep a local process alive (harnesses, the bundle smoke test).
      allowExitOnIdle: true,
      ssl: sslOptions(sslMode),
      application_name: "reconcile-cabinet-claims-14d",
    };
    let config: pg.PoolConfig;
    if (source.kind === "url") {
      config = { ...common, connectionString: source.url };
      this.#target = describeUrl(source.url);
    } else {
      const credentials: DbCredentials = await (this.#options.credentials as SecretCredentials).get({
        forceFetch,
      });
      config = {
        ...common,
        host: credentials.host,
        port: credentials.port,
        user: credentials.user,
        password: credentials.password,
        database: credentials.database,
      };
      this.#target = `${credentials.host}:${credentials.port}/${credentials.database}`;
    }
    const old = this.#pool;
    const pool = new pg.Pool(config);
    // A connection that dies while idle (failover, server restart) must not crash the container.
    pool.on("error", (error) => {
      this.#options.logger?.warn("idle database connection lost", {
        error: error.message,
        sqlstate: errorCode(error),
      });
    });
    this.#pool = pool;
    await old?.end().catch(() => undefined);
  }

  /**
   * One round trip. An idle connection kept from a previous invocation may have died while the container
   * was frozen: it is discarded and a fresh one tried, once.
   */
  async #probe(pool: pg.Pool): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect();
      // A checked-out client has no pool listener: a socket dying now would be an uncaught 'error'.
      const ignore = () => undefined;
      client.on("error", ignore);
      try {
        await ping(client);
        client.off("error", ignore);
        client.release();
        return;
      } catch (error) {
        client.off("error", ignore);
        client.release(error instanceof Error ? error : true);
        if (attempt >= 2 || !isConnectionError(error)) throw error;
      }
    }
  }

  /** The error in the job's words, naming the phase and the target (docs/contract.md §9.9). */
  #unavailable(error: unknown): ReconcileError {
    return asReconcileError(error, { phase: "connect", action: "connecting to", object: this.#target });
  }
}

/** `host:port/database` of a connection string, without user or password. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
  } catch {
    return "(DATABASE_URL)";
  }
}
