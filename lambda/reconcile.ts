/**
 * The run (docs/contract.md §4 and §9): lock, identify, verify, refresh, re-verify, report, refresh the
 * dependents. Shaped read → decide → act: the queries in `db/` fetch facts for all rows at once, the pure
 * functions in `core/` decide, and this file only sequences them over the one session a run uses.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { type ReconcileOptions, type ResolvedOptions, resolveOptions } from "./config.js";
import { look, needsRefresh } from "./core/decide.js";
import { MetricsAccumulator } from "./core/metrics.js";
import { failedUpstream, isRefreshable } from "./core/refresh-plan.js";
import { reportColumns, statusCounts } from "./core/report-columns.js";
import { RowDecider } from "./core/row-decider.js";
import { type JournalLogger, RunJournal } from "./core/run-journal.js";
import { type AppliedTimeouts, applyRoleTimeouts, MIN_START_MS, TimeBudget } from "./core/time-budget.js";
import type { Report, ReportHead, ReportSink, RunStatus } from "./core/types.js";
import * as warn from "./core/warnings.js";
import { BudgetExhausted, BudgetedReads } from "./db/budgeted-reads.js";
import { checkContract } from "./db/contract.js";
import {
  type FinalRow,
  type FirstLookRow,
  RunQueries,
  type StatusCountRow,
  type TripDatesRow,
  toFinal,
  toFirstLook,
} from "./db/queries.js";
import { RefreshRunner } from "./db/refresh-runner.js";
import * as session from "./db/session.js";
import { asReconcileError, TimeBudgetError } from "./errors.js";
import { parseRunParameters, type RunParameters } from "./params.js";
import { SinkSet } from "./report/sink-set.js";

export type { JournalLogger as RunLogger } from "./core/run-journal.js";

export interface RunOptions {
  /** Outputs that receive rows as they are decided (file, S3). */
  sinks?: readonly ReportSink[];
  /** Keep rows in `report.rows` (default true; adapters that stream pass false to keep memory flat). */
  collectRows?: boolean;
  /** Epoch ms by which the run must have ended; statement timeouts are capped so it ends `partial`. */
  deadline?: number;
  runId?: string;
  logger?: JournalLogger;
}

export class ReconcileCabinetClaims14d {
  readonly #pool: pg.Pool;
  readonly #options: ReconcileOptions;

  constructor(pool: pg.Pool, options: ReconcileOptions = {}) {
    this.#pool = pool;
    this.#options = options;
  }

  /**
   * Runs the job once and returns its report. Parameters are validated before the database is touched
   * (`InputError`); the contract is checked before any work (`ContractError`); a run that finds another
   * holding the lock returns `status: "skipped"` at once and writes no output (the last report stays).
   * Outputs are finished after the session, and the run lock with it, is given back.
   */
  async runReconcile(input: unknown, run: RunOptions = {}): Promise<Report> {
    const params = parseRunParameters(input);
    const options = resolveOptions(
      {
        ...this.#options,
        gapStatuses: params.gapStatuses ?? this.#options.gapStatuses,
        lockTimeoutMs: params.lockTimeoutMs ?? this.#options.lockTimeoutMs,
      },
      params.objects,
    );
    const budget = new TimeBudget(run.deadline);
    if (budget.remaining() < MIN_START_MS) {
      throw new TimeBudgetError(`only ${Math.max(0, budget.remaining())} ms left: not enough to start a run`);
    }
    const sinks = new SinkSet(run.sinks);
    const execute = (client: pg.PoolClient) => {
      const journal = new RunJournal(run.logger);
      const phase = () => journal.current;
      const reads = new BudgetedReads(client, budget, options.pageSize, phase);
      return new Run(params, options, run, reads, sinks, journal).execute(client);
    };
    let done: RunOutcome;
    try {
      done = await session.withRunSession(this.#pool, execute, (error) => sinks.abort(error));
    } catch (error) {
      throw asReconcileError(error, "reconcile run");
    }
    // The SQL is done and the session is given back, the run lock with it: from here on only the outputs,
    // which read the finished report (the S3 uploads complete, the HTML page renders). Nothing below may
    // use the database; whatever the run must still write there belongs inside `Run.execute`.
    if (done.opened) {
      try {
        await sinks.finish(done.report);
      } catch (error) {
        await sinks.abort(error);
        throw asReconcileError(error, "writing the report");
      }
    }
    if (done.rows) done.report.rows = done.rows;
    return done.report;
  }
}

/** What a run hands back once its session is released: the report, and whether its outputs were opened. */
interface RunOutcome {
  readonly report: Report;
  /** False for a run that never held the lock (skipped, or out of time before it): nothing is written. */
  readonly opened: boolean;
  readonly rows: Report["rows"];
}

/** One execution: its parameters, its clock and what it has learned so far. */
class Run {
  readonly #started = new Date();
  readonly #journal: RunJournal;
  readonly #metrics = new MetricsAccumulator();
  readonly #rows: Report["rows"];
  #gapsFound = 0;
  #statusCounts: Record<string, number> = {};

