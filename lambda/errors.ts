/**
 * The job's errors: a small hierarchy whose `name` is stable, so that a Step Functions `Retry`/`Catch`
 * (which matches on the error name) and a CLI (which prints one line) can tell them apart. Foreign errors
 * are wrapped with `cause` kept; messages never contain credentials or row data.
 */
export class ReconcileError extends Error {
  /** True when trying the same run again later can succeed (network, failover, lock wait). */
  readonly transient: boolean = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An input parameter (event field, CLI flag) is wrong. One entry per bad field. */
export class InputError extends ReconcileError {
  constructor(
    message: string,
    readonly issues: ReadonlyArray<{ field: string; message: string }> = [],
  ) {
    super(message);
  }
}

/**
 * The environment the job runs in is misconfigured: a missing variable, a bad value, a malformed database
 * URL, a database or host that does not exist. Retrying changes nothing; a person must fix the setting.
 */
export class ConfigurationError extends ReconcileError {}

/**
 * The database does not hold an object or column the job relies on (docs/contract.md §2), or the role lacks
 * a database privilege the run needs (`privilege`, e.g. `TEMPORARY`: a grant to give, so the CLI exits 2).
 */
export class ContractError extends ReconcileError {
  constructor(
    message: string,
    readonly object?: string,
    readonly column?: string,
    readonly privilege?: string,
  ) {
    super(message);
  }
}

/** The database cannot be reached or went away mid-run; worth retrying. */
export class DatabaseUnavailableError extends ReconcileError {
  override readonly transient = true;
}

/**
 * Credentials are malformed or rejected (SQLSTATE 28000, 28P01; the Lambda refetches its secret once
 * before giving up). Not transient. The message names the role or the key, never a password.
 */
export class CredentialsError extends ReconcileError {}

/**
 * Secrets Manager could not answer (throttling, a server error, the network) after the job's retries: the
 * secret itself is not known to be wrong, so trying again later can succeed. Never a `CredentialsError`,
 * whose advice (check the role and password) would send a person after the wrong thing.
 */
export class SecretUnavailableError extends ReconcileError {
  override readonly transient = true;
}

/**
 * A view raised on its own data (SQLSTATE class 22, "data exception": an impossible date, a bad cast, a
 * division by zero). The job cannot read the view until its data or definition is fixed, so it is not
 * transient (docs/contract.md §9.9).
 */
export class SourceDataError extends ReconcileError {}

/**
 * A statement gave up waiting for a lock (SQLSTATE 55P03, `lock_timeout`): another session holds the
 * view (a refresh, a DDL). Worded apart from a statement timeout, and worth trying again later.
 */
export class LockWaitError extends ReconcileError {
  override readonly transient = true;
}

/**
 * A statement ran longer than `statement_timeout` or was cancelled (SQLSTATE 57014). The same query on the
 * same data takes as long again, so it is not transient: raise the timeout or look at the view's plan.
 */
export class StatementTimeoutError extends ReconcileError {}

/** Writing the report (file or S3) failed; the run's database work is done and its lock released. */
export class OutputError extends ReconcileError {
  override readonly transient = true;
}

/** Not enough time is left to start or finish the run before the caller's deadline. */
export class TimeBudgetError extends ReconcileError {}

/** PostgreSQL SQLSTATE codes the job reacts to, named so that a `catch` reads as English. */
export const SQLSTATE = {
  INVALID_PASSWORD: "28P01",
  INVALID_AUTHORIZATION: "28000",
  INVALID_CATALOG_NAME: "3D000",
  QUERY_CANCELED: "57014",
  LOCK_NOT_AVAILABLE: "55P03",
  ADMIN_SHUTDOWN: "57P01",
  CRASH_SHUTDOWN: "57P02",
  CANNOT_CONNECT_NOW: "57P03",
  CONNECTION_EXCEPTION: "08000",
  CONNECTION_FAILURE: "08006",
  CLIENT_UNABLE_TO_CONNECT: "08001",
  SERVER_REJECTED_CONNECTION: "08004",
  TOO_MANY_CONNECTIONS: "53300",
  INVALID_PARAMETER_VALUE: "22023",
  /** Class 22, "data exception": the first two characters of every code in it. */
  DATA_EXCEPTION_CLASS: "22",
} as const;

const CONNECTION_CODES = new Set<string>([
  SQLSTATE.ADMIN_SHUTDOWN,
  SQLSTATE.CRASH_SHUTDOWN,
  SQLSTATE.CANNOT_CONNECT_NOW,
  SQLSTATE.CONNECTION_EXCEPTION,
  SQLSTATE.CONNECTION_FAILURE,
  SQLSTATE.CLIENT_UNABLE_TO_CONNECT,
  SQLSTATE.SERVER_REJECTED_CONNECTION,
  SQLSTATE.TOO_MANY_CONNECTIONS,
]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

/** The SQLSTATE (or Node network code) of an error from `pg`, if any. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

/** True when the error means the connection to PostgreSQL failed or was lost (not a query error). */
export function isConnectionError(error: unknown): boolean {
  const code = errorCode(error);
  if (code && (CONNECTION_CODES.has(code) || NETWORK_CODES.has(code))) return true;
  const message = error instanceof Error ? error.message : "";
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
    message,
  );
}

/** True when PostgreSQL rejected the credentials (so a rotated secret is worth fetching again). */
export function isAuthenticationError(error: unknown): boolean {
  const code = errorCode(error);
  return code === SQLSTATE.INVALID_PASSWORD || code === SQLSTATE.INVALID_AUTHORIZATION;
}

/**
 * Where a failure happened, so that its one line says it: `identify: reading ops.v_gap failed: ...`.
 * `phase` is the run's phase as its journal names it (`connect`, `contract`, `plan`, `identify`, `verify`,
 * `staleness`, `refresh`, `decide`, `ledger`...), `object` the view, table or server being used, `action`
 * the verb (default `reading`).
 */
export interface ErrorContext {
  phase: string;
  object?: string;
  action?: string;
}

/** What to do, appended to errors a person must fix (configuration and credentials). */
const HINT = {
  database: "check the database name in the connection string (--database-url / DATABASE_URL / the secret)",
  host: "check the host name in the connection string",
  credentials: "check the role and password (--database-url / DATABASE_URL / the secret)",
  certificate:
    "the server's certificate could not be verified: give its CA with sslrootcert= or NODE_EXTRA_CA_CERTS, or choose sslmode= in the URL",
  noTls: "the server does not offer TLS: add sslmode=disable to the URL only if the network is private",
} as const;

/** Node's codes for a server certificate that does not verify: a setting to fix, not an outage. */
const CERTIFICATE_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/**
 * Wraps a foreign error in the job's vocabulary (docs/contract.md §9.9); keeps ours as they are and keeps
 * the original as `cause`. The message is one line: where (phase and object), then PostgreSQL's own words.
 * The class says what kind of failure it is:
 *
 * | cause | class | transient |
 * | --- | --- | --- |
 * | SQLSTATE class 22 (a view raising on its data) | `SourceDataError` | no |
 * | 55P03 lock wait (`lock_timeout`) | `LockWaitError` | yes |
 * | 57014 statement timeout or cancel | `StatementTimeoutError` | no |
 * | 3D000 no such database, ENOTFOUND no such host, a certificate that does not verify | `ConfigurationError` | no |
 * | 28000 / 28P01 role or password rejected | `CredentialsError` | no |
 * | network, server shutting down or starting | `DatabaseUnavailableError` | yes |
 * | anything else | `ReconcileError` | no |
 *
 * `context` may still be a plain string (`"reconcile run"`), the form of the first release.
 */
export function asReconcileError(error: unknown, context: string | ErrorContext): ReconcileError {
  if (error instanceof ReconcileError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  const where =
    typeof context === "string"
      ? context
      : `${context.phase}: ${context.action ?? "reading"}${context.object ? ` ${context.object}` : ""}`;
  const line = `${where} failed: ${reason}`;
  const code = errorCode(error);
  const options = { cause: error };
  if (code?.startsWith(SQLSTATE.DATA_EXCEPTION_CLASS)) return new SourceDataError(line, options);
  if (code === SQLSTATE.LOCK_NOT_AVAILABLE) {
    return new LockWaitError(
      `${where} failed: gave up waiting for a lock held by another session: ${reason}`,
      options,
    );
  }
  if (code === SQLSTATE.QUERY_CANCELED) {
    return new StatementTimeoutError(`${where} failed: the statement was cancelled: ${reason}`, options);
  }
  if (code === SQLSTATE.INVALID_CATALOG_NAME) {
    return new ConfigurationError(`${line} (${HINT.database})`, options);
  }
  if (code === "ENOTFOUND") return new ConfigurationError(`${line} (${HINT.host})`, options);
  if (isAuthenticationError(error)) return new CredentialsError(`${line} (${HINT.credentials})`, options);
  if (code && CERTIFICATE_CODES.has(code))
    return new ConfigurationError(`${line} (${HINT.certificate})`, options);
  // `pg` raises this one without a code when the server answers "no" to TLS.
  if (/does not support SSL connections/.test(reason)) {
    return new ConfigurationError(`${line} (${HINT.noTls})`, options);
  }
  if (isConnectionError(error)) {
    // The first release's wording, kept for the plain-string form (logs and alarms match on it).
    const message =
      typeof context === "string"
        ? `database unavailable while ${context}: ${reason}`
        : `${where} failed: database unavailable: ${reason}`;
    return new DatabaseUnavailableError(message, options);
  }
  return new ReconcileError(line, options);
}
