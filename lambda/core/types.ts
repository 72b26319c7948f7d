/**
 * The vocabulary of a run: what a gap row is, what the job decides about it, and the report it returns.
 * Row fields keep the database's snake_case; metric names are the runbook's (docs/contract.md §5).
 */
import type { Aging, BucketTotal } from "./aging.js";
import type { AppliedTimeouts } from "./time-budget.js";

export type Verdict = "INVALID" | "ALREADY_EXISTS" | "RESOLVED" | "STILL_MISSING" | "WOULD_REFRESH";
export type InvalidReason =
  | "NO_DRIVER"
  | "NO_LEAD_DATE"
  /** Milestone NULL or not 1, 5 or 25, and no amount from a rule or the gap view (docs/contract.md §10.4). */
  | "UNKNOWN_MILESTONE"
  /** The partner rule in force for the row pays 0: nothing is owed, whatever the claims view holds (§10.1). */
  | "ZERO_AMOUNT_RULE"
  | "NOT_ACHIEVED"
  | "ACHIEVED_OUTSIDE_WINDOW";
export type Diagnosis =
  | "REFRESH_FAILED"
  | "CLAIM_ON_OTHER_LEAD_DATE"
  | "NO_PAYMENT_CALCULATION"
  | "PAYMENT_CALCULATION_NOT_ACHIEVED"
  | "TRIPS_OUTSIDE_WINDOW"
  | "CLAIMS_VIEW_MISSING";
/** The first look, before any refresh: is the row invalid, already claimed, or a claim that should exist? */
export type Classification = "INVALID" | "ALREADY_EXISTS" | "SHOULD_EXIST";
export type RunStatus = "completed" | "skipped" | "partial";

/**
 * The run's parameters after validation (docs/contract.md §3), as the report echoes them. `params.ts`
 * validates input into exactly this shape (checked at compile time there).
 */
export interface RunParameters {
  daysBack: number;
  limit: number;
  onlyGaps: boolean;
  dryRun: boolean;
  onlyMilestone: 1 | 5 | 25 | null;
  weekStart: string | null;
  forceRefresh: boolean;
  refreshDependents: boolean;
  asOf: string | null;
  /** Record the claims the run proves in the claims ledger (docs/contract.md §10.2; off by default). */
  recordClaims: boolean;
  /** The claims ledger table (default `canon.claims_yango_cabinet_14d`). */
  claimsLedger: string | null;
  /** More claims to record than this records none (a bound on a write to money). */
  maxRecord: number;
  objects?: {
    gapView?: string | undefined;
    claimsView?: string | undefined;
    achievedView?: string | undefined;
    paymentCalcView?: string | undefined;
    tripsTable?: string | undefined;
  };
  gapStatuses?: string[];
  /** `lock_timeout` of the reads for this run (ms; event field `lockTimeoutMs`), over the configured one. */
  lockTimeoutMs?: number;
}

/** Optional gap view columns carried into the report when the view has them. */
export const OPTIONAL_GAP_COLUMNS = [
  "person_key",
  "lead_source_pk",
  "week_start",
  "trips_14d",
  "expected_amount",
] as const;
export type OptionalGapColumn = (typeof OPTIONAL_GAP_COLUMNS)[number];

/** One row of the gap view as analysed (required columns, then optional ones when the view has them). */
export interface GapRow {
  /** Position in the deterministic order `lead_date DESC, driver_id, milestone_value` (1-based). */
  readonly ord: number;
  readonly driver_id: string | null;
  readonly lead_date: string | null;
  /** NULL when the gap view has none (such a row is INVALID `UNKNOWN_MILESTONE` unless it carries an amount). */
  readonly milestone_value: number | null;
  readonly gap_reason: string | null;
  readonly claim_status: string | null;
  readonly person_key?: string | null;
  readonly lead_source_pk?: string | null;
  readonly week_start?: string | null;
  readonly trips_14d?: number | null;
  /** Decimal string, e.g. "35" or "35.00". */
  readonly expected_amount?: string | null;
}

/**
 * The figures a row's `detail` states, as a value tagged with the code it explains, so that a page can word
 * the detail in its own language (the English `detail` stays what the log and the JSON say). `REFRESH_FAILED`
 * carries the failed view and the diagnosis of the data as it is; `RESOLVED` what the first look found.
 */
