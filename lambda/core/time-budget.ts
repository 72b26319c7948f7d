/**
 * The run's time budget: the caller's deadline (the Lambda's, less a safety margin) turned into statement
 * caps. The clock is injected, so the arithmetic is tested without waiting.
 */

/** Shortest time worth starting a run with; below it the caller gets `TimeBudgetError` at once. */
export const MIN_START_MS = 2_000;

/** Below this a phase is not started: it could not finish, and a cut statement only wastes the time. */
export const MIN_PHASE_MS = 500;

/** A refresh is not started with less than this left (after the time kept back for the re-verify). */
export const MIN_REFRESH_MS = 1_000;

export class TimeBudget {
  constructor(
    readonly deadline: number | undefined,
    readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds left; infinite without a deadline. */
  remaining(): number {
    return this.deadline === undefined ? Number.POSITIVE_INFINITY : this.deadline - this.now();
  }

  /**
   * The statement timeout for a configured cap: the cap, or what is left if that is less (then the
   * deadline bounds it). `null` when less than `minMs` is left: the phase must not start, because the only
   * timeout that could fit is 0, which PostgreSQL reads as no limit at all.
   */
  statementCap(capMs: number, minMs: number = MIN_PHASE_MS): StatementCap | null {
    const left = Math.floor(this.remaining());
    if (left < minMs) return null;
    return capFor(left, capMs);
  }

  /**
   * Time kept back from the upstream refreshes for the re-verify and the report: three times what the two
   * reads before them took (the re-verify reads as much again, plus the diagnosis facts), at least 2 s.
   */
  static reserveForReverify(identifyAndVerifyMs: number): number {
    return Math.max(2_000, 3 * identifyAndVerifyMs);
  }
}

/**
 * A statement timeout and what set it: the configured cap, or the time left before the deadline when that
 * is shorter (`byDeadline`). Never 0: PostgreSQL reads `statement_timeout = 0` as "no limit".
 */
export interface StatementCap {
  readonly ms: number;
  readonly byDeadline: boolean;
}

/** The smaller of the time available and the configured cap, saying which one it was (at least 1 ms). */
export function capFor(availableMs: number, capMs: number): StatementCap {
  const available = Math.floor(availableMs);
  return available < capMs
    ? { ms: Math.max(1, available), byDeadline: true }
    : { ms: Math.max(1, Math.floor(capMs)), byDeadline: false };
}

/**
 * The one rule for a cancelled statement (SQLSTATE 57014), for reads and refreshes alike: it ends the run
 * `partial` only when the deadline set its timeout; cancelled under the configured cap (or a role's own,
 * stricter one) it is a statement timeout, because the same statement would take as long again.
 */
export function cutByDeadline(cancelled: boolean, cap: StatementCap): boolean {
  return cancelled && cap.byDeadline;
}

/**
 * The read timeouts a run applies, and where each came from: the job's setting, or the role's own (set
 * with `ALTER ROLE ... SET`, on the database or the server) when that is stricter. A DBA's limit is never
 * loosened by the job; 0 on the role's side means it set none.
 */
export interface AppliedTimeouts {
  readonly statement_timeout_ms: number;
  readonly statement_timeout_from: "job" | "role";
  readonly lock_timeout_ms: number;
  readonly lock_timeout_from: "job" | "role";
}

export function applyRoleTimeouts(
  job: { statementMs: number; lockMs: number },
  role: { statementMs: number; lockMs: number },
): AppliedTimeouts {
  const stricter = (jobMs: number, roleMs: number) =>
    roleMs > 0 && roleMs < jobMs
      ? ({ ms: roleMs, from: "role" } as const)
      : ({ ms: jobMs, from: "job" } as const);
  const statement = stricter(job.statementMs, role.statementMs);
  const lock = stricter(job.lockMs, role.lockMs);
  return {
    statement_timeout_ms: statement.ms,
    statement_timeout_from: statement.from,
    lock_timeout_ms: lock.ms,
    lock_timeout_from: lock.from,
  };
}

/**
 * The `lock_timeout` a read runs under: the applied one, but shorter than its statement's own timeout, so
 * that a read waiting on a lock from its first moment fails as a lock wait (`LockWaitError`, naming what
 * holds it) and never as a statement timeout, whose advice (raise it, look at the plan) would be wrong.
 */
export function lockMsWithin(lockMs: number, statementMs: number): number {
  return Math.max(1, Math.min(lockMs, Math.floor(statementMs * 0.9)));
}
