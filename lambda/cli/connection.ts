/**
 * The CLI's connection: the URL checked before anything dials, TLS chosen by the rule of docs/contract.md
 * §9.11, and one round trip before the run so that a missing database, a rejected role or an unreachable
 * server is reported in the job's words (docs/errors.md) rather than as whatever the run was doing.
 */
import pg from "pg";
import { ping } from "../db/session.js";
import { asReconcileError, ConfigurationError } from "../errors.js";

export interface Connection {
  /** Pool settings for `pg` (the connection string itself, plus `ssl` when the URL does not say). */
  config: pg.PoolConfig;
  /** `host:port/database`, for messages: never the user or password. */
  target: string;
  /** How TLS was chosen, for `--verbose`. */
  tls: "from the URL (sslmode)" | "verify the server certificate" | "off (local server)";
}

const LOCAL_HOSTS = new Set(["", "localhost", "127.0.0.1", "::1", "[::1]"]);

/** True for a server on this machine: loopback, or a Unix socket directory. */
export function isLocalHost(host: string): boolean {
  return LOCAL_HOSTS.has(host) || host.startsWith("/") || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Reads a `postgresql://` URL. A string that is not one is a `ConfigurationError` at once (not a DNS
 * lookup of whatever `pg` made of it). Without `sslmode` and with a host that is not local, the server's
 * certificate and host name are verified, as the Lambda does (`sslmode=disable` is the explicit way out;
 * a private CA comes from `sslrootcert=` or `NODE_EXTRA_CA_CERTS`). The message never repeats the URL,
 * which may hold a password.
 */
export function connectionFromUrl(url: string, source = "--database-url / DATABASE_URL"): Connection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigurationError(
      `connect: the database URL in ${source} is malformed; expected postgresql://user:password@host:5432/database (percent-encode special characters in the password)`,
    );
  }
  if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:") {
    throw new ConfigurationError(
      `connect: the database URL in ${source} starts with "${parsed.protocol}"; expected postgresql://user:password@host:5432/database`,
    );
  }
  const host = parsed.searchParams.get("host") ?? decodeURIComponent(parsed.hostname);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "(default database)";
  const target = `${host || "localhost"}:${parsed.port || "5432"}/${database}`;
  const base: pg.PoolConfig = { connectionString: url };
  if (parsed.searchParams.has("sslmode") || parsed.searchParams.has("ssl")) {
    return { config: base, target, tls: "from the URL (sslmode)" };
  }
  if (isLocalHost(host)) return { config: { ...base, ssl: false }, target, tls: "off (local server)" };
  return {
    config: { ...base, ssl: { rejectUnauthorized: true } },
    target,
    tls: "verify the server certificate",
  };
}

/**
 * One round trip on a pooled connection (which the run then reuses). Failures come back in the job's
 * vocabulary with the phase `connect` and the target named: `ConfigurationError` for a database or host
 * that does not exist or a certificate that cannot be verified, `CredentialsError` for a rejected role or
 * password, `DatabaseUnavailableError` only for what may pass (refused, reset, server starting).
 */
export async function probe(pool: pg.Pool, target: string): Promise<void> {
  try {
    const client = await pool.connect();
    try {
      await ping(client);
    } finally {
      client.release();
    }
  } catch (error) {
    throw asReconcileError(error, { phase: "connect", action: "connecting to", object: target });
  }
}

/**
 * The CLI's pool: a short connect timeout (a wrong host fails in seconds, not minutes), and an idle client
 * that dies (a server restart) must not crash the process with an unhandled 'error'.
 */
export function openPool(connection: Connection, max: number, applicationName: string): pg.Pool {
  const pool = new pg.Pool({
    ...connection.config,
    max,
    connectionTimeoutMillis: 15_000,
    application_name: applicationName,
  });
  pool.on("error", () => undefined);
  return pool;
}
