/**
 * Where a verdict is decided. Pure functions over facts the queries fetched for every row at once: no
 * database, no clock (the window is counted from the row's own lead date). The order of the checks is the
 * runbook's troubleshooting order (docs/contract.md §4); the first match wins.
 */
import { type Price, priceOf } from "./amounts.js";
import { addDays, isInsideWindow, WINDOW_DAYS } from "./dates.js";
import { type DriverScope, type FailedRefresh, inScope } from "./refresh-plan.js";
import type {
  Classification,
  DataDetailFacts,
  DetailFacts,
  Diagnosis,
  DiagnosisFacts,
  GapRow,
  InvalidReason,
  LookDetailFacts,
  LookFacts,
  ReportRow,
  Verdict,
} from "./types.js";

export interface Look {
  readonly classification: Classification;
  readonly invalid_reason: InvalidReason | null;
  readonly detail: string | null;
  /** What `detail` says, as values (null when there is no detail). */
  readonly facts: LookDetailFacts | null;
}

function windowText(leadDate: string): string {
  return `[${leadDate}, ${addDays(leadDate, WINDOW_DAYS)})`;
}

/** What `look` needs of a row's price: whether anything prices it, and whether its rule pays 0. */
export type PriceLook = Pick<Price, "amount" | "amount_source" | "zero_rule">;

/** The price of a row when no rule facts were read: the gap view's amount, else the milestone's. */
const unruled = (row: GapRow): PriceLook => priceOf(row, { rule_amounts: [] });

/**
 * The canonical conditions of a claim, checked on one look at the data. A row nothing can price (an unknown
 * milestone) and a row whose rule in force pays 0 are INVALID whatever the claims view holds: nothing is owed
 * (docs/contract.md §10.1, §10.4).
 */
export function look(row: GapRow, facts: LookFacts, price: PriceLook = unruled(row)): Look {
  if (row.driver_id === null || row.driver_id === "") {
    return {
      classification: "INVALID",
      invalid_reason: "NO_DRIVER",
      detail: "gap row has no driver_id",
      facts: { code: "NO_DRIVER" },
    };
  }
  if (row.lead_date === null) {
    return {
      classification: "INVALID",
      invalid_reason: "NO_LEAD_DATE",
      detail: "gap row has no lead_date",
      facts: { code: "NO_LEAD_DATE" },
    };
  }
  if (price.amount_source === null) {
    return {
      classification: "INVALID",
      invalid_reason: "UNKNOWN_MILESTONE",
      detail: `milestone ${row.milestone_value ?? "NULL"} is not 1, 5 or 25 and no rule or gap view amount prices it`,
      facts: { code: "UNKNOWN_MILESTONE" },
    };
  }
  if (price.zero_rule) {
    return {
      classification: "INVALID",
      invalid_reason: "ZERO_AMOUNT_RULE",
      detail: `partner rule in force for M${row.milestone_value} at lead_date ${row.lead_date} pays ${price.amount}`,
      facts: { code: "ZERO_AMOUNT_RULE", amount: price.amount },
    };
  }
  if (facts.claim_exists)
    return { classification: "ALREADY_EXISTS", invalid_reason: null, detail: null, facts: null };
  if (facts.achieved_flag !== true || facts.achieved_date === null) {
    const seen = facts.achieved_flag === null ? "no row" : "achieved_flag false";
    return {
      classification: "INVALID",
      invalid_reason: "NOT_ACHIEVED",
      detail: `canonical achieved view: ${seen} for M${row.milestone_value}`,
      facts: { code: "NOT_ACHIEVED", achieved_flag: facts.achieved_flag === null ? null : false },
    };
  }
  if (!isInsideWindow(row.lead_date, facts.achieved_date)) {
    return {
      classification: "INVALID",
      invalid_reason: "ACHIEVED_OUTSIDE_WINDOW",
      detail: `achieved ${facts.achieved_date}, window ${windowText(row.lead_date)}`,
      facts: { code: "ACHIEVED_OUTSIDE_WINDOW", achieved_date: facts.achieved_date },
    };
  }
  return { classification: "SHOULD_EXIST", invalid_reason: null, detail: null, facts: null };
}

