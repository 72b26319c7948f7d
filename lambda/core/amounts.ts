import Big from "big.js";

/** Platform payment per milestone (PEN), used when the gap view carries no `expected_amount`. */
export const MILESTONE_AMOUNT: Readonly<Record<number, string>> = { 1: "25", 5: "35", 25: "100" };

/** Rows repeat a handful of amounts: normalise each distinct one once. */
const normalised = new Map<string, string>();

/**
 * The amount at stake for a row, as a decimal string with two places: the gap view's own figure when
 * present, else the milestone's.
 */
export function amountFor(milestone: number, expected: string | null | undefined): string {
  const raw =
    expected !== null && expected !== undefined && expected !== ""
      ? expected
      : (MILESTONE_AMOUNT[milestone] ?? "0");
  let amount = normalised.get(raw);
  if (amount === undefined) {
    amount = new Big(raw).toFixed(2);
    if (normalised.size > 10_000) normalised.clear();
    normalised.set(raw, amount);
  }
  return amount;
}

/**
 * Exact decimal sum (never floating point): amounts are money. Adds the two-place strings `amountFor`
 * returns as whole cents in a BigInt, which is exact and cheap per row.
 */
export class AmountSum {
  #cents = 0n;
  add(amount: string): void {
    const match = /^(-?)(\d+)\.(\d{2})$/.exec(amount);
    if (!match) throw new RangeError(`not a two-place decimal amount: ${amount}`);
    const cents = BigInt(`${match[2]}${match[3]}`);
    this.#cents += match[1] === "-" ? -cents : cents;
  }
  toString(): string {
    const negative = this.#cents < 0n;
    const digits = (negative ? -this.#cents : this.#cents).toString().padStart(3, "0");
    return `${negative ? "-" : ""}${digits.slice(0, -2)}.${digits.slice(-2)}`;
  }
}
