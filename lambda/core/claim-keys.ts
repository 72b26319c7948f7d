/**
 * Money is counted once per claim (docs/contract.md §9.7). A lead uploaded twice gives two gap rows for one
 * claim key (driver_id, milestone_value, lead_date); the second row names the first as `duplicate_of` and
 * adds nothing to any amount. Rows arrive in `ord` order, so the first row of a key is the one kept.
 */
import type { GapRow } from "./types.js";

export class ClaimKeys {
  readonly #first = new Map<string, number>();

  /** The `ord` of an earlier row with the same key, or null (rows without driver or lead date have no key). */
  duplicateOf(row: GapRow): number | null {
    if (row.driver_id === null || row.driver_id === "" || row.lead_date === null) return null;
    // JSON of the parts, so no driver id can make two different keys collide.
    const key = JSON.stringify([row.driver_id, row.milestone_value, row.lead_date]);
    const first = this.#first.get(key);
    if (first !== undefined) return first;
    this.#first.set(key, row.ord);
    return null;
  }
}