export type DetailFacts =
  | { readonly code: "NO_DRIVER" | "NO_LEAD_DATE" | "UNKNOWN_MILESTONE" }
  | { readonly code: "ZERO_AMOUNT_RULE"; readonly amount: string }
  | { readonly code: "NO_PAYMENT_CALCULATION" }
  | { readonly code: "NOT_ACHIEVED"; readonly achieved_flag: false | null }
  | { readonly code: "ACHIEVED_OUTSIDE_WINDOW"; readonly achieved_date: string }
  | { readonly code: "CLAIM_ON_OTHER_LEAD_DATE"; readonly other_lead_date: string }
  | {
      readonly code: "PAYMENT_CALCULATION_NOT_ACHIEVED";
      readonly achieved_date: string | null;
      readonly trips_in_window: number;
    }
  | { readonly code: "TRIPS_OUTSIDE_WINDOW"; readonly trips_in_window: number }
  | { readonly code: "CLAIMS_VIEW_MISSING"; readonly achieved_date: string; readonly trips_in_window: number }
  | { readonly code: "REFRESH_FAILED"; readonly view: string; readonly data: DataDetailFacts }
  | { readonly code: "RESOLVED"; readonly before: LookDetailFacts };
/** The facts of a first or second look that found the row invalid. */
export type LookDetailFacts = Extract<
  DetailFacts,
  {
    code:
      | "NO_DRIVER"
      | "NO_LEAD_DATE"
      | "UNKNOWN_MILESTONE"
      | "ZERO_AMOUNT_RULE"
      | "NOT_ACHIEVED"
      | "ACHIEVED_OUTSIDE_WINDOW";
  }
>;
/** The facts of a diagnosis of the data as it is. */
export type DataDetailFacts = Exclude<DetailFacts, LookDetailFacts | { code: "REFRESH_FAILED" | "RESOLVED" }>;

/** What the canonical sources say about one row at one moment (before or after the refresh). */
export interface LookFacts {
  /** `achieved_flag` of the canonical achieved view; null when it has no row for (driver, milestone). */
  readonly achieved_flag: boolean | null;
  readonly achieved_date: string | null;
  /** The claims view holds (driver_id, milestone_value, lead_date). */
  readonly claim_exists: boolean;
}

/** Facts for explaining a claim that is still missing (runbook troubleshooting, automated). */
export interface DiagnosisFacts {
  /** A lead date under which the claims view holds the same driver and milestone, if any. */
  readonly other_lead_date: string | null;
  /** `v_payment_calculation` rows (cabinet, partner) for driver, milestone and lead date. */
  readonly payment_calc_rows: number;
  /** Earliest `achieved_date` of those rows where `milestone_achieved` is true. */
  readonly payment_calc_achieved_date: string | null;
  /** Trips in `summary_daily` inside `[lead_date, lead_date + 14)`. */
  readonly trips_in_window: number;
}

/**
 * What prices a row (docs/contract.md §10.1): the distinct amounts of the partner rules in force for its
 * driver, milestone and lead date, as the payment calculation gives them (decimal strings, ascending); empty
 * when the calculation has no such row or no `amount` column.
 */
export interface PriceFacts {
  readonly rule_amounts: readonly string[];
}

/** Where a row's amount comes from: its rule, the gap view's `expected_amount`, or the milestone's tariff. */
export type AmountSource = "rule" | "gap_view" | "milestone";

/**
 * A row's state in the claims ledger (§10.2): `recorded` by this run, `would_record` (dry run), `present`
 * before the run (any status: a person's or a payment's decision the job never changes), `not_recorded`.
 */
export type LedgerState = "recorded" | "would_record" | "present" | "not_recorded";

/** Why a row was not recorded, first match wins (row-level), or what stopped the whole write (run-level). */
export type LedgerWhy =
  | "NOT_PROVEN"
  | "NO_PERSON_KEY"
  /** The person key cannot be the ledger's type (a `uuid` ledger and a key that is not one). */
  | "INVALID_PERSON_KEY"
  | "NO_RULE_AMOUNT"
  | "AMOUNT_CONFLICT"
  | "MISSING_VALUE"
  | "OVER_MAX_RECORD"
  | "NOT_PERMITTED"
  | "WRITE_FAILED";

/** How the recording step of a run ended (the report's `ledger.outcome`). */
export type LedgerOutcome =
  | "recorded"
  | "would_record"
  | "nothing_to_record"
  | "not_permitted"
  | "over_max_record"
  | "write_failed";

