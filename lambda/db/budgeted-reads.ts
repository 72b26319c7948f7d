/**
 * The run's reads under its time budget: each phase's statements are capped at what is left, and a
 * statement the deadline (not the configured cap) cancelled becomes `BudgetExhausted`, which ends the run
 * `partial` with the work done so far instead of failing it. Any other failure is named with the phase
 * and the objects the statement reads (docs/contract.md §9.9): `identify: reading ops.v_gap failed: ...`.
 */
import type pg from "pg";
import { MIN_PHASE_MS, type TimeBudget } from "../core/time-budget.js";
import { asReconcileError, errorCode, SQLSTATE } from "../errors.js";
import { eachPage } from "./cursor.js";
import { capStatements } from "./session.js";

/** Raised inside a run when the deadline, not a configured cap, cut a statement short. */
export class BudgetExhausted extends Error {}

export class BudgetedReads {
  constructor(
    readonly client: pg.ClientBase,
    readonly budget: TimeBudget,
    readonly capMs: number,
    readonly pageSize: number,
    /** The phase now running, for the error line. */
    readonly phase: () => string = () => "run",
  ) {}

  /** Caps the next phase's statements at what is left of the budget. */
  async cap(): Promise<void> {
    const ms = this.budget.statementMs(this.capMs);
    if (ms < MIN_PHASE_MS) throw new BudgetExhausted("no time left for the next phase");
    await capStatements(this.client, ms);
  }

  /** One statement reading `object` (a name, or several joined, for the error line). */
  query<Row extends pg.QueryResultRow>(
    sql: string | pg.QueryConfig,
    object: string,
  ): Promise<pg.QueryResult<Row>> {
    return this.guard(() => this.client.query<Row>(sql), object);
  }

  /** A query read a page at a time (memory stays flat); `onPage` returns false to stop early. */
  each<Row>(
    text: string | { readonly text: string; readonly values: readonly unknown[] },
    object: string,
    onPage: (rows: Row[]) => Promise<boolean>,
  ): Promise<void> {
    return eachPage<Row>(this.client, text, this.pageSize, onPage, (read) => this.guard(read, object));
  }

  async guard<T>(read: () => Promise<T>, object: string): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (errorCode(error) === SQLSTATE.QUERY_CANCELED && this.budget.binds(this.capMs)) {
        throw new BudgetExhausted(error instanceof Error ? error.message : String(error));
      }
      throw asReconcileError(error, { phase: this.phase(), object });
    }
  }
}
