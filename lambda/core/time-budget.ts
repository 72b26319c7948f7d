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

  /** The statement timeout for a configured cap: the cap, or what is left if that is less. */
  statementMs(capMs: number): number {
    return Math.max(0, Math.floor(Math.min(capMs, this.remaining())));
  }

  /**
   * Whether the deadline, rather than the configured cap, bounds a statement: a statement cancelled then
   * ends the run `partial` instead of failing it.
   */
  binds(capMs: number): boolean {
    return this.remaining() <= capMs + 1_000;
  }

  /**
   * Time kept back from the upstream refreshes for the re-verify and the report: three times what the two
   * reads before them took (the re-verify reads as much again, plus the diagnosis facts), at least 2 s.
   */
  static reserveForReverify(identifyAndVerifyMs: number): number {
    return Math.max(2_000, 3 * identifyAndVerifyMs);
  }
}
