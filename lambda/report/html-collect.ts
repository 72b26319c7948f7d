/**
 * What the HTML page needs from the rows, gathered as they stream: the money at risk by overdue bucket and
 * by diagnosis (each claim counted once), what the run resolved, and the rows themselves up to a cap (the
 * page lists them all in one table, and a browser stays usable up to a few tens of thousands of rows; the
 * CSV and JSON hold every row whatever the count).
 */

import Big from "big.js";
import { type Aging, AgingAccumulator, type AgingSummary, AT_RISK_VERDICTS, agingOf } from "../core/aging.js";
import { AmountSum } from "../core/amounts.js";
import type { ReportRow } from "../core/types.js";
import type { ActionGroup } from "../i18n/html-messages.js";

/** Rows listed on one page; past it the page says how many more the CSV and JSON hold. */
export const HTML_MAX_ROWS = 20_000;

/** A report row as the page reads it: `duplicate_of` is set by runs that mark repeated claim keys. */
export type HtmlRow = ReportRow & { readonly duplicate_of?: number | null };

export interface AgedRow {
  readonly row: HtmlRow;
  readonly aging: Aging;
}

export interface GroupTotal {
  readonly group: ActionGroup;
  count: number;
  readonly amount: AmountSum;
}

const isCounted = (row: HtmlRow) => row.duplicate_of === null || row.duplicate_of === undefined;

export class HtmlReportCollector {
  readonly #asOf: string | null;
  readonly #maxRows: number;
  readonly #aging: AgingAccumulator | undefined;
  readonly #groups = new Map<ActionGroup, GroupTotal>();
  readonly #atRisk = new AmountSum();
  readonly #resolved = new AmountSum();
  #atRiskCount = 0;
  #resolvedCount = 0;
  #total = 0;
  #anyDuplicateField = false;
  readonly rows: AgedRow[] = [];

  constructor(asOf: string | null, maxRows: number = HTML_MAX_ROWS) {
    this.#asOf = asOf;
    this.#maxRows = maxRows;
    this.#aging = asOf === null ? undefined : new AgingAccumulator(asOf);
  }

  add(row: HtmlRow): void {
    this.#total += 1;
    const aging = this.#aging?.add(row) ?? agingOf(null, this.#asOf ?? "");
    if ("duplicate_of" in row) this.#anyDuplicateField = true;
    if (AT_RISK_VERDICTS.has(row.verdict)) {
      this.#atRiskCount += 1;
      if (isCounted(row)) this.#atRisk.add(row.amount);
      const key: ActionGroup = row.diagnosis ?? "WOULD_REFRESH";
      let group = this.#groups.get(key);
      if (!group) {
        group = { group: key, count: 0, amount: new AmountSum() };
        this.#groups.set(key, group);
      }
      group.count += 1;
      if (isCounted(row)) group.amount.add(row.amount);
    } else if (row.verdict === "RESOLVED") {
      this.#resolvedCount += 1;
      if (isCounted(row)) this.#resolved.add(row.amount);
    }
    if (this.rows.length < this.#maxRows) this.rows.push({ row, aging });
  }

  /** Rows seen, listed or not. */
  get total(): number {
    return this.#total;
  }

  /** True when some row carries the `duplicate_of` column (the page then shows it). */
  get hasDuplicateColumn(): boolean {
    return this.#anyDuplicateField;
  }

  totals(): {
    atRisk: { count: number; amount: string };
    resolved: { count: number; amount: string };
    aging: AgingSummary | null;
    groups: Array<{ group: ActionGroup; count: number; amount: string }>;
  } {
    return {
      atRisk: { count: this.#atRiskCount, amount: this.#atRisk.toString() },
      resolved: { count: this.#resolvedCount, amount: this.#resolved.toString() },
      aging: this.#aging?.summary() ?? null,
      groups: [...this.#groups.values()]
        .map((g) => ({ group: g.group, count: g.count, amount: g.amount.toString() }))
        .sort(
          (a, b) => compareAmounts(b.amount, a.amount) || b.count - a.count || (a.group < b.group ? -1 : 1),
        ),
    };
  }
}

/** Orders decimal strings exactly (big.js, no float). */
export function compareAmounts(a: string, b: string): number {
  return new Big(a).cmp(b);
}
