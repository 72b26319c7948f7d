/**
 * The run (contract.md §4): lock, identify, verify, refresh, re-verify, report. Shaped read → decide →
 * act: the queries in `db/` fetch facts for all rows at once, the pure functions in `core/` decide, and
 * this file sequences them, owns the one database session a run uses, and releases it on every path.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import Cursor from "pg-cursor";
import { type ReconcileOptions, type ResolvedOptions, resolveOptions } from "./config.js";
import { amountFor } from "./core/amounts.js";
import { ClaimKeys } from "./core/claim-keys.js";
import { decide, look, needsRefresh } from "./core/decide.js";
import { amountAtRisk, MetricsAccumulator } from "./core/metrics.js";
import { blockedBy, describeOutcome, isFailure, planRefresh } from "./core/refresh-plan.js";
import type {
  PhaseTiming,
  RefreshOutcome,
  RefreshResult,
  RefreshStage,
  RefreshStep,
  Report,
  ReportHead,
  ReportRow,
  ReportSink,
  RunStatus,
} from "./core/types.js";
import { readDependencyGraph, readDependents } from "./db/catalog.js";
import { type CheckedContract, checkContract } from "./db/contract.js";
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
import { refreshStep } from "./db/refresh.js";
import {
  asReconcileError,
  ConfigurationError,
  DatabaseUnavailableError,
  errorCode,
  isConnectionError,
  SQLSTATE,
  TimeBudgetError,
} from "./errors.js";
import { parseRunParameters, type RunParameters } from "./params.js";

export interface RunLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
}

export interface RunOptions {
  /** Outputs that receive rows as they are decided (file, S3). */
  sinks?: readonly ReportSink[];
  /** Keep rows in `report.rows` (default true; adapters that stream pass false to keep memory flat). */
  collectRows?: boolean;
  /** Epoch ms by which the run must have ended; statement timeouts are capped so it ends `partial`. */
  deadline?: number;
  runId?: string;
  logger?: RunLogger;
}

/** Shortest time worth starting a run with; below it the caller gets `TimeBudgetError` at once. */
const MIN_START_MS = 2_000;

/** Raised inside a run when the deadline, not a configured cap, cut a statement short. */
class BudgetExhausted extends Error {}