/** A diagnosis of the data as it is, with the few figures that prove it (`brief`) and a sentence (`detail`). */
export interface Diagnosed {
  readonly diagnosis: Exclude<Diagnosis, "REFRESH_FAILED">;
  readonly detail: string;
  readonly brief: string;
  /** What `detail` says, as values. */
  readonly facts: DataDetailFacts;
}

/**
 * Why a claim whose conditions hold is absent from the claims view, read from the facts as they are now
 * (first match wins, the runbook's troubleshooting order). A failed refresh is not decided here: see
 * `finalVerdict`, which wraps this diagnosis in `REFRESH_FAILED`.
 */
export function diagnose(row: GapRow & { lead_date: string }, facts: DiagnosisFacts): Diagnosed {
  const window = windowText(row.lead_date);
  if (facts.other_lead_date !== null) {
    return {
      diagnosis: "CLAIM_ON_OTHER_LEAD_DATE",
      detail: `claim exists under lead_date ${facts.other_lead_date}, gap row has ${row.lead_date}`,
      brief: facts.other_lead_date,
      facts: { code: "CLAIM_ON_OTHER_LEAD_DATE", other_lead_date: facts.other_lead_date },
    };
  }
  if (facts.payment_calc_rows === 0) {
    return {
      diagnosis: "NO_PAYMENT_CALCULATION",
      detail: `no cabinet/partner payment calculation for M${row.milestone_value} at lead_date ${row.lead_date}`,
      brief: `none at ${row.lead_date}`,
      facts: { code: "NO_PAYMENT_CALCULATION" },
    };
  }
  const achieved = facts.payment_calc_achieved_date;
  if (achieved === null || !isInsideWindow(row.lead_date, achieved)) {
    return {
      diagnosis: "PAYMENT_CALCULATION_NOT_ACHIEVED",
      detail:
        achieved === null
          ? `payment calculation: M${row.milestone_value} not achieved; trips in window ${facts.trips_in_window}`
          : `payment calculation achieved ${achieved}, window ${window}`,
      brief: achieved === null ? "not achieved" : `achieved ${achieved}`,
      facts: {
        code: "PAYMENT_CALCULATION_NOT_ACHIEVED",
        achieved_date: achieved,
        trips_in_window: facts.trips_in_window,
      },
    };
  }
  if (facts.trips_in_window < (row.milestone_value ?? 0)) {
    return {
      diagnosis: "TRIPS_OUTSIDE_WINDOW",
      detail: `trips in window ${window}: ${facts.trips_in_window} < ${row.milestone_value}`,
      brief: `${facts.trips_in_window} < ${row.milestone_value} trips`,
      facts: { code: "TRIPS_OUTSIDE_WINDOW", trips_in_window: facts.trips_in_window },
    };
  }
  return {
    diagnosis: "CLAIMS_VIEW_MISSING",
    detail: `achieved ${achieved}, trips in window ${facts.trips_in_window}, claims view has no row`,
    brief: `achieved ${achieved}`,
    facts: { code: "CLAIMS_VIEW_MISSING", achieved_date: achieved, trips_in_window: facts.trips_in_window },
  };
}

/** What the job decides about a row: the report row's decision columns. */
export type Decision = Pick<
  ReportRow,
  "classification" | "verdict" | "invalid_reason" | "diagnosis" | "detail" | "reclassified"
> & { readonly detail_facts: DetailFacts | null };

export interface DecideContext {
  readonly dryRun: boolean;
  /** Whether the upstream refresh ran (false in dry-run and when nothing needed fixing). */
  readonly refreshed: boolean;
  /**
   * The analysed drivers a refresh could change: those a stale (or undecided) view of the plan beneath the
   * claims or canonical achieved view is stale for (docs/contract.md §10.3). A dry run says WOULD_REFRESH
   * only for their rows; every other row gets its final verdict at once.
   */
  readonly changeable: DriverScope;
  /**
   * The views feeding the claims or achieved view whose refresh did not succeed, in plan order, each with
   * the analysed drivers it could have changed: only their rows are REFRESH_FAILED (§10.3). Views only the
   * gap view reads, and dependents, never count (§9.5).
   */
  readonly failedRefresh: readonly FailedRefresh[];
}

