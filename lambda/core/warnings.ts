/**
 * The run-level warnings, as typed values built by pure functions of the facts a run gathered: what an
 * operator must not miss in the report, the log and (for the CLI) stderr. Each builder returns null (or an
 * empty list) when there is nothing to say.
 *
 * A warning is data (`code` and the figures and names it is about), so that it can be said in more than
 * one language: `warningText` is its one English wording, the one the JSON report's `warnings` and the log
 * carry (tests and scripts read it, so it does not change); `lambda/i18n/warning-messages.ts` says it in
 * the operator's language for the HTML page and the CLI.
 */
import { describeOutcome } from "./refresh-plan.js";
import type { RefreshOutcome, RefreshResult, RefreshStage, RefreshStep } from "./types.js";

/** A refresh outcome that counts as a failure (`isFailure`): the step failed or was refused. */
export type FailedRefreshOutcome = Extract<RefreshOutcome, { kind: "failed" | "not_permitted" }>;

/** Why the time budget ended the run early: a refresh step it cut, or a read it cancelled. */
export type BudgetCause =
  | { readonly kind: "refresh"; readonly view: string; readonly how: "not_started" | "cut_short" }
  | { readonly kind: "read"; readonly detail: string };

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

export type WarningCode = RunWarning["code"];
export type WarningOf<C extends WarningCode> = Extract<RunWarning, { code: C }>;

/** One wording per code: a `Record` over every code, so a code without a wording does not compile. */
export type WarningWording = { readonly [C in WarningCode]: (warning: WarningOf<C>) => string };

/** Says a warning with one of the wordings (the cast is TypeScript's: it cannot correlate code and type). */
export function sayWarning(wording: WarningWording, warning: RunWarning): string {
  return (wording[warning.code] as (w: RunWarning) => string)(warning);
}

/** The English wording: the text of the JSON report's `warnings` and of the log. */
export const WARNING_TEXT_EN: WarningWording = {
  window_empty: (w) =>
    `the gap view has no rows with lead_date >= ${w.asOf} - ${w.daysBack} days: check the view, the as-of date and the filters`,
  no_gap_status: (w) => {
    const seen = Object.entries(w.byStatus)
      .map(([status, n]) => `${status}=${n}`)
      .join(", ");
    return `no row in the window has a gap status (${w.gapStatuses.join(", ")}) but it holds ${w.total} rows with statuses ${seen}: if one of them means "gap", add it to the gap statuses`;
  },
  unreadable_trip_dates: (w) =>
    `${w.count} summary_daily rows of the analysed drivers have a date_file in no accepted format (DD-MM-YYYY, YYYY-MM-DD) or an impossible date (e.g. "${w.example}"); their trips are not counted`,
  iso_trip_dates: (w) =>
    `${w.count} summary_daily rows of the analysed drivers inside their windows are written YYYY-MM-DD: the job counts their trips, but views that parse only DD-MM-YYYY do not, so a milestone can be missing from them before the gap view ever shows it`,
  refresh_not_permitted: (w) => {
    const views = w.views.map((v) => `${v.name} (owner ${v.owner})`).join(", ");
    return `role ${w.role} may not refresh ${views}: a real run would record ${w.views.length === 1 ? "it" : "them"} as failed; refreshing needs ownership, or MAINTAIN on PostgreSQL 17+`;
  },
  looks_like_gap: (w) =>
    `${w.count} rows with claim_status "${w.status}" (not a gap status) have no claim although the canonical view says the milestone was achieved inside the window`,
  limit_cut: (w) =>
    `the window holds ${w.inWindow} rows but the limit keeps the newest ${w.limit}: the ${w.inWindow - w.limit} oldest, most overdue, are not analysed and their money is in no amount of this run; raise the limit`,
  claimed_gaps: (w) =>
    `${w.count} rows with a gap status already have their claim in the claims view (ALREADY_EXISTS): the gap view decides whether a claim exists from another source, so these rows will never leave it`,
  time_budget_exhausted: (w) => {
    const what =
      w.cause.kind === "refresh"
        ? `refresh of ${w.cause.view} ${w.cause.how === "not_started" ? "not started" : "cut short"}`
        : w.cause.detail;
    return `time budget exhausted: ${what}; the report covers the work done so far`;
  },
  refresh_failed: (w) => `refresh of ${w.view} (${w.stage}) failed: ${describeOutcome(w.outcome)}`,
  gap_view_priced_otherwise: (w) =>
    `${w.count} rows are priced by the gap view's expected_amount differently from their partner rule in force: the report uses the rule's amount`,
  zero_rule_claims: (w) =>
    `${w.count} claims the claims view holds are for a partner rule that pays 0.00: nothing is owed for them (INVALID ZERO_AMOUNT_RULE)`,
  amount_conflicts: (w) =>
    `${w.count} rows have partner rules in force that pay different amounts: the highest is counted and none of them is recorded`,
  unknown_milestones: (w) =>
    `${w.count} rows have a milestone that is NULL or not 1, 5 or 25 and no amount: INVALID UNKNOWN_MILESTONE, no money counted`,
  ledger_decided_against: (w) => {
    const shown = w.examples
      .map((e) => `${e.person_key} ${e.lead_date} M${e.milestone} ${e.status}`)
      .join("; ");
    return `${w.count} claims the claims view holds are rejected or expired in the claims ledger (${shown}${w.count > w.examples.length ? "; ..." : ""}): a person decided, the job leaves them, and they stay in the gap view`;
  },
  ledger_blocked: (w) => {
    const what = w.dryRun ? "a real run could not record" : "not recorded";
    return `${w.toRecord} proven claims ${what} in ${w.table}: ${w.detail}`;
  },
};

