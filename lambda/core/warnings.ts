/**
 * The run-level warnings, as pure functions of the facts a run gathered: what an operator must not miss in
 * the report, the log and (for the CLI) stderr. Each returns null when there is nothing to say.
 */
import type { RefreshResult, RefreshStep } from "./types.js";

/** The window is empty, or holds rows of which none has a gap status (a silent zero is the worst outcome). */
export function windowWarning(
  counts: { byStatus: Readonly<Record<string, number>>; total: number; gaps: number },
  gapStatuses: readonly string[],
  window: { asOf: string; daysBack: number; onlyGaps: boolean },
): string | null {
  const { total, gaps } = counts;
  if (total === 0) {
    return `the gap view has no rows with lead_date >= ${window.asOf} - ${window.daysBack} days: check the view, the as-of date and the filters`;
  }
  if (gaps > 0 || !window.onlyGaps) return null;
  const seen = Object.entries(counts.byStatus)
    .map(([status, n]) => `${status}=${n}`)
    .join(", ");
  return `no row in the window has a gap status (${gapStatuses.join(", ")}) but it holds ${total} rows with statuses ${seen}: if one of them means "gap", add it to the gap statuses`;
}

/** Trip rows whose dates the job cannot read, and rows written in the format the deployed views ignore. */
export function tripDateWarnings(facts: {
  unparseable: number;
  unparseable_example: string | null;
  iso_in_window: number;
}): string[] {
  const out: string[] = [];
  if (facts.unparseable > 0) {
    out.push(
      `${facts.unparseable} summary_daily rows of the analysed drivers have a date_file in no accepted format (DD-MM-YYYY, YYYY-MM-DD) or an impossible date (e.g. "${facts.unparseable_example}"); their trips are not counted`,
    );
  }
  if (facts.iso_in_window > 0) {
    out.push(
      `${facts.iso_in_window} summary_daily rows of the analysed drivers inside their windows are written YYYY-MM-DD: the job counts their trips, but views that parse only DD-MM-YYYY do not, so a milestone can be missing from them before the gap view ever shows it`,
    );
  }
  return out;
}

/** In a dry run: views the role may not refresh, which a real run would record as failed. */
export function refusedRefreshWarning(role: string, plan: readonly RefreshStep[]): string | null {
  const refused = plan.filter((step) => !step.permitted);
  if (refused.length === 0) return null;
  const views = refused.map((s) => `${s.name} (owner ${s.owner})`).join(", ");
  return `role ${role} may not refresh ${views}: a real run would record ${refused.length === 1 ? "it" : "them"} as failed; refreshing needs ownership, or MAINTAIN on PostgreSQL 17+`;
}

/** Rows that look due under a status the job does not treat as a gap (perhaps a status word it should). */
export function looksLikeGapWarnings(byStatus: ReadonlyMap<string, number>): string[] {
  return [...byStatus].map(
    ([status, n]) =>
      `${n} rows with claim_status "${status}" (not a gap status) have no claim although the canonical view says the milestone was achieved inside the window`,
  );
}

/** Rows with a gap status whose claim the claims view already has: the gap view will keep showing them. */
export function claimedGapsWarning(n: number): string | null {
  if (n === 0) return null;
  return `${n} rows with a gap status already have their claim in the claims view (ALREADY_EXISTS): the gap view decides whether a claim exists from another source, so these rows will never leave it`;
}

export function budgetWarning(what: string): string {
  return `time budget exhausted: ${what}; the report covers the work done so far`;
}

/** A refresh that failed or was refused (§9.6: loud, in the report, the log and the CLI's stderr). */
export function refreshFailedWarning(result: RefreshResult): string {
  return `refresh of ${result.name} (${result.stage}) failed: ${result.error}`;
}
