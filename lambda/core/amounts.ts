import Big from "big.js";

/** Platform payment per milestone (PEN), used when the gap view carries no `expected_amount`. */
export const MILESTONE_AMOUNT: Readonly<Record<number, string>> = { 1: "25", 5: "35", 25: "100" };

/** The amount at stake for a row: the gap view's own figure when present, else the milestone's. */
export function amountFor(milestone: number, expected: string | null | undefined): string {
  if (expected !== null && expected !== undefined && expected !== "") return new Big(expected).toFixed(2);
  return new Big(MILESTONE_AMOUNT[milestone] ?? "0").toFixed(2);
}

/** Exact decimal sum (never floating point): amounts are money. */
export class AmountSum {
  #total = new Big(0);
  add(amount: string): void {
    this.#total = this.#total.plus(amount);
  }
  toString(): string {
    return this.#total.toFixed(2);
  }
}