/** The recording step, in the report (null when `recordClaims` is off). */
export interface LedgerSummary {
  readonly table: string;
  readonly outcome: LedgerOutcome;
  /** Ledger keys the run proved and the ledger lacked (what it would write). */
  readonly to_record: number;
  /** Ledger keys this run wrote (0 in a dry run). */
  readonly recorded: number;
  /** Their money, once per key. */
  readonly amount_recorded: string;
  readonly max_record: number;
  /** The gap view's window before the run (`gaps_found`) and after the write (null when nothing was written). */
  readonly gaps_before: number;
  readonly gaps_after: number | null;
  /** Why the write did not happen, in words (null when it did or was not attempted). */
  readonly error: string | null;
}

/**
 * `upstream`: read (transitively) by the gap, claims or canonical achieved view; refreshed before the
 * re-verify. `dependent`: reads the claims view (transitively); refreshed after the re-verify so that a
 * resolved claim reaches the screens built on the claims view (docs/contract.md §9.3).
 */
export type RefreshStage = "upstream" | "dependent";

/** A materialized view in the dependency closure, with how it will be refreshed. */
export interface RefreshStep {
  /** Quoted-safe display name `schema.name`. */
  readonly name: string;
  readonly schema: string;
  readonly relname: string;
  readonly stage: RefreshStage;
  readonly mode: "concurrently" | "plain";
  /** Why plain: not populated, or no usable unique index. */
  readonly mode_reason: string | null;
  /** Names of the materialized views of the plan it reads (directly or through plain views). */
  readonly depends_on: readonly string[];
  /**
   * Upstream only: the claims view or the canonical achieved view reads it, so refreshing it can change a
   * row's verdict (a view only the gap view reads cannot).
   */
  readonly feeds_claims: boolean;
  /** The job's role may refresh it: owns it (member of the owner role) or, on PostgreSQL 17+, has MAINTAIN. */
  readonly permitted: boolean;
  readonly owner: string;
  /** It has a `driver_id` column: its staleness is checked, and counts, per analysed driver. */
  readonly driver_column: boolean;
  /**
   * Upstream only: the plan's views that read it directly, when every path from the claims and achieved
   * views down to it passes through one of them (so what it can change is what they can change); else [].
   */
  readonly covered_by: readonly string[];
  /**
   * Whether its rows differ from what its definition gives now, for the analysed rows (docs/contract.md
   * §10.3): `true`, `false`, or `unknown` (undecided: refreshed as before). `stale_how` says how it was
   * decided; `stale_drivers` counts the analysed drivers it is stale for (null: all of them, or not true).
   */
  readonly stale: boolean | "unknown";
  readonly stale_how: string;
  readonly stale_drivers: number | null;
  /**
   * Refreshed plain for want of a usable unique index, while its rows are unique on the columns of an
   * existing partial or expression index: the index that would allow CONCURRENTLY (advice; never created).
   */
  readonly index_advice: string | null;
}

/**
 * What happened to one step, as a value (never parsed from text): refreshed; not needed because it is fresh
 * for every analysed row it could change (`fresh`, with how that was decided); failed with its SQLSTATE;
 * not attempted because a view it reads failed (`because`) or the time budget ran out; not permitted.
 */
export type RefreshOutcome =
  | { readonly kind: "ok" }
  | { readonly kind: "fresh"; readonly how: string }
  | { readonly kind: "failed"; readonly sqlstate: string | null; readonly message: string }
  | { readonly kind: "skipped"; readonly because: string }
  | { readonly kind: "out_of_time" }
  | { readonly kind: "not_permitted"; readonly role: string; readonly owner: string };

export interface RefreshResult {
  readonly name: string;
  readonly stage: RefreshStage;
  readonly mode: "concurrently" | "plain";
  readonly duration_ms: number;
  readonly ok: boolean;
  /** The outcome in words (`null` when ok): what an operator reads in the report and the log. */
  readonly error: string | null;
  readonly outcome: RefreshOutcome;
}

/** A refresh outcome that counts as a failure (`isFailure`): the step failed or was refused. */
export type FailedRefreshOutcome = Extract<RefreshOutcome, { kind: "failed" | "not_permitted" }>;

/** Why the time budget ended the run early: a refresh step it cut, or a read it cancelled. */
export type BudgetCause =
  | { readonly kind: "refresh"; readonly view: string; readonly how: "not_started" | "cut_short" }
  | { readonly kind: "read"; readonly detail: string };

