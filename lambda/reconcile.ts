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
import { reportColumns, statusCounts } from "./core/report-columns.js";
import { RowDecider } from "./core/row-decider.js";
import { type JournalLogger, RunJournal } from "./core/run-journal.js";
import { MIN_START_MS, TimeBudget } from "./core/time-budget.js";
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
   * holding the lock returns `status: "skipped"` at once.
   */
  async runReconcile(input: unknown, run: RunOptions = {}): Promise<Report> {
    const params = parseRunParameters(input);
    const options = resolveOptions(
      { ...this.#options, gapStatuses: params.gapStatuses ?? this.#options.gapStatuses },
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
      const reads = new BudgetedReads(client, budget, options.statementTimeoutMs, options.pageSize, phase);
      return new Run(params, options, run, reads, sinks, journal).execute(client);
    };
    try {
      return await session.withRunSession(this.#pool, execute, (error) => sinks.abort(error));
    } catch (error) {
      throw asReconcileError(error, "reconcile run");
    }
  }
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

  async execute(client: pg.PoolClient): Promise<Report> {
    const { options, params } = this;
    const server = await session.prepareSession(client, {
      timeZone: options.timeZone,
      statementTimeoutMs: this.reads.budget.statementMs(options.statementTimeoutMs),
    });
    const refresh = new RefreshRunner(
      client,
      server,
      {
        dryRun: params.dryRun,
        forceRefresh: params.forceRefresh,
        refreshDependents: params.refreshDependents,
        lockTimeoutMs: options.refreshLockTimeoutMs,
        statementTimeoutMs: options.refreshStatementTimeoutMs,
      },
      this.reads.budget,
      this.#journal,
    );
    const contract = await this.#journal.phase("contract", () => checkContract(client, options.objects));
    const { locked, today } = await session.takeRunLock(client, options.lockKey, params.dryRun);
    const asOf = params.asOf ?? today;
    const head: ReportHead = {
      run_id: this.run.runId ?? randomUUID(),
      as_of: asOf,
      parameters: params,
      started_at: this.#started.toISOString(),
      row_columns: reportColumns(contract.gapOptional),
    };
    await this.sinks.start(head);
    if (!locked) {
      this.run.logger?.info("another run holds the lock: skipped");
      return this.#finish("skipped", head, refresh);
    }
    const queries = new RunQueries(contract);
    try {
      await this.#identify(client, queries, asOf);
      const verified = await this.#verify(queries);
      await this.#journal.phase("plan", () => refresh.readPlan(contract));
      await refresh.upstream(verified.fixable.size > 0, [...verified.fixable]);
      await this.#decideAndStream(queries, refresh, asOf);
      await refresh.dependents([...verified.drivers]);
    } catch (error) {
      if (!(error instanceof BudgetExhausted)) throw error;
      this.#journal.budgetExhausted({ kind: "read", detail: error.message });
    }
    return this.#finish(this.#journal.partial ? "partial" : "completed", head, refresh);
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

  /**
   * Step 3: the first look at every analysed row; returns the analysed drivers, and those with a row a
   * refresh could fix (the staleness checks are about their rows only, docs/contract.md §10.3).
   */
  async #verify(queries: RunQueries): Promise<{ drivers: Set<string>; fixable: Set<string> }> {
    return this.#journal.phase("verify", async () => {
      await this.reads.query(queries.firstLook(), queries.shown.firstLook);
      const dates = await this.reads.query<TripDatesRow>(queries.tripDates(), queries.shown.trips);
      for (const w of warn.tripDateWarnings(dates.rows[0] as TripDatesRow)) this.#journal.warn(w);
      const drivers = new Set<string>();
      const fixable = new Set<string>();
      await this.reads.each<FirstLookRow>(queries.firstLookRows(), queries.shown.rows, async (page) => {
        for (const raw of page) {
          const { row, before } = toFirstLook(raw, queries.optional);
          if (row.driver_id === null) continue;
          drivers.add(row.driver_id);
          if (needsRefresh(look(row, before))) fixable.add(row.driver_id);
        }
        return true;
      });
      return { drivers, fixable };
    });
  }

  /** Steps 5 and 6: the second look, the pure decision per row, and the rows streamed to every output. */
  async #decideAndStream(queries: RunQueries, refresh: RefreshRunner, asOf: string): Promise<void> {
    const decider = new RowDecider(
      {
        dryRun: this.params.dryRun,
        refreshed: refresh.upstreamRan,
        ...refresh.decideContext(),
      },
      this.options.gapStatuses,
      asOf,
    );
    await this.#journal.phase("decide", async () => {
      await this.reads.cap();
      const reread = refresh.rereadScope();
      const scope = reread === "all" ? "all" : reread.size === 0 ? "none" : [...reread];
      await this.reads.each<FinalRow>(queries.finalRows(scope), queries.shown.final, async (page) => {
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

  async #finish(status: RunStatus, head: ReportHead, refresh: RefreshRunner): Promise<Report> {
    const duration = Date.now() - this.#started.getTime();
    const report: Report = {
      ...head,
      status,
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
    await this.sinks.finish(report);
    if (this.#rows) report.rows = this.#rows;
    return report;
  }
}
