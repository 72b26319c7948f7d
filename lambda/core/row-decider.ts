/**
 * Turns the final facts of each analysed row into its report row, in `ord` order: the verdict (pure
 * `decide`), the amount, whether it repeats an earlier row's claim key, and the tallies the run-level
 * warnings need, and how overdue its claim is. Pure and incremental, so rows can stream.
 */
import { agingOf } from "./aging.js";
import { priceOf, sameAmount } from "./amounts.js";
import { ClaimKeys } from "./claim-keys.js";
import { type DecideContext, decide } from "./decide.js";
import { amountAtRisk } from "./metrics.js";
import type { DiagnosisFacts, GapRow, LookFacts, PriceFacts, ReportRow } from "./types.js";

export interface FinalFacts {
  readonly row: GapRow;
  readonly before: LookFacts;
  readonly after: LookFacts;
  readonly facts: DiagnosisFacts;
  readonly price: PriceFacts;
}

/** Tallies for the money warnings of docs/contract.md §10.1. */
export interface PriceTallies {
  /** Rows whose gap view `expected_amount` differs from their rule's amount. */
  gapViewPricedOtherwise: number;
  /** Rows whose rule pays 0 although the claims view holds their claim (claims nobody owes). */
  zeroRuleClaims: number;
  /** Rows whose partner rules in force disagree on the amount. */
  amountConflicts: number;
  /** Rows nothing can price (unknown milestone, no amount). */
  unknownMilestones: number;
}

export class RowDecider {
  readonly #keys = new ClaimKeys();
  readonly #gapStatuses: ReadonlySet<string>;
  /** Rows that look due under a status that is not a gap status, per status. */
  readonly looksLikeGaps = new Map<string, number>();
  /** Rows with a gap status whose claim was already there. */
  claimedGaps = 0;
  readonly prices: PriceTallies = {
    gapViewPricedOtherwise: 0,
    zeroRuleClaims: 0,
    amountConflicts: 0,
    unknownMilestones: 0,
  };

  constructor(
    readonly context: DecideContext,
    gapStatuses: readonly string[],
    /** The day rows are aged from (`due_date = lead_date + 14`, `days_overdue` up to it). */
    readonly asOf: string,
  ) {
    this.#gapStatuses = new Set(gapStatuses);
  }

  decide({ row, before, after, facts, price: priceFacts }: FinalFacts): ReportRow {
    const price = priceOf(row, priceFacts);
    const decision = decide(row, before, after, facts, this.context, price);
    const base = {
      ...row,
      amount: price.amount,
      amount_source: price.amount_source,
      amount_conflict: price.amount_conflict,
      ...decision,
      duplicate_of: this.#keys.duplicateOf(row),
      ledger: null,
      ledger_status: null,
      ledger_why: null,
    };
    this.#tallyPrice(row, price, after);
    const isGap = this.#gapStatuses.has(row.claim_status ?? "");
    if (decision.classification === "SHOULD_EXIST" && !isGap) {
      const key = row.claim_status ?? "(null)";
      this.looksLikeGaps.set(key, (this.looksLikeGaps.get(key) ?? 0) + 1);
    }
    if (decision.verdict === "ALREADY_EXISTS" && isGap) this.claimedGaps += 1;
    return { ...base, amount_at_risk: amountAtRisk(base), ...agingOf(row.lead_date, this.asOf) };
  }

  #tallyPrice(row: GapRow, price: ReturnType<typeof priceOf>, after: LookFacts): void {
    const t = this.prices;
    if (price.amount_source === null) t.unknownMilestones += 1;
    if (price.amount_conflict !== null) t.amountConflicts += 1;
    if (price.zero_rule && after.claim_exists) t.zeroRuleClaims += 1;
    const expected = row.expected_amount;
    if (
      price.amount_source === "rule" &&
      expected != null &&
      expected !== "" &&
      !sameAmount(expected, price.amount)
    )
      t.gapViewPricedOtherwise += 1;
  }
}
