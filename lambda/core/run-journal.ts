/**
 * What a run records about itself as it goes: the duration of each phase, the warnings an operator must
 * read, and whether the time budget cut it short (`partial`). Logs as it records, through the run's logger.
 */
import type { BudgetCause, PhaseTiming, RefreshResult, RunWarning } from "./types.js";
import { budgetWarning, refreshFailedWarning, warningText } from "./warnings.js";

export interface JournalLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
}

export class RunJournal {
  readonly phases: PhaseTiming[] = [];
  /** The warnings as values (their code and figures), in the order they were raised. */
  readonly warnings: RunWarning[] = [];
  partial = false;
  /** The phase now running (the last one started), named in an error. */
  current = "start";

  constructor(
    readonly logger?: JournalLogger,
    readonly now: () => number = () => performance.now(),
  ) {}

  /** Runs one phase and records how long it took, whether it succeeded or not. */
  async phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = this.now();
    this.current = name;
    try {
      return await fn();
    } finally {
      this.timed(name, Math.round(this.now() - started));
      this.logger?.info("phase", { phase: name, duration_ms: this.phases.at(-1)?.duration_ms });
    }
  }

  timed(phase: string, duration_ms: number): void {
    this.phases.push({ phase, duration_ms });
  }

  /** Milliseconds spent so far in the named phases. */
  spentIn(...names: string[]): number {
    return this.phases.filter((p) => names.includes(p.phase)).reduce((sum, p) => sum + p.duration_ms, 0);
  }

  /** The warnings in English: the JSON report's `warnings`, as the log said them. */
  get warningTexts(): string[] {
    return this.warnings.map(warningText);
  }

  warn(warning: RunWarning | null): void {
    if (warning === null) return;
    this.warnings.push(warning);
    this.logger?.warn(warningText(warning));
  }

  /**
   * Records one refresh: its timing; a failure as a warning (loud, §9.6: the report, the log, and the CLI's
   * stderr); a step the deadline cut or kept from starting as the reason the run is partial.
   */
  refreshed(result: RefreshResult, cutByDeadline: boolean): void {
    const { name: view, mode, duration_ms } = result;
    if (result.outcome.kind === "fresh") {
      this.logger?.info("fresh: not refreshed", { view, how: result.outcome.how });
      return;
    }
    this.timed(`refresh ${view}`, duration_ms);
    if (cutByDeadline) {
      const how = result.outcome.kind === "out_of_time" ? "not_started" : "cut_short";
      this.budgetExhausted({ kind: "refresh", view, how });
    }
    const failed = refreshFailedWarning(result);
    if (result.ok) this.logger?.info("refreshed", { view, mode, duration_ms });
    else if (failed) this.warn(failed);
    else this.logger?.warn("refresh not attempted", { view, reason: result.error });
  }

  /** Marks the run partial once, with the warning that says why. */
  budgetExhausted(cause: BudgetCause): void {
    if (!this.partial) this.warn(budgetWarning(cause));
    this.partial = true;
  }
}
