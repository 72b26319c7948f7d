/**
 * The run (docs/contract.md §4 and §9): lock, identify, verify, refresh, re-verify, report, refresh the
 * dependents. Shaped read → decide → act: the queries in `db/` fetch facts for all rows at once, the pure
 * functions in `core/` decide, and this file only sequences them over the one session a run uses.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { type ReconcileOptions, type ResolvedOptions, resolveOptions } from "./config.js";
import { AmountError } from "./core/amounts.js";
import { look, needsRefresh } from "./core/decide.js";
import {
  claimedGapsStaying,
  decidedAgainst,
  type LedgerWrite,
  planLedger,
  refusedWrite,
  settleLedger,
} from "./core/ledger.js";
import { MetricsAccumulator } from "./core/metrics.js";
import { reportColumns, statusCounts } from "./core/report-columns.js";
import { RowDecider } from "./core/row-decider.js";
import { type JournalLogger, RunJournal } from "./core/run-journal.js";
import { type AppliedTimeouts, applyRoleTimeouts, MIN_START_MS, TimeBudget } from "./core/time-budget.js";
import type { LedgerSummary, Report, ReportHead, ReportRow, ReportSink, RunStatus } from "./core/types.js";
import * as warn from "./core/warnings.js";
import { BudgetExhausted, BudgetedReads } from "./db/budgeted-reads.js";
import { checkContract } from "./db/contract.js";
import {
  type CheckedLedger,
  checkLedger,
  insertClaims,
  readLedgerStatuses,
  type UndoResult,
  undoRun,
} from "./db/ledger.js";
import {
  type FinalRow,
  type FirstLookRow,
  RunQueries,
  type StatusCountRow,
  type TripDatesRow,
  toFinal,
  toFirstLook,
  type WindowFilter,
} from "./db/queries.js";
import { RefreshRunner } from "./db/refresh-runner.js";
import * as session from "./db/session.js";
import {
  asReconcileError,
  errorCode,
  InputError,
  isConnectionError,
  SourceDataError,
  TimeBudgetError,
} from "./errors.js";
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

  /**
   * Deletes exactly the claims one run recorded in the ledger and nobody changed since (status still
   * `generated`, `reason` naming the run), in one transaction, under the run lock so that it never races a
   * run that is recording (docs/contract.md §10.2). `dryRun` only counts them. Needs DELETE on the ledger.
   */
  async undoRecordedClaims(runId: string, undo: UndoOptions = {}): Promise<UndoReport> {
    if (typeof runId !== "string" || runId.trim() === "" || runId.length > 200) {
      throw new InputError("invalid parameters: runId must be a run id (1 to 200 characters)", [
        { field: "runId", message: "must be a run id (1 to 200 characters)" },
      ]);
    }
    const options = resolveOptions(this.#options);
    const dryRun = undo.dryRun === true;
    const execute = async (client: pg.PoolClient): Promise<UndoReport> => {
      const ledger = await checkLedger(client, undo.claimsLedger ?? options.claimsLedger);
      const base = { run_id: runId, table: ledger.shown, dry_run: dryRun };
      const { locked } = await session.takeRunLock(client, options.lockKey, dryRun);
      if (!locked) return { ...base, status: "skipped", deleted: 0, kept: 0, amount: "0.00" };
      return { ...base, status: "completed", ...(await undoRun(client, ledger, runId, dryRun)) };
    };
    try {
      return await session.withRunSession(this.#pool, execute, async () => undefined);
    } catch (error) {
      throw asReconcileError(error, {
        phase: "ledger undo",
        object: undo.claimsLedger ?? options.claimsLedger,
        action: "deleting from",
      });
    }
  }
}

/** What `undoRecordedClaims` did (or, in a dry run, would do). */
export interface UndoReport extends UndoResult {
  /** `skipped`: another run holds the lock (it may be recording right now); nothing was touched. */
  readonly status: "completed" | "skipped";
  readonly run_id: string;
  readonly table: string;
  readonly dry_run: boolean;
}

/** Options of `undoRecordedClaims`. */
export interface UndoOptions {
  dryRun?: boolean;
  /** The claims ledger (default: the instance's `claimsLedger`, else `DEFAULT_CLAIMS_LEDGER`). */
  claimsLedger?: string;
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
  #ledger: LedgerSummary | null = null;

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
    let ledger: CheckedLedger | null = null;
    try {
      contract = await this.#journal.phase("contract", async () => {
        await this.reads.cap();
        const checked = await checkContract(client, options.objects);
        // The ledger's contract too, before any work (docs/contract.md §10.2).
        if (params.recordClaims)
          ledger = await checkLedger(client, params.claimsLedger ?? options.claimsLedger);
        return checked;
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
      const verified = await this.#verify(queries);
      await this.#journal.phase("plan", async () => {
        await this.reads.cap();
        await refresh.readPlan(contract);
      });
      await refresh.upstream(verified.fixable.size > 0, [...verified.fixable]);
      await this.#decideAndStream(queries, refresh, asOf, client, ledger, head.run_id);
      await refresh.dependents([...verified.drivers]);
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
      const sql = queries.identify(this.#window(asOf), p.onlyGaps, statuses, p.limit);
      const counts = statusCounts(
        (await this.reads.query<StatusCountRow>(sql, queries.shown.gap)).rows,
        statuses,
      );
      this.#statusCounts = counts.byStatus;
      this.#gapsFound = this.#inWindow(counts);
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
      await this.reads.cap();
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
          if (needsRefresh(priced(() => look(row, before)))) fixable.add(row.driver_id);
        }
        return true;
      });
      return { drivers, fixable };
    });
  }

  /**
   * Steps 5 and 6: the second look, the pure decision per row, and the rows streamed to every output. With
   * the ledger on, rows are held until the write is known, so that no output says `recorded` for a claim the
   * write did not keep.
   */
  async #decideAndStream(
    queries: RunQueries,
    refresh: RefreshRunner,
    asOf: string,
    client: pg.PoolClient,
    ledger: CheckedLedger | null,
    runId: string,
  ): Promise<void> {
    const decider = new RowDecider(
      {
        dryRun: this.params.dryRun,
        refreshed: refresh.upstreamRan,
        ...refresh.decideContext(),
      },
      this.options.gapStatuses,
      asOf,
    );
    const held: ReportRow[] | null = ledger ? [] : null;
    await this.#journal.phase("decide", async () => {
      await this.reads.cap();
      const reread = refresh.rereadScope();
      const scope = reread === "all" ? "all" : reread.size === 0 ? "none" : [...reread];
      await this.reads.each<FinalRow>(queries.finalRows(scope), queries.shown.final, async (page) => {
        for (const raw of page) {
          const row = decideRow(decider, toFinal(raw, queries.optional));
          if (held) held.push(row);
          else await this.#emit(row);
        }
        return true;
      });
    });
    for (const w of warn.looksLikeGapWarnings(decider.looksLikeGaps)) this.#journal.warn(w);
    let claimedGaps = decider.claimedGaps;
    if (ledger && held) {
      const rows = await this.#journal.phase("ledger", () =>
        this.#record(client, queries, ledger, held, runId, asOf),
      );
      // A claimed gap the run records (or, dry, would record) leaves the gap view: only the rest stay for good.
      claimedGaps = claimedGapsStaying(rows, new Set(this.options.gapStatuses));
      for (const row of rows) await this.#emit(row);
    }
    this.#journal.warn(warn.claimedGapsWarning(claimedGaps));
    for (const w of warn.priceWarnings(decider.prices)) this.#journal.warn(w);
  }

  /** The window this run counts and analyses (identify, and the count again after recording). */
  #window(asOf: string): WindowFilter {
    const p = this.params;
    return { asOf, daysBack: p.daysBack, onlyMilestone: p.onlyMilestone, weekStart: p.weekStart };
  }

  /** The rows `gaps_found` counts: the gap rows under `onlyGaps`, else every row of the window. */
  #inWindow(counts: { total: number; gaps: number }): number {
    return this.params.onlyGaps ? counts.gaps : counts.total;
  }

  async #emit(row: ReportRow): Promise<void> {
    this.#metrics.add(row);
    this.#rows?.push(row);
    await this.sinks.row(row);
  }

  /**
   * Step 7 (§10.2): the proven claims the ledger lacks, written in one statement under the run lock, and the
   * gap view's window counted again. A write that is not allowed, over `maxRecord` or refused by the
   * database records nothing and leaves the run `completed` with a warning (the CLI exits 3).
   */
  async #record(
    client: pg.PoolClient,
    queries: RunQueries,
    ledger: CheckedLedger,
    rows: readonly ReportRow[],
    runId: string,
    asOf: string,
  ): Promise<ReportRow[]> {
    const p = this.params;
    await this.reads.cap();
    const present = await readLedgerStatuses(client, ledger, rows);
    const plan = planLedger(rows, present, ledger.required);
    let write: LedgerWrite | null = refusedWrite(plan, {
      dryRun: p.dryRun,
      notWritable: ledger.notWritable,
      maxRecord: p.maxRecord,
    });
    if (write === null) {
      try {
        write = { kind: "written", inserted: await insertClaims(client, ledger, plan.candidates, runId) };
      } catch (error) {
        // A lost connection is the run's failure, not the ledger's: nothing was committed, and it propagates.
        if (isConnectionError(error) || errorCode(error) === undefined) throw error;
        write = { kind: "failed", error: `${(error as Error).message} (SQLSTATE ${errorCode(error)})` };
      }
    }
    const settled = settleLedger(plan, write);
    let gapsAfter: number | null = null;
    if (settled.recorded > 0) {
      const sql = queries.countWindow(this.#window(asOf));
      gapsAfter = this.#inWindow(
        statusCounts(
          (await this.reads.query<StatusCountRow>(sql, queries.shown.gap)).rows,
          this.options.gapStatuses,
        ),
      );
    }
    this.#ledger = {
      table: ledger.shown,
      outcome: settled.outcome,
      to_record: plan.candidates.length,
      recorded: settled.recorded,
      amount_recorded: settled.amount,
      max_record: p.maxRecord,
      gaps_before: this.#gapsFound,
      gaps_after: gapsAfter,
      error: settled.error,
    };
    this.#journal.warn(warn.ledgerBlockedWarning(this.#ledger, p.dryRun));
    this.#journal.warn(warn.decidedAgainstWarning(decidedAgainst(settled.rows)));
    return settled.rows;
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
      metrics: this.#metrics.metrics(
        this.#gapsFound,
        refresh.results,
        duration,
        this.params.daysBack,
        this.#ledger,
      ),
      gap_status_counts: this.#statusCounts,
      refreshed_views: refresh.results,
      refresh_plan: refresh.plan,
      refresh_skipped: refresh.skipped,
      ledger: this.#ledger,
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

/** An amount the job cannot use names its row and stops the run as the data's fault (§10.4). */
function priced<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof AmountError) {
      throw new SourceDataError(`decide: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function decideRow(decider: RowDecider, facts: Parameters<RowDecider["decide"]>[0]): ReportRow {
  return priced(() => decider.decide(facts));
}