/**
 * The final verdict of a row from its first look (before the refresh) and its second look (after). In
 * dry-run, or when no refresh ran, both looks are the same data.
 */
export function decide(
  row: GapRow,
  before: LookFacts,
  after: LookFacts,
  facts: DiagnosisFacts,
  context: DecideContext,
  price: PriceLook = unruled(row),
): Decision {
  // One price for both looks: it comes from the payment calculation as it is after any refresh.
  const first = look(row, before, price);
  const second = context.refreshed ? look(row, after, price) : first;
  const decided = finalVerdict(row, first, second, facts, context);
  return {
    ...decided,
    classification: first.classification,
    reclassified: first.classification !== FAMILY[decided.verdict],
  };
}

/** The first-look classification each verdict belongs to; a row that changed family is `reclassified`. */
const FAMILY: Readonly<Record<Verdict, Classification>> = {
  INVALID: "INVALID",
  ALREADY_EXISTS: "ALREADY_EXISTS",
  RESOLVED: "SHOULD_EXIST",
  STILL_MISSING: "SHOULD_EXIST",
  WOULD_REFRESH: "SHOULD_EXIST",
};

function finalVerdict(
  row: GapRow,
  first: Look,
  second: Look,
  facts: DiagnosisFacts,
  context: DecideContext,
): Pick<Decision, "verdict" | "invalid_reason" | "diagnosis" | "detail" | "detail_facts"> {
  if (second.classification === "INVALID") {
    return {
      verdict: "INVALID",
      invalid_reason: second.invalid_reason,
      diagnosis: null,
      detail: second.detail,
      detail_facts: second.facts,
    };
  }
  if (second.classification === "ALREADY_EXISTS") {
    // The claim is there now: either it was before the refresh, or the refresh produced it.
    if (first.classification === "ALREADY_EXISTS") {
      return {
        verdict: "ALREADY_EXISTS",
        invalid_reason: null,
        diagnosis: null,
        detail: null,
        detail_facts: null,
      };
    }
    const invalidBefore = first.classification === "INVALID" ? first.facts : null;
    const detail = invalidBefore ? `before refresh: ${first.detail}` : null;
    const detail_facts: DetailFacts | null = invalidBefore
      ? { code: "RESOLVED", before: invalidBefore }
      : null;
    return { verdict: "RESOLVED", invalid_reason: null, diagnosis: null, detail, detail_facts };
  }
  // The diagnosis of the data as it is, on every path: a dry run, an empty plan, a failed refresh (§9.1).
  const found = diagnose(row as GapRow & { lead_date: string }, facts);
  if (context.dryRun && inScope(context.changeable, row.driver_id)) {
    return {
      verdict: "WOULD_REFRESH",
      invalid_reason: null,
      diagnosis: found.diagnosis,
      detail: found.detail,
      detail_facts: found.facts,
    };
  }
  const failed = context.failedRefresh.find((f) => inScope(f.drivers, row.driver_id));
  if (failed !== undefined) {
    return {
      verdict: "STILL_MISSING",
      invalid_reason: null,
      diagnosis: "REFRESH_FAILED",
      detail: `refresh of ${failed.name} failed: ${failed.error}; on the data as it is: ${found.diagnosis} (${found.brief})`,
      detail_facts: { code: "REFRESH_FAILED", view: failed.name, data: found.facts },
    };
  }
  return {
    verdict: "STILL_MISSING",
    invalid_reason: null,
    diagnosis: found.diagnosis,
    detail: found.detail,
    detail_facts: found.facts,
  };
}

/**
 * Whether a refresh could change any verdict: some row lacks its claim for a reason a refresh can touch.
 * Rows without a driver or lead date come from the gap view's own row and no refresh fixes them.
 */
export function needsRefresh(first: Look): boolean {
  if (first.classification === "ALREADY_EXISTS") return false;
  return !(
    first.invalid_reason === "NO_DRIVER" ||
    first.invalid_reason === "NO_LEAD_DATE" ||
    first.invalid_reason === "UNKNOWN_MILESTONE"
  );
}