/** A warning's English text (the JSON report's `warnings`, the log). */
export function warningText(warning: RunWarning): string {
  return sayWarning(WARNING_TEXT_EN, warning);
}

/** The window is empty, or holds rows of which none has a gap status. */
export function windowWarning(
  counts: { byStatus: Readonly<Record<string, number>>; total: number; gaps: number },
  gapStatuses: readonly string[],
  window: { asOf: string; daysBack: number; onlyGaps: boolean },
): RunWarning | null {
  const { total, gaps } = counts;
  if (total === 0) return { code: "window_empty", asOf: window.asOf, daysBack: window.daysBack };
  if (gaps > 0 || !window.onlyGaps) return null;
  return { code: "no_gap_status", gapStatuses: [...gapStatuses], total, byStatus: { ...counts.byStatus } };
}

/** Trip rows whose dates the job cannot read, and rows written in the format the deployed views ignore. */
export function tripDateWarnings(facts: {
  unparseable: number;
  unparseable_example: string | null;
  iso_in_window: number;
}): RunWarning[] {
  const out: RunWarning[] = [];
  if (facts.unparseable > 0) {
    out.push({ code: "unreadable_trip_dates", count: facts.unparseable, example: facts.unparseable_example });
  }
  if (facts.iso_in_window > 0) out.push({ code: "iso_trip_dates", count: facts.iso_in_window });
  return out;
}

/** In a dry run: views the role may not refresh, which a real run would record as failed. */
export function refusedRefreshWarning(role: string, plan: readonly RefreshStep[]): RunWarning | null {
  const refused = plan.filter((step) => !step.permitted);
  if (refused.length === 0) return null;
  return {
    code: "refresh_not_permitted",
    role,
    views: refused.map((s) => ({ name: s.name, owner: s.owner })),
  };
}

/** Rows that look due under a status the job does not treat as a gap (perhaps a status word it should). */
export function looksLikeGapWarnings(byStatus: ReadonlyMap<string, number>): RunWarning[] {
  return [...byStatus].map(([status, count]) => ({ code: "looks_like_gap", status, count }));
}

/** Rows with a gap status whose claim the claims view already has: the gap view will keep showing them. */
/** `inWindow` counts the rows `limit` applies to (the gap rows under `onlyGaps`, else every row). */
export function limitWarning(inWindow: number, limit: number): RunWarning | null {
  return inWindow > limit ? { code: "limit_cut", inWindow, limit } : null;
}

export function claimedGapsWarning(count: number): RunWarning | null {
  return count === 0 ? null : { code: "claimed_gaps", count };
}

/** The money warnings of §10.1, from the tallies the row decider kept. */
export function priceWarnings(t: {
  gapViewPricedOtherwise: number;
  zeroRuleClaims: number;
  amountConflicts: number;
  unknownMilestones: number;
}): RunWarning[] {
  const out: RunWarning[] = [];
  if (t.unknownMilestones > 0) out.push({ code: "unknown_milestones", count: t.unknownMilestones });
  if (t.zeroRuleClaims > 0) out.push({ code: "zero_rule_claims", count: t.zeroRuleClaims });
  if (t.amountConflicts > 0) out.push({ code: "amount_conflicts", count: t.amountConflicts });
  if (t.gapViewPricedOtherwise > 0)
    out.push({ code: "gap_view_priced_otherwise", count: t.gapViewPricedOtherwise });
  return out;
}

/** Ledger keys a person decided against although the claims view holds the claim (at most 5 named). */
export function decidedAgainstWarning(
  keys: ReadonlyArray<{ person_key: string; lead_date: string; milestone: number; status: string }>,
): RunWarning | null {
  if (keys.length === 0) return null;
  return { code: "ledger_decided_against", count: keys.length, examples: keys.slice(0, 5) };
}

export function budgetWarning(cause: BudgetCause): RunWarning {
  return { code: "time_budget_exhausted", cause };
}

/**
 * A refresh that failed or was refused (§9.6: loud, in the report, the log and the CLI's stderr); null for
 * an outcome that is not a failure (ok, skipped behind another, out of time).
 */
export function refreshFailedWarning(result: RefreshResult): RunWarning | null {
  const { outcome } = result;
  if (outcome.kind !== "failed" && outcome.kind !== "not_permitted") return null;
  return { code: "refresh_failed", view: result.name, stage: result.stage, outcome };
}
