import Big from "big.js";
import type { AmountSource, GapRow, PriceFacts } from "./types.js";

/** Platform payment per milestone (PEN), used when the gap view carries no `expected_amount`. */
export const MILESTONE_AMOUNT: Readonly<Record<number, string>> = { 1: "25", 5: "35", 25: "100" };

/** Rows repeat a handful of amounts: normalise each distinct one once. */
const normalised = new Map<string, string>();

/**
 * An amount the job cannot use: negative, or not a number. Money is never guessed: the run stops with the
 * row named (the run wraps it as a `SourceDataError`, the data's fault, not transient).
 */
export class AmountError extends RangeError {
  override readonly name = "AmountError";
}

const DECIMAL = /^\s*\+?(\d+(\.\d*)?|\.\d+)\s*$/;

/** A decimal string with two places, or `AmountError` naming `where`. */
function twoPlaces(raw: string, where: () => string): string {
  let amount = normalised.get(raw);
  if (amount === undefined) {
    if (!DECIMAL.test(raw)) {
      const negative = /^\s*-/.test(raw) && !Number.isNaN(Number(raw));
      throw new AmountError(
        `${where()}: amount ${JSON.stringify(raw)} is ${negative ? "negative" : "not a number"}`,
      );
    }
    amount = new Big(raw.trim()).toFixed(2);
    if (normalised.size > 10_000) normalised.clear();
    normalised.set(raw, amount);
  }
  return amount;
}

/**
 * The amount at stake for a row, as a decimal string with two places: the gap view's own figure when
 * present, else the milestone's ("0.00" for a milestone with no tariff; `priceOf` makes that row INVALID).
 */
export function amountFor(milestone: number | null, expected: string | null | undefined): string {
  const raw =
    expected !== null && expected !== undefined && expected !== ""
      ? expected
      : (MILESTONE_AMOUNT[milestone ?? 0] ?? "0");
  return twoPlaces(raw, () => `milestone ${milestone}`);
}

/** How a row is priced (docs/contract.md §10.1). */
export interface Price {
  readonly amount: string;
  /** Null when nothing prices the row: an unknown milestone with no amount (`UNKNOWN_MILESTONE`). */
  readonly amount_source: AmountSource | null;
  /** Distinct rule amounts when the rules in force disagree, ascending, joined by ", ". */
  readonly amount_conflict: string | null;
  /** The rule in force pays 0: nothing is owed (`ZERO_AMOUNT_RULE`). */
  readonly zero_rule: boolean;
}

const compareAmounts = (a: string, b: string) => new Big(a).cmp(new Big(b));

/**
 * The row's money: the partner rule's in force (the highest when several disagree), else the gap view's
 * `expected_amount`, else the milestone's tariff. Every amount read is checked: a negative or non-numeric
 * one is refused with the row named, never summed.
 */
export function priceOf(
  row: Pick<GapRow, "ord" | "driver_id" | "lead_date" | "milestone_value" | "expected_amount">,
  facts: PriceFacts,
): Price {
  const where = () =>
    `row ${row.ord} (driver_id ${row.driver_id ?? "NULL"}, lead_date ${row.lead_date ?? "NULL"}, milestone ${row.milestone_value ?? "NULL"})`;
  const expected =
    row.expected_amount !== null && row.expected_amount !== undefined && row.expected_amount !== ""
      ? twoPlaces(row.expected_amount, () => `${where()}, gap view expected_amount`)
      : null;
  if (facts.rule_amounts.length > 0) {
    const rules = [
      ...new Set(facts.rule_amounts.map((a) => twoPlaces(a, () => `${where()}, payment calculation`))),
    ].sort(compareAmounts);
    const highest = rules[rules.length - 1] as string;
    return {
      amount: highest,
      amount_source: "rule",
      amount_conflict: rules.length > 1 ? rules.join(", ") : null,
      zero_rule: new Big(highest).eq(0),
    };
  }
  if (expected !== null) {
    return { amount: expected, amount_source: "gap_view", amount_conflict: null, zero_rule: false };
  }
  const tariff = row.milestone_value === null ? undefined : MILESTONE_AMOUNT[row.milestone_value];
  if (tariff === undefined) {
    return { amount: "0.00", amount_source: null, amount_conflict: null, zero_rule: false };
  }
  return {
    amount: twoPlaces(tariff, where),
    amount_source: "milestone",
    amount_conflict: null,
    zero_rule: false,
  };
}

/** Whether two decimal strings are the same amount ("35" and "35.00" are). */
export function sameAmount(a: string, b: string): boolean {
  return new Big(a).eq(new Big(b));
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