/**
 * A run-level warning as a value: its `code` and the figures and names it is about. Declared here, beside the
 * report that carries it, so that the report's types need not import the builders and wordings of
 * `warnings.ts` (which import the refresh plan, which imports these types).
 */
export type RunWarning =
  /** The window holds no row at all. */
  | { readonly code: "window_empty"; readonly asOf: string; readonly daysBack: number }
  /** The window holds rows, but none with a gap status (a silent zero is the worst outcome). */
  | {
      readonly code: "no_gap_status";
      readonly gapStatuses: readonly string[];
      readonly total: number;
      readonly byStatus: Readonly<Record<string, number>>;
    }
  /** Trip rows whose `date_file` the job cannot read. */
  | { readonly code: "unreadable_trip_dates"; readonly count: number; readonly example: string | null }
  /** Trip rows written YYYY-MM-DD, which views that parse only DD-MM-YYYY ignore. */
  | { readonly code: "iso_trip_dates"; readonly count: number }
  /** Dry run: views the role may not refresh. */
  | {
      readonly code: "refresh_not_permitted";
      readonly role: string;
      readonly views: ReadonlyArray<{ readonly name: string; readonly owner: string }>;
    }
  /** Rows that look due under a status the job does not treat as a gap. */
  | { readonly code: "looks_like_gap"; readonly status: string; readonly count: number }
  /**
   * `limit` kept only the newest rows of the window. The rows are taken newest lead first, so the ones left
   * out are the oldest: the most overdue money, which no amount of this run counts.
   */
  | { readonly code: "limit_cut"; readonly inWindow: number; readonly limit: number }
  /** Rows with a gap status whose claim already exists. */
  | { readonly code: "claimed_gaps"; readonly count: number }
  | { readonly code: "time_budget_exhausted"; readonly cause: BudgetCause }
  /** Rows whose gap view `expected_amount` differs from the amount of their rule in force (§10.1). */
  | { readonly code: "gap_view_priced_otherwise"; readonly count: number }
  /** Rows whose rule in force pays 0 although the claims view holds their claim: claims nobody owes. */
  | { readonly code: "zero_rule_claims"; readonly count: number }
  /** Rows whose partner rules in force disagree on the amount (the highest is counted). */
  | { readonly code: "amount_conflicts"; readonly count: number }
  /** Rows whose milestone is NULL or not 1, 5 or 25 and that nothing prices: INVALID, never S/ 0.00 silently. */
  | { readonly code: "unknown_milestones"; readonly count: number }
  /** Ledger keys `rejected` or `expired` whose claim the claims view holds: a person decided; they stay. */
  | {
      readonly code: "ledger_decided_against";
      readonly count: number;
      readonly examples: ReadonlyArray<{
        readonly person_key: string;
        readonly lead_date: string;
        readonly milestone: number;
        readonly status: string;
      }>;
    }
  /** Proven claims the run could not record (or, in a dry run, would not be allowed to). */
  | {
      readonly code: "ledger_blocked";
      readonly table: string;
      readonly why: "not_permitted" | "over_max_record" | "write_failed";
      readonly toRecord: number;
      readonly detail: string;
      readonly dryRun: boolean;
    }
  /** A refresh that failed or was refused (§9.6). */
  | {
      readonly code: "refresh_failed";
      readonly view: string;
      readonly stage: RefreshStage;
      readonly outcome: FailedRefreshOutcome;
    };

/** A row of the report: the gap view's columns, what the job decided, and how overdue the claim is. */
export interface ReportRow extends GapRow, Aging {
  readonly classification: Classification;
  readonly verdict: Verdict;
  readonly invalid_reason: InvalidReason | null;
  readonly diagnosis: Diagnosis | null;
  readonly detail: string | null;
  /** What `detail` says, as values (absent in rows of older libraries). */
  readonly detail_facts?: DetailFacts | null;
  readonly reclassified: boolean;
  /**
   * Amount at stake (decimal string): the partner rule's in force (the highest when rules disagree), else the
   * gap view's `expected_amount`, else the milestone's (§10.1). "0.00" for an `UNKNOWN_MILESTONE` row.
   */
  readonly amount: string;
  readonly amount_source: AmountSource | null;
  /** The distinct amounts when partner rules in force disagree, ascending, joined by ", " (else null). */
  readonly amount_conflict: string | null;
  /** The row's state in the claims ledger; null when the run does not record (`recordClaims` off). */
  readonly ledger: LedgerState | null;
  /** The ledger's status word of the row's key when `present`. */
  readonly ledger_status: string | null;
  readonly ledger_why: LedgerWhy | null;
  /**
   * `ord` of an earlier row with the same claim key (driver_id, milestone_value, lead_date): a lead
   * uploaded twice. Its amount is not counted again in any amount metric.
   */
  readonly duplicate_of: number | null;
  /** The amount this row adds to `amount_at_risk` ("0.00" unless still missing or would refresh, once per key). */
  readonly amount_at_risk: string;
}

