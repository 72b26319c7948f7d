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

/** The environment the job runs in is misconfigured (missing variable, bad value). */
export class ConfigurationError extends ReconcileError {}

/** The database does not hold an object or column the job relies on (contract.md §2). */
export class ContractError extends ReconcileError {
  constructor(
    message: string,
    readonly object?: string,
    readonly column?: string,
  ) {
    super(message);
  }
}

/** The database cannot be reached or went away mid-run; worth retrying. */
export class DatabaseUnavailableError extends ReconcileError {
  override readonly transient = true;
}

/** Credentials are malformed or rejected. The message names the key, never a value. */
export class CredentialsError extends ReconcileError {}

/** Writing the report (file or S3) failed; the run's database work is done and its lock released. */
export class OutputError extends ReconcileError {
  override readonly transient = true;
}

/** Not enough time is left to start or finish the run before the caller's deadline. */
export class TimeBudgetError extends ReconcileError {}

/** PostgreSQL SQLSTATE codes the job reacts to, named so that a `catch` reads as English. */
export const SQLSTATE = {
  UNDEFINED_TABLE: "42P01",
  UNDEFINED_COLUMN: "42703",
  INVALID_PASSWORD: "28P01",
  INVALID_AUTHORIZATION: "28000",
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
  OBJECT_NOT_IN_PREREQUISITE_STATE: "55000",
  FEATURE_NOT_SUPPORTED: "0A000",
  INVALID_PARAMETER_VALUE: "22023",
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
  "ENOTFOUND",
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

/** Wraps a foreign error from the database layer in the job's own type; keeps ours as they are. */
export function asReconcileError(error: unknown, doing: string): ReconcileError {
  if (error instanceof ReconcileError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  if (isConnectionError(error)) {
    return new DatabaseUnavailableError(`database unavailable while ${doing}: ${reason}`, { cause: error });
  }
  return new ReconcileError(`${doing} failed: ${reason}`, { cause: error });
}
