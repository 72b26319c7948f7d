/**
 * What the HTML page reads besides the finished report: the rows, gathered as they stream, up to a cap (the
 * page lists them all in one table, and a browser stays usable up to a few tens of thousands of rows; the
 * CSV and JSON hold every row whatever the count).
 *
 * The money is not counted again here: the page renders after the run has finished, so every figure it
 * shows (at risk, resolved, per diagnosis, per overdue bucket, 15+ days) comes from the report the run's
 * `MetricsAccumulator` built (`pageTotals`), and the page and the JSON cannot disagree.
 */

import Big from "big.js";
import { AT_RISK_VERDICTS, COLLECT_NOW_BUCKETS } from "../core/aging.js";
import { AmountSum } from "../core/amounts.js";
import type { LedgerSummary, Report, ReportRow } from "../core/types.js";
import type { ActionGroup, AmountSource, LedgerState, LedgerWhy } from "../i18n/html-messages.js";

/** Rows listed on one page; past it the page says how many more the CSV and JSON hold. */
export const HTML_MAX_ROWS = 20_000;

/**
 * A report row as the page reads it: fields of later contract revisions may be absent in rows of older
 * libraries (`duplicate_of`; the rule's money and the claims ledger of revision 3, 10.1 and 10.2), and the
 * page then shows what the row has.
 */
export type HtmlRow = Omit<ReportRow, "duplicate_of"> & {
  readonly duplicate_of?: number | null;
  readonly amount_source?: AmountSource | null;
  readonly amount_conflict?: string | null;
  readonly ledger?: LedgerState | null;
  readonly ledger_status?: string | null;
  readonly ledger_why?: LedgerWhy | null;
};

/** The report's claims ledger summary (contract 10.2): null when recording is off, absent in older reports. */
export type HtmlLedger = Omit<LedgerSummary, "error"> & { readonly error?: string | null };

/** The ledger summary of a report, whether or not its library knows the field. */
export function reportLedger(report: Report): HtmlLedger | null {
  return (report as Report & { ledger?: HtmlLedger | null }).ledger ?? null;
}

export class HtmlReportCollector {
  readonly #maxRows: number;
  #total = 0;
  #anyDuplicateField = false;
  #anyLedger = false;
  readonly rows: HtmlRow[] = [];

  constructor(maxRows: number = HTML_MAX_ROWS) {
    this.#maxRows = maxRows;
  }

  add(row: HtmlRow): void {
    this.#total += 1;
    if ("duplicate_of" in row) this.#anyDuplicateField = true;
    if (row.ledger != null) this.#anyLedger = true;
    if (this.rows.length < this.#maxRows) this.rows.push(row);
  }

  /** Rows seen, listed or not. */
  get total(): number {
    return this.#total;
  }

  /** True when some row carries the `duplicate_of` column (the page then shows it). */
  get hasDuplicateColumn(): boolean {
    return this.#anyDuplicateField;
  }

  /** True when some row has a claims ledger state (recording was on): the page then shows the column. */
  get hasLedgerColumn(): boolean {
    return this.#anyLedger;
  }
}

export interface GroupTotal {
  readonly group: ActionGroup;
  readonly count: number;
  /** Decimal string, once per claim. */
  readonly amount: string;
}

export interface PageTotals {
  /** Rows at risk (counts count rows; the amount is `metrics.amount_at_risk`). */
  readonly atRiskCount: number;
  readonly resolved: { readonly count: number; readonly amount: string };
  /** Rows at risk 15 or more days overdue (the amount is `metrics.amount_at_risk_15_plus`). */
  readonly collectNowCount: number;
  /** Money at risk per action group (diagnosis, or WOULD_REFRESH), largest first. */
  readonly groups: GroupTotal[];
}

/** The page's figures, read from the finished report's breakdown and buckets (never from the rows). */
export function pageTotals(report: Report): PageTotals {
  const groups = new Map<ActionGroup, { count: number; amount: AmountSum }>();
  const resolved = new AmountSum();
  let atRiskCount = 0;
  let resolvedCount = 0;
  for (const b of report.breakdown) {
    if (AT_RISK_VERDICTS.has(b.verdict)) {
      atRiskCount += b.count;
      // An at-risk row's reason is its diagnosis; a dry run's row without one is listed as WOULD_REFRESH.
      const key = (b.reason ?? "WOULD_REFRESH") as ActionGroup;
      let group = groups.get(key);
      if (!group) {
        group = { count: 0, amount: new AmountSum() };
        groups.set(key, group);
      }
      group.count += b.count;
      group.amount.add(b.amount);
    } else if (b.verdict === "RESOLVED") {
      resolvedCount += b.count;
      resolved.add(b.amount);
    }
  }
  const collectNowCount = report.at_risk_by_bucket
    .filter((b) => COLLECT_NOW_BUCKETS.includes(b.bucket))
    .reduce((sum, b) => sum + b.count, 0);
  return {
    atRiskCount,
    resolved: { count: resolvedCount, amount: resolved.toString() },
    collectNowCount,
    groups: [...groups]
      .map(([group, g]) => ({ group, count: g.count, amount: g.amount.toString() }))
      .sort(
        (a, b) => compareAmounts(b.amount, a.amount) || b.count - a.count || (a.group < b.group ? -1 : 1),
      ),
  };
}

/** Orders decimal strings exactly (big.js, no float). */
export function compareAmounts(a: string, b: string): number {
  return new Big(a).cmp(b);
}