export interface Metrics {
  processed: number;
  gaps_found: number;
  claims_should_exist: number;
  claims_already_exist: number;
  invalid_conditions: number;
  refreshed_views: number;
  resolved_after_refresh: number;
  still_missing: number;
  /** Decimal string, exact (e.g. "3135.00"), once per claim key. */
  amount_still_missing: string;
  /** Amount of the STILL_MISSING and WOULD_REFRESH rows, once per claim key: the money a dry run shows too. */
  amount_at_risk: string;
  /** The part of `amount_at_risk` 15 days or more overdue (`due_date = lead_date + 14`): collect now. */
  amount_at_risk_15_plus: string;
  /**
   * The most days overdue any row of this window can be (`days_back - 14`, never negative). Below 15,
   * `amount_at_risk_15_plus` is 0 because the window cannot reach that money, not because none is owed.
   */
  aging_reach_days: number;
  refresh_failures: number;
  /** Ledger keys this run recorded (§10.2), and their money once per key. */
  claims_recorded: number;
  amount_recorded: string;
  /** The gap view's window counted again after a real run that recorded (the runbook's first query); else null. */
  gaps_after: number | null;
  duration_ms: number;
}

export interface PhaseTiming {
  readonly phase: string;
  readonly duration_ms: number;
}

/** What the report says before any row is decided: the sinks' `start` receives it, then the rows. */
export interface ReportHead {
  run_id: string;
  as_of: string | null;
  parameters: RunParameters;
  started_at: string;
  /** The columns of each row, in order (the CSV header): the gap view's, then the job's decisions. */
  row_columns: string[];
}

export interface Report extends ReportHead {
  status: RunStatus;
  /** The reads' `statement_timeout` and `lock_timeout`, and whether the job's or the role's own applied. */
  timeouts: AppliedTimeouts;
  metrics: Metrics;
  /** Rows in the window per `claim_status` (before `limit`), so a status filter matching nothing shows. */
  gap_status_counts: Record<string, number>;
  /**
   * Each step of the refresh that ran, upstream then dependents, in dependency order, with its outcome
   * (refreshed, fresh, failed, skipped...); empty when none ran (`refresh_skipped` says why).
   */
  refreshed_views: RefreshResult[];
  /** The materialized views of both stages, in refresh order, with the mode each would use. */
  refresh_plan: RefreshStep[];
  /** Why no refresh ran (`dry-run`, `nothing to fix`...), or null when it ran. */
  refresh_skipped: string | null;
  /** The claims ledger step (§10.2); null when `recordClaims` is off. */
  ledger: LedgerSummary | null;
  /** Money at risk per overdue bucket (every bucket, in order; rows counted, money once per claim). */
  at_risk_by_bucket: BucketTotal[];
  /** Count and amount per verdict and its reason (diagnosis or invalid reason), for the summary. */
  breakdown: Array<{ verdict: Verdict; reason: string | null; count: number; amount: string }>;
  /** The warnings in English (what the log said): scripts and alarms read these texts. */
  warnings: string[];
  /**
   * The same warnings as values, in the same order: `code` and the names and figures each is about
   * (`core/warnings.ts`), so the HTML page and the CLI can say them in the operator's language.
   */
  warning_details: RunWarning[];
  phases: PhaseTiming[];
  finished_at: string;
  /** Present when the caller asked for rows in memory (library default); the adapters stream them instead. */
  rows?: ReportRow[];
}

/**
 * Where rows go while the run decides them. A sink writes somewhere durable (file, S3) and only presents
 * the output as complete in `finish`; `abort` discards a half-written output.
 */
export interface ReportSink {
  start(head: ReportHead): Promise<void>;
  row(row: ReportRow): Promise<void>;
  finish(report: Report): Promise<void>;
  abort(error: unknown): Promise<void>;
}
