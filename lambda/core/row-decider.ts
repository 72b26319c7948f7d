/**
 * Turns the final facts of each analysed row into its report row, in `ord` order: the verdict (pure
 * `decide`), the amount, whether it repeats an earlier row's claim key, and the tallies the run-level
 * warnings need, and how overdue its claim is. Pure and incremental, so rows can stream.
 */
import { agingOf } from "./aging.js";
import { amountFor } from "./amounts.js";
import { ClaimKeys } from "./claim-keys.js";
import { type DecideContext, decide } from "./decide.js";
import { amountAtRisk } from "./metrics.js";
import type { DiagnosisFacts, GapRow, LookFacts, ReportRow } from "./types.js";

export interface FinalFacts {
  readonly row: GapRow;
  readonly before: LookFacts;
  readonly after: LookFacts;
  readonly facts: DiagnosisFacts;
}

export class RowDecider {
  readonly #keys = new ClaimKeys();
  readonly #gapStatuses: ReadonlySet<string>;
  /** Rows that look due under a status that is not a gap status, per status. */
  readonly looksLikeGaps = new Map<string, number>();
  /** Rows with a gap status whose claim was already there. */
  claimedGaps = 0;

  constructor(
    readonly context: DecideContext,
    gapStatuses: readonly string[],
    /** The day rows are aged from (`due_date = lead_date + 14`, `days_overdue` up to it). */
    readonly asOf: string,
  ) {
    this.#gapStatuses = new Set(gapStatuses);
  }

  decide({ row, before, after, facts }: FinalFacts): ReportRow {
    const decision = decide(row, before, after, facts, this.context);
    const base = {
      ...row,
      amount: amountFor(row.milestone_value, row.expected_amount),
      ...decision,
      duplicate_of: this.#keys.duplicateOf(row),
    };
    const isGap = this.#gapStatuses.has(row.claim_status ?? "");
    if (decision.classification === "SHOULD_EXIST" && !isGap) {
      const key = row.claim_status ?? "(null)";
      this.looksLikeGaps.set(key, (this.looksLikeGaps.get(key) ?? 0) + 1);
    }
    if (decision.verdict === "ALREADY_EXISTS" && isGap) this.claimedGaps += 1;
    return { ...base, amount_at_risk: amountAtRisk(base), ...agingOf(row.lead_date, this.asOf) };
  }
}