const ROW_DECISION_COLUMNS = [
  "amount",
  "classification",
  "verdict",
  "invalid_reason",
  "diagnosis",
  "detail",
  "reclassified",
  "duplicate_of",
  "amount_at_risk",
] as const;

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
    if (run.deadline !== undefined && run.deadline - Date.now() < MIN_START_MS) {
      throw new TimeBudgetError(
        `only ${Math.max(0, run.deadline - Date.now())} ms left: not enough to start a run`,
      );
    }
    const runner = new Run(params, options, run);
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw new DatabaseUnavailableError(
        `cannot connect to the database: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    let broken: unknown;
    // A checked-out client has no pool listener: when its socket dies (backend terminated, failover) `pg`
    // emits 'error' on it, and with no listener that is an uncaught exception that ends the process. The
    // pending query is rejected anyway; here the loss is only recorded, so the client is destroyed.
    const onLost = (error: Error) => {
      broken ??= error;
    };
    client.on("error", onLost);
    try {
      return await runner.execute(client);
    } catch (error) {
      if (isConnectionError(error)) broken ??= error;
      await Promise.allSettled((run.sinks ?? []).map((sink) => sink.abort(error)));
      throw asReconcileError(error, "reconcile run");
    } finally {
      await release(client, broken);
      client.off("error", onLost);
    }
  }
}

/**
 * Gives the session back clean: the advisory lock released, the temp table and settings discarded. A
 * session that failed (or cannot be cleaned) is destroyed instead; PostgreSQL then drops its lock itself.
 */
async function release(client: pg.PoolClient, broken: unknown): Promise<void> {
  if (broken) {
    client.release(broken instanceof Error ? broken : true);
    return;
  }
  try {
    await client.query("ROLLBACK").catch(() => undefined);
    await client.query("SELECT pg_advisory_unlock_all()");
    await client.query("DISCARD ALL");
    client.release();
  } catch (error) {
    client.release(error instanceof Error ? error : true);
  }
}

/** One execution: its parameters, its clock and what it has learned so far. */
class Run {
  readonly #started = new Date();
  readonly #t0 = performance.now();
  readonly #phases: PhaseTiming[] = [];
  readonly #warnings: string[] = [];
  readonly #metrics = new MetricsAccumulator();
  readonly #runId: string;
  #partial = false;
  #gapsFound = 0;
  #statusCounts: Record<string, number> = {};
  #refreshes: RefreshResult[] = [];
  #plan: RefreshStep[] = [];
  #refreshSkipped: string | null = null;
  #upstreamRan = false;
  #head: ReportHead | undefined;
  #rows: ReportRow[] | undefined;
  /** `server_version_num` and `current_user`, read once when the session is set up. */
  #server = { version: 0, role: "" };

  constructor(
    readonly params: RunParameters,
    readonly options: ResolvedOptions,
    readonly run: RunOptions,
  ) {
    this.#runId = run.runId ?? randomUUID();
    this.#rows = run.collectRows === false ? undefined : [];
  }

  async execute(client: pg.PoolClient): Promise<Report> {
    const log = this.run.logger;
    await this.#setupSession(client);
    const contract = await this.#phase("contract", () => checkContract(client, this.options.objects));
    // A dry run refreshes nothing, so it takes no run lock: an operator's dry run never makes the
    // scheduled run skip (docs/contract.md §9.10).
    const lock = await client.query<{ locked: boolean; today: string }>(
      `SELECT CASE WHEN $2::boolean THEN true ELSE pg_try_advisory_lock($1::bigint) END AS locked,
              to_char(CURRENT_DATE, 'YYYY-MM-DD') AS today`,
      [this.options.lockKey.toString(), this.params.dryRun],
    );
    const { locked, today } = lock.rows[0] as { locked: boolean; today: string };
    const asOf = this.params.asOf ?? today;
    await this.#start(contract, asOf);
    if (!locked) {
      log?.info("another run holds the lock: skipped");
      return this.#finish("skipped", asOf);
    }

    const queries = new RunQueries(contract);
    const filter: WindowFilter = {
      asOf,
      daysBack: this.params.daysBack,
      onlyMilestone: this.params.onlyMilestone,
      weekStart: this.params.weekStart,
    };
    try {
      await this.#identify(client, queries, filter);
      const anyToFix = await this.#verify(client, queries);
      await this.#refreshUpstream(client, contract, anyToFix);
      await this.#decideAndStream(client, queries);
      await this.#refreshDependents(client);
    } catch (error) {
      if (!(error instanceof BudgetExhausted)) throw error;
      this.#budgetExhausted(error.message);
    }
    return this.#finish(this.#partial ? "partial" : "completed", asOf);
  }

  async #setupSession(client: pg.PoolClient): Promise<void> {
    try {
      const { rows } = await client.query<{ version: number; role: string }>(
        `SELECT set_config('TimeZone', $1, false), set_config('statement_timeout', $2, false),
                set_config('application_name', 'reconcile-cabinet-claims-14d', false),
                current_setting('server_version_num')::int AS version, current_user::text AS role`,
        [this.options.timeZone, `${this.#statementBudget(this.options.statementTimeoutMs)}ms`],
      );
      this.#server = rows[0] as { version: number; role: string };
    } catch (error) {
      if (errorCode(error) === SQLSTATE.INVALID_PARAMETER_VALUE) {
        throw new ConfigurationError(`time zone "${this.options.timeZone}" is not known to PostgreSQL`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  async #start(contract: CheckedContract, asOf: string): Promise<void> {
    this.#head = {
      run_id: this.#runId,
      as_of: asOf,
      parameters: this.params,
      started_at: this.#started.toISOString(),
      row_columns: [
        "ord",
        "driver_id",
        "lead_date",
        "milestone_value",
        "gap_reason",
        "claim_status",
        ...contract.gapOptional,
        ...ROW_DECISION_COLUMNS,
      ],
    };
    // Outputs are independent files/uploads: open them together rather than one after the other.
    await allSinks(this.run.sinks, (sink) => sink.start(this.#head as ReportHead));
  }

  /** Step 2: count the window (per status) and snapshot at most `limit` rows in a deterministic order. */
  async #identify(client: pg.PoolClient, queries: RunQueries, filter: WindowFilter): Promise<void> {
    await this.#phase("identify", async () => {
      await this.#capStatements(client, this.options.statementTimeoutMs);
      await client.query(queries.createRowsTable());
      const counts = await this.#read(() =>
        client.query<StatusCountRow>(
          queries.identify(filter, this.params.onlyGaps, this.options.gapStatuses, this.params.limit),
        ),
      );
      const gapStatuses = new Set(this.options.gapStatuses);
      let total = 0;
      let gaps = 0;
      for (const row of counts.rows) {
        const n = Number(row.n);
        // Defined, not assigned: a status word such as "__proto__" must be counted like any other.
        Object.defineProperty(this.#statusCounts, row.claim_status ?? "(null)", {
          value: n,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        total += n;
        if (row.claim_status !== null && gapStatuses.has(row.claim_status)) gaps += n;
      }
      this.#gapsFound = this.params.onlyGaps ? gaps : total;
      if (total === 0) {
        this.#warn(
          `the gap view has no rows with lead_date >= ${filter.asOf} - ${filter.daysBack} days: check the view, the as-of date and the filters`,
        );
      } else if (gaps === 0 && this.params.onlyGaps) {
        const seen = Object.entries(this.#statusCounts)
          .map(([status, n]) => `${status}=${n}`)
          .join(", ");
        this.#warn(
          `no row in the window has a gap status (${this.options.gapStatuses.join(", ")}) but it holds ${total} rows with statuses ${seen}: if one of them means "gap", add it to the gap statuses`,
        );
      }
      await client.query(queries.analyzeRows());
    });
  }

  /** Step 3: the first look at every analysed row; returns whether a refresh could change any verdict. */
  async #verify(client: pg.PoolClient, queries: RunQueries): Promise<boolean> {
    return this.#phase("verify", async () => {
      await this.#read(() => client.query(queries.firstLook()));
      const dates = await this.#read(() => client.query<TripDatesRow>(queries.tripDates()));
      const trips = dates.rows[0];
      if (trips && trips.unparseable > 0) {
        this.#warn(
          `${trips.unparseable} summary_daily rows of the analysed drivers have a date_file in no accepted format (DD-MM-YYYY, YYYY-MM-DD) or an impossible date (e.g. "${trips.unparseable_example}"); their trips are not counted`,
        );
      }
      if (trips && trips.iso_in_window > 0) {
        this.#warn(
          `${trips.iso_in_window} summary_daily rows of the analysed drivers inside their windows are written YYYY-MM-DD: the job counts their trips, but views that parse only DD-MM-YYYY do not, so a milestone can be missing from them before the gap view ever shows it`,
        );
      }
      let anyToFix = false;
      await this.#eachRow<FirstLookRow>(client, queries.firstLookRows(), (raw) => {
        const { row, before } = toFirstLook(raw, queries.optional);
        if (needsRefresh(look(row, before))) anyToFix = true;
        return !anyToFix; // stop reading at the first row a refresh could fix
      });
      return anyToFix;
    });
  }

  /**
   * Step 4: plan both stages, then refresh the upstream stage in dependency order, unless dry-run or no
   * refresh can change a verdict (nothing to fix, or no planned view feeds the claims or achieved view).
   */
  async #refreshUpstream(client: pg.PoolClient, contract: CheckedContract, anyToFix: boolean): Promise<void> {
    this.#plan = await this.#phase("plan", async () => {
      const roots = {
        gapView: contract.oids.gapView,
        claimsView: contract.oids.claimsView,
        achievedView: contract.oids.achievedView,
      };
      const [upstream, downstream] = [
        await readDependencyGraph(client, Object.values(roots), this.#server.version),
        await readDependents(client, roots.claimsView, this.#server.version),
      ];
      return planRefresh(roots, upstream, downstream);
    });
    const upstream = this.#plan.filter((step) => step.stage === "upstream");
    const refused = this.#plan.filter((step) => !step.permitted);
    if (this.params.dryRun) {
      this.#refreshSkipped = "dry-run";
      if (refused.length > 0) {
        this.#warn(
          `role ${this.#server.role} may not refresh ${refused.map((s) => `${s.name} (owner ${s.owner})`).join(", ")}: a real run would record ${refused.length === 1 ? "it" : "them"} as failed; refreshing needs ownership, or MAINTAIN on PostgreSQL 17+`,
        );
      }
      return;
    }
    if (!this.params.forceRefresh && !anyToFix) {
      this.#refreshSkipped =
        "nothing to fix: every analysed row already has its claim or cannot be fixed by a refresh";
      return;
    }
    if (!this.params.forceRefresh && !this.#refreshable()) {
      this.#refreshSkipped =
        upstream.length === 0
          ? "no materialized view in the dependency closure"
          : "no planned materialized view feeds the claims or canonical achieved view: a refresh cannot change a verdict";
      return;
    }
    if (upstream.length === 0) {
      this.#refreshSkipped = "no materialized view in the dependency closure";
      return;
    }
    this.#upstreamRan = true;
    await this.#phase("refresh", () => this.#runSteps(client, upstream));
  }

  /** Step 7 (docs/contract.md §9.3): the views built on the claims view, once the verdicts are decided. */
  async #refreshDependents(client: pg.PoolClient): Promise<void> {
    const dependents = this.#plan.filter((step) => step.stage === "dependent");
    if (dependents.length === 0 || this.params.dryRun || !this.params.refreshDependents) return;
    if (!this.#upstreamRan && !this.params.forceRefresh) return;
    await this.#phase("refresh dependents", () => this.#runSteps(client, dependents));
  }

  /** Whether refreshing the plan could change a verdict: some upstream view feeds claims or achieved. */
  #refreshable(): boolean {
    return this.#plan.some((step) => step.stage === "upstream" && step.feeds_claims);
  }

  async #runSteps(client: pg.PoolClient, steps: readonly RefreshStep[]): Promise<void> {
    const log = this.run.logger;
    const results = new Map(this.#refreshes.map((r) => [r.name, r]));
    for (const step of steps) {
      const blocker = blockedBy(step, results);
      const remaining = this.#remaining() - this.#reserveForReverify(step.stage);
      let outcome: RefreshOutcome;
      let duration_ms = 0;
      if (blocker !== null) {
        outcome = { kind: "skipped", because: blocker };
      } else if (!step.permitted) {
        outcome = { kind: "not_permitted", role: this.#server.role, owner: step.owner };
      } else if (remaining < 1_000) {
        this.#budgetExhausted(`refresh of ${step.name} not started`);
        outcome = { kind: "out_of_time" };
      } else {
        ({ outcome, duration_ms } = await refreshStep(client, step, {
          lockTimeoutMs: Math.min(this.options.refreshLockTimeoutMs, remaining),
          statementTimeoutMs: Math.min(this.options.refreshStatementTimeoutMs, remaining),
        }));
        // Cancelled by a statement timeout the run's deadline imposed (not the configured cap): the run is
        // partial, not failed.
        if (
          outcome.kind === "failed" &&
          outcome.sqlstate === SQLSTATE.QUERY_CANCELED &&
          remaining < this.options.refreshStatementTimeoutMs
        ) {
          this.#budgetExhausted(`refresh of ${step.name} cut short`);
        }
      }
      const result = toResult(step, outcome, duration_ms);
      results.set(step.name, result);
      this.#refreshes.push(result);
      this.#phases.push({ phase: `refresh ${step.name}`, duration_ms });
      if (result.ok) log?.info("refreshed", { view: step.name, mode: step.mode, duration_ms });
      else if (isFailure(outcome)) {
        // Loud (§9.6): a report warning and a log warning, which the CLI also prints on stderr.
        this.#warn(`refresh of ${step.name} (${step.stage}) failed: ${result.error}`);
      } else log?.warn("refresh not attempted", { view: step.name, reason: result.error });
    }
  }

  /**
   * The view whose failed refresh explains a missing claim: the first upstream view feeding the claims or
   * achieved view that was not refreshed. Every analysed row reads that closure, so it explains them all.
   */
  #failedRefresh(): { name: string; error: string } | null {
    const feeding = new Set(this.#plan.filter((s) => s.feeds_claims).map((s) => s.name));
    const failed = this.#refreshes.find((r) => r.stage === "upstream" && !r.ok && feeding.has(r.name));
    return failed ? { name: failed.name, error: failed.error ?? "not refreshed" } : null;
  }

  /** Steps 5 and 6: the second look, the pure decision per row, and the rows streamed to every output. */
  async #decideAndStream(client: pg.PoolClient, queries: RunQueries): Promise<void> {
    const context = {
      dryRun: this.params.dryRun,
      refreshed: this.#upstreamRan,
      refreshable: this.#refreshable(),
      failedRefresh: this.#failedRefresh(),
    };
    const keys = new ClaimKeys();
    const looksLikeGaps = new Map<string, number>();
    const gapStatuses = new Set(this.options.gapStatuses);
    let claimedGaps = 0;
    await this.#phase("decide", async () => {
      await this.#capStatements(client, this.options.statementTimeoutMs);
      const pending: FinalRow[] = [];
      await this.#eachRow<FinalRow>(
        client,
        queries.finalRows(),
        (raw) => {
          pending.push(raw);
          return true;
        },
        async () => {
          for (const raw of pending.splice(0)) {
            const { row, before, after, facts } = toFinal(raw, queries.optional);
            const decision = decide(row, before, after, facts, context);
            const base = {
              ...row,
              amount: amountFor(row.milestone_value, row.expected_amount),
              ...decision,
              duplicate_of: keys.duplicateOf(row),
            };
            const reportRow: ReportRow = { ...base, amount_at_risk: amountAtRisk(base) };
            const isGap = gapStatuses.has(row.claim_status ?? "");
            if (decision.classification === "SHOULD_EXIST" && !isGap) {
              const key = row.claim_status ?? "(null)";
              looksLikeGaps.set(key, (looksLikeGaps.get(key) ?? 0) + 1);
            }
            if (decision.verdict === "ALREADY_EXISTS" && isGap) claimedGaps += 1;
            this.#metrics.add(reportRow);
            this.#rows?.push(reportRow);
            for (const sink of this.run.sinks ?? []) await sink.row(reportRow);
          }
        },
      );
    });
    for (const [status, n] of looksLikeGaps) {
      this.#warn(
        `${n} rows with claim_status "${status}" (not a gap status) have no claim although the canonical view says the milestone was achieved inside the window`,
      );
    }
    if (claimedGaps > 0) {
      this.#warn(
        `${claimedGaps} rows with a gap status already have their claim in the claims view (ALREADY_EXISTS): the gap view decides whether a claim exists from another source, so these rows will never leave it`,
      );
    }
  }

  /**
   * Reads a query through a cursor, a page at a time: memory stays flat whatever the number of rows, and
   * round trips grow by one per page, never per row. `onRow` returns false to stop early; `onPage` runs
   * after each page (the rows are decided and written there, with backpressure).
   */
  async #eachRow<Row>(
    client: pg.PoolClient,
    text: string,
    onRow: (row: Row) => boolean,
    onPage?: () => Promise<void>,
  ): Promise<void> {
    const cursor = client.query(new Cursor<Row>(text));
    // Once the cursor has failed (a query error, or the connection lost under it) its portal is gone and
    // pg-cursor has already sent Sync; close() would then wait for a ReadyForQuery that a dead connection
    // never sends, and the run would hang instead of failing.
    let failed = false;
    cursor.on("error", () => {
      failed = true;
    });
    try {
      for (;;) {
        const page = await this.#read(() => cursor.read(this.options.pageSize));
        let go = true;
        for (const row of page) {
          if (!onRow(row)) {
            go = false;
            break;
          }
        }
        await onPage?.();
        if (!go || page.length < this.options.pageSize) break;
      }
    } finally {
      if (!failed) await cursor.close().catch(() => undefined);
    }
  }

  /** Runs a read; a statement cut by the deadline (not by the configured cap) ends the run `partial`. */
  async #read<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (
        errorCode(error) === SQLSTATE.QUERY_CANCELED &&
        this.#deadlineBinds(this.options.statementTimeoutMs)
      ) {
        throw new BudgetExhausted(error instanceof Error ? error.message : String(error));
      }
      throw error;
    }
  }

  async #capStatements(client: pg.PoolClient, capMs: number): Promise<void> {
    const ms = this.#statementBudget(capMs);
    if (ms < 500) throw new BudgetExhausted("no time left for the next phase");
    await client.query("SELECT set_config('statement_timeout', $1, false)", [`${ms}ms`]);
  }

  #remaining(): number {
    return this.run.deadline === undefined ? Number.POSITIVE_INFINITY : this.run.deadline - Date.now();
  }

  #deadlineBinds(capMs: number): boolean {
    return this.#remaining() <= capMs + 1_000;
  }

  #statementBudget(capMs: number): number {
    return Math.max(0, Math.floor(Math.min(capMs, this.#remaining())));
  }

  /**
   * Time kept back from an upstream refresh so the re-verify and the report can still run; dependents run
   * after the re-verify and keep back only a little for the report.
   */
  #reserveForReverify(stage: RefreshStage): number {
    if (stage === "dependent") return 1_000;
    const verify = this.#phases.filter((p) => p.phase === "identify" || p.phase === "verify");
    const spent = verify.reduce((sum, p) => sum + p.duration_ms, 0);
    return Math.max(2_000, 3 * spent);
  }

  async #phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      const duration_ms = Math.round(performance.now() - started);
      this.#phases.push({ phase: name, duration_ms });
      this.run.logger?.info("phase", { phase: name, duration_ms });
    }
  }

  /** Marks the run partial once, with the warning that says why. */
  #budgetExhausted(what: string): void {
    if (!this.#partial) this.#warn(`time budget exhausted: ${what}; the report covers the work done so far`);
    this.#partial = true;
  }

  #warn(message: string): void {
    this.#warnings.push(message);
    this.run.logger?.warn(message);
  }

  async #finish(status: RunStatus, asOf: string): Promise<Report> {
    const head = this.#head as ReportHead;
    const report: Report = {
      ...head,
      as_of: asOf,
      status,
      metrics: this.#metrics.metrics(
        this.#gapsFound,
        this.#refreshes,
        Math.round(performance.now() - this.#t0),
      ),
      gap_status_counts: this.#statusCounts,
      refreshed_views: this.#refreshes,
      refresh_plan: this.#plan,
      refresh_skipped: this.#refreshSkipped,
      breakdown: this.#metrics.breakdown(),
      warnings: this.#warnings,
      phases: this.#phases,
      finished_at: new Date().toISOString(),
    };
    await allSinks(this.run.sinks, (sink) => sink.finish(report));
    if (this.#rows) report.rows = this.#rows;
    return report;
  }
}

function toResult(step: RefreshStep, outcome: RefreshOutcome, duration_ms: number): RefreshResult {
  return {
    name: step.name,
    stage: step.stage,
    mode: step.mode,
    duration_ms,
    ok: outcome.kind === "ok",
    error: describeOutcome(outcome),
    outcome,
  };
}

/**
 * Runs `fn` on every sink at once (they write to independent files or uploads) and waits for all of them
 * to settle before reporting the first failure, so an abort never races a start or finish still running.
 */
async function allSinks(
  sinks: readonly ReportSink[] | undefined,
  fn: (sink: ReportSink) => Promise<void>,
): Promise<void> {
  const results = await Promise.allSettled((sinks ?? []).map(fn));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