  constructor(
    readonly params: RunParameters,
    readonly options: ResolvedOptions,
    readonly run: RunOptions,
    readonly reads: BudgetedReads,
    readonly sinks: SinkSet,
    journal: RunJournal,
  ) {
    this.#rows = run.collectRows === false ? undefined : [];
    this.#journal = journal;
  }

  async execute(client: pg.PoolClient): Promise<RunOutcome> {
    const { options, params } = this;
    const server = await session.prepareSession(client, { timeZone: options.timeZone });
    // A role's own stricter timeouts are kept (smaller wins), for the reads and the refreshes alike.
    const role = { statementMs: server.roleStatementTimeoutMs, lockMs: server.roleLockTimeoutMs };
    const timeouts = applyRoleTimeouts(
      { statementMs: options.statementTimeoutMs, lockMs: options.lockTimeoutMs },
      role,
    );
    const refreshTimeouts = applyRoleTimeouts(
      { statementMs: options.refreshStatementTimeoutMs, lockMs: options.refreshLockTimeoutMs },
      role,
    );
    this.reads.limit(timeouts);
    const refresh = new RefreshRunner(
      client,
      server,
      {
        dryRun: params.dryRun,
        forceRefresh: params.forceRefresh,
        refreshDependents: params.refreshDependents,
        lockTimeoutMs: refreshTimeouts.lock_timeout_ms,
        statementTimeoutMs: refreshTimeouts.statement_timeout_ms,
      },
      this.reads.budget,
      this.#journal,
    );
    // Known before the lock: a run that ends here (out of time) reports what it was asked, and writes nothing.
    let head: ReportHead = {
      run_id: this.run.runId ?? randomUUID(),
      as_of: params.asOf,
      parameters: params,
      started_at: this.#started.toISOString(),
      row_columns: reportColumns([]),
    };
    let contract: Awaited<ReturnType<typeof checkContract>>;
    let lock: { locked: boolean; today: string };
    try {
      contract = await this.#journal.phase("contract", async () => {
        await this.reads.cap();
        return checkContract(client, options.objects);
      });
      lock = await session.takeRunLock(client, options.lockKey, params.dryRun);
    } catch (error) {
      if (!(error instanceof BudgetExhausted)) throw error;
      this.#journal.budgetExhausted({ kind: "read", detail: error.message });
      return this.#finish("partial", head, refresh, timeouts, false);
    }
    const asOf = params.asOf ?? lock.today;
    head = { ...head, as_of: asOf, row_columns: reportColumns(contract.gapOptional) };
    if (!lock.locked) {
      // Another run holds the lock and writes its own report: this one opens no output, so the last report
      // stays where it was; the caller gets the status.
      this.run.logger?.info("another run holds the lock: skipped");
      return this.#finish("skipped", head, refresh, timeouts, false);
    }
    await this.sinks.start(head);
    const queries = new RunQueries(contract);
    try {
      await this.#identify(client, queries, asOf);
      const anyToFix = await this.#verify(queries);
      await this.#journal.phase("plan", async () => {
        await this.reads.cap();
        await refresh.readPlan(contract);
      });
      await refresh.upstream(anyToFix);
      await this.#decideAndStream(queries, refresh, asOf);
      await refresh.dependents();
    } catch (error) {
      if (!(error instanceof BudgetExhausted)) throw error;
      this.#journal.budgetExhausted({ kind: "read", detail: error.message });
    }
    return this.#finish(this.#journal.partial ? "partial" : "completed", head, refresh, timeouts, true);
  }

  /** Step 2: count the window (per status) and snapshot at most `limit` rows in a deterministic order. */
  async #identify(client: pg.PoolClient, queries: RunQueries, asOf: string): Promise<void> {
    const p = this.params;
    const statuses = this.options.gapStatuses;
    await this.#journal.phase("identify", async () => {
      await this.reads.cap();
      await client.query(queries.createRowsTable());
      const filter = { asOf, daysBack: p.daysBack, onlyMilestone: p.onlyMilestone, weekStart: p.weekStart };
      const sql = queries.identify(filter, p.onlyGaps, statuses, p.limit);
      const counts = statusCounts(
        (await this.reads.query<StatusCountRow>(sql, queries.shown.gap)).rows,
        statuses,
      );
      this.#statusCounts = counts.byStatus;
      this.#gapsFound = p.onlyGaps ? counts.gaps : counts.total;
      this.#journal.warn(warn.limitWarning(this.#gapsFound, p.limit));
      this.#journal.warn(
        warn.windowWarning(counts, statuses, { asOf, daysBack: p.daysBack, onlyGaps: p.onlyGaps }),
      );
      await client.query(queries.analyzeRows());
    });
  }

  /** Step 3: the first look at every analysed row; returns whether a refresh could change any verdict. */
  async #verify(queries: RunQueries): Promise<boolean> {
    return this.#journal.phase("verify", async () => {
      await this.reads.cap();
      await this.reads.query(queries.firstLook(), queries.shown.firstLook);
      const dates = await this.reads.query<TripDatesRow>(queries.tripDates(), queries.shown.trips);
      for (const w of warn.tripDateWarnings(dates.rows[0] as TripDatesRow)) this.#journal.warn(w);
      let anyToFix = false;
      const fixable = (raw: FirstLookRow) => {
        const { row, before } = toFirstLook(raw, queries.optional);
        return needsRefresh(look(row, before));
      };
      // Stops reading at the first page holding a row a refresh could fix.
      await this.reads.each<FirstLookRow>(queries.firstLookRows(), queries.shown.rows, async (page) => {
        anyToFix = page.some(fixable);
        return !anyToFix;
      });
      return anyToFix;
    });
  }

  /** Steps 5 and 6: the second look, the pure decision per row, and the rows streamed to every output. */
  async #decideAndStream(queries: RunQueries, refresh: RefreshRunner, asOf: string): Promise<void> {
    const decider = new RowDecider(
      {
        dryRun: this.params.dryRun,
        refreshed: refresh.upstreamRan,
        refreshable: isRefreshable(refresh.plan),
        failedRefresh: failedUpstream(refresh.plan, refresh.results),
      },
      this.options.gapStatuses,
      asOf,
    );
    await this.#journal.phase("decide", async () => {
      await this.reads.cap();
      await this.reads.each<FinalRow>(queries.finalRows(), queries.shown.final, async (page) => {
        for (const raw of page) {
          const row = decider.decide(toFinal(raw, queries.optional));
          this.#metrics.add(row);
          this.#rows?.push(row);
          await this.sinks.row(row);
        }
        return true;
      });
    });
    for (const w of warn.looksLikeGapWarnings(decider.looksLikeGaps)) this.#journal.warn(w);
    this.#journal.warn(warn.claimedGapsWarning(decider.claimedGaps));
  }

  #finish(
    status: RunStatus,
    head: ReportHead,
    refresh: RefreshRunner,
    timeouts: AppliedTimeouts,
    opened: boolean,
  ): RunOutcome {
    const duration = Date.now() - this.#started.getTime();
    const report: Report = {
      ...head,
      status,
      timeouts,
      metrics: this.#metrics.metrics(this.#gapsFound, refresh.results, duration, this.params.daysBack),
      gap_status_counts: this.#statusCounts,
      refreshed_views: refresh.results,
      refresh_plan: refresh.plan,
      refresh_skipped: refresh.skipped,
      at_risk_by_bucket: this.#metrics.atRiskByBucket(),
      breakdown: this.#metrics.breakdown(),
      warnings: this.#journal.warningTexts,
      warning_details: this.#journal.warnings,
      phases: this.#journal.phases,
      finished_at: new Date().toISOString(),
    };
    return { report, opened, rows: this.#rows };
  }
}
