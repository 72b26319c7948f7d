/**
 * The run-level warnings (`RunWarning`, declared beside the report in `types.ts`), built by pure functions
 * of the facts a run gathered: what an operator must not miss in the report, the log and (for the CLI)
 * stderr. Each builder returns null (or an empty list) when there is nothing to say.
 *
 * A warning is data (`code` and the figures and names it is about), so that it can be said in more than
 * one language: `warningText` is its one English wording, the one the JSON report's `warnings` and the log
 * carry (tests and scripts read it, so it does not change); `lambda/i18n/warning-messages.ts` says it in
 * the operator's language for the HTML page and the CLI.
 */
import { describeOutcome } from "./refresh-plan.js";
import type { BudgetCause, LedgerSummary, RefreshResult, RefreshStep, RunWarning } from "./types.js";

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

/**
 * `limit` kept only the newest rows of the window. `inWindow` counts the rows `limit` applies to (the gap
 * rows under `onlyGaps`, else every row).
 */
export function limitWarning(inWindow: number, limit: number): RunWarning | null {
  return inWindow > limit ? { code: "limit_cut", inWindow, limit } : null;
}

/** Rows with a gap status whose claim the claims view already has: the gap view will keep showing them. */
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

/** Proven claims the run could not record (or, in a dry run, a real run could not), from the ledger step. */
export function ledgerBlockedWarning(ledger: LedgerSummary, dryRun: boolean): RunWarning | null {
  const { outcome } = ledger;
  if (outcome !== "not_permitted" && outcome !== "over_max_record" && outcome !== "write_failed") return null;
  return {
    code: "ledger_blocked",
    table: ledger.table,
    why: outcome,
    toRecord: ledger.to_record,
    detail: ledger.error ?? "",
    dryRun,
  };
}

/** Ledger keys a person decided against although the claims view holds the claim (at most 5 named). */
export function decidedAgainstWarning(
  keys: ReadonlyArray<{ person_key: string; lead_date: string; milestone: number; status: string }>,
): RunWarning | null {
  if (keys.length === 0) return null;
  return { code: "ledger_decided_against", count: keys.length, examples: keys.slice(0, 5) };
}

/** The time budget ended the run early (the report is `partial`). */
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
