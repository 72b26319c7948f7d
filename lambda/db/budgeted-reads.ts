/**
 * The run's reads under its time budget: each phase's statements are capped at what is left, and a
 * statement the deadline (not the configured cap) cancelled becomes `BudgetExhausted`, which ends the run
 * `partial` with the work done so far instead of failing it.
 */
import type pg from "pg";
import { MIN_PHASE_MS, type TimeBudget } from "../core/time-budget.js";
import { errorCode, SQLSTATE } from "../errors.js";
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
  ) {}

  /** Caps the next phase's statements at what is left of the budget. */
  async cap(): Promise<void> {
    const ms = this.budget.statementMs(this.capMs);
    if (ms < MIN_PHASE_MS) throw new BudgetExhausted("no time left for the next phase");
    await capStatements(this.client, ms);
  }

  /** One statement. */
  query<Row extends pg.QueryResultRow>(sql: string | pg.QueryConfig): Promise<pg.QueryResult<Row>> {
    return this.guard(() => this.client.query<Row>(sql));
  }

  /** A query read a page at a time (memory stays flat); `onPage` returns false to stop early. */
  each<Row>(text: string, onPage: (rows: Row[]) => Promise<boolean>): Promise<void> {
    return eachPage<Row>(this.client, text, this.pageSize, onPage, (read) => this.guard(read));
  }

  async guard<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (errorCode(error) === SQLSTATE.QUERY_CANCELED && this.budget.binds(this.capMs)) {
        throw new BudgetExhausted(error instanceof Error ? error.message : String(error));
      }
      throw error;
    }
  }
}
