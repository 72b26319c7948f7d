/**
 * The run's statements under its time budget: every phase starts by capping the statements that follow at
 * what is left (never 0, which PostgreSQL reads as "no limit"; a phase with too little left is not started),
 * and a statement whose cap would let it outlive the deadline is capped again first. A statement the
 * deadline (not the configured cap) cancelled becomes `BudgetExhausted`, which ends the run `partial` with
 * the work done so far instead of failing it (`cutByDeadline`, the rule refreshes use too). A read that
 * gave up waiting on a lock is a `LockWaitError` naming what holds it. Any other failure is named with the
 * phase and the objects the statement reads (docs/contract.md §9.9): `identify: reading ops.v_gap failed: ...`.
 */
import type pg from "pg";
import {
  type AppliedTimeouts,
  cutByDeadline,
  lockMsWithin,
  MIN_PHASE_MS,
  type StatementCap,
  type TimeBudget,
} from "../core/time-budget.js";
import { asReconcileError, errorCode, LockWaitError, SQLSTATE } from "../errors.js";
import { eachPage } from "./cursor.js";
import { exclusiveLocks, setTimeouts } from "./session.js";

/** Raised inside a run when the deadline, not a configured cap, cut a statement short or left no time. */
export class BudgetExhausted extends Error {}

export class BudgetedReads {
  /** The timeouts the session runs under (the job's, or the role's own when stricter); set by `limit`. */
  timeouts: AppliedTimeouts | null = null;
  /** The cap now set on the session (null before the first phase) and the lock wait that goes with it. */
  #applied: StatementCap | null = null;
  #lockMs = 0;

  constructor(
    readonly client: pg.ClientBase,
    readonly budget: TimeBudget,
    readonly pageSize: number,
    /** The phase now running, for the error line. */
    readonly phase: () => string = () => "run",
  ) {}

  /** The timeouts to apply from now on (once, when the session's own are known). */
  limit(timeouts: AppliedTimeouts): void {
    this.timeouts = timeouts;
  }

  /**
   * Caps the next phase's statements at what is left of the budget; with too little left the phase does
   * not start and the run ends `partial` at once.
   */
  async cap(): Promise<void> {
    const t = this.#timeouts();
    const cap = this.budget.statementCap(t.statement_timeout_ms, MIN_PHASE_MS);
    if (cap === null) {
      throw new BudgetExhausted(`no time left for the ${this.phase()} phase`);
    }
    const lockMs = lockMsWithin(t.lock_timeout_ms, cap.ms);
    await setTimeouts(this.client, cap.ms, lockMs);
    this.#applied = cap;
    this.#lockMs = lockMs;
  }

  /** One statement reading `object` (a name, or several joined, for the error line). */
  async query<Row extends pg.QueryResultRow>(
    sql: string | pg.QueryConfig,
    object: string,
  ): Promise<pg.QueryResult<Row>> {
    await this.#fitDeadline();
    return this.guard(() => this.client.query<Row>(sql), object);
  }

  /** A query read a page at a time (memory stays flat); `onPage` returns false to stop early. */
  async each<Row>(
    text: string | { readonly text: string; readonly values: readonly unknown[] },
    object: string,
    onPage: (rows: Row[]) => Promise<boolean>,
  ): Promise<void> {
    await this.#fitDeadline();
    return eachPage<Row>(this.client, text, this.pageSize, onPage, (read) => this.guard(read, object));
  }

  async guard<T>(read: () => Promise<T>, object: string): Promise<T> {
    try {
      return await read();
    } catch (error) {
      const code = errorCode(error);
      const applied = this.#applied ?? { ms: 0, byDeadline: false };
      if (cutByDeadline(code === SQLSTATE.QUERY_CANCELED, applied)) {
        throw new BudgetExhausted(error instanceof Error ? error.message : String(error));
      }
      if (code === SQLSTATE.LOCK_NOT_AVAILABLE) throw await this.#lockWait(error, object);
      throw asReconcileError(error, { phase: this.phase(), object });
    }
  }

  /** Caps again when the cap set at the phase's start would let the next statement outlive the deadline. */
  async #fitDeadline(): Promise<void> {
    if (this.#applied && this.budget.remaining() < this.#applied.ms) await this.cap();
  }

  #timeouts(): AppliedTimeouts {
    if (!this.timeouts) throw new Error("BudgetedReads: cap() before limit()");
    return this.timeouts;
  }

  async #lockWait(error: unknown, object: string): Promise<LockWaitError> {
    const held = await exclusiveLocks(this.client).catch(() => []);
    const holders =
      held.length > 0 ? ` (${held.map((h) => `${h.relation} by pid ${h.pid}`).join(", ")})` : "";
    const ms = this.#lockMs;
    const reason = error instanceof Error ? error.message : String(error);
    return new LockWaitError(
      `${this.phase()}: reading ${object} failed: gave up after waiting ${ms} ms (lock_timeout) for a lock held by another session${holders}: ${reason}`,
      { cause: error },
    );
  }
}
