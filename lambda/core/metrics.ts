/**
 * Metrics count verdicts (contract.md §5), accumulated row by row as rows stream, so memory does not grow
 * with the number of rows. The invariant `processed = claims_should_exist + claims_already_exist +
 * invalid_conditions` holds by construction: every row lands in exactly one of those three.
 */
import { AmountSum } from "./amounts.js";
import type { Metrics, RefreshResult, Report, ReportRow, Verdict } from "./types.js";

const VERDICT_ORDER: Readonly<Record<Verdict, number>> = {
  STILL_MISSING: 0,
  WOULD_REFRESH: 1,
  RESOLVED: 2,
  INVALID: 3,
  ALREADY_EXISTS: 4,
};

export class MetricsAccumulator {
  #processed = 0;
  #counts: Record<Verdict, number> = {
    INVALID: 0,
    ALREADY_EXISTS: 0,
    RESOLVED: 0,
    STILL_MISSING: 0,
    WOULD_REFRESH: 0,
  };
  #stillMissingAmount = new AmountSum();
  #breakdown = new Map<
    string,
    { verdict: Verdict; reason: string | null; count: number; amount: AmountSum }
  >();

  add(row: ReportRow): void {
    this.#processed += 1;
    this.#counts[row.verdict] += 1;
    if (row.verdict === "STILL_MISSING") this.#stillMissingAmount.add(row.amount);
    const reason = row.diagnosis ?? row.invalid_reason;
    const key = `${row.verdict}/${reason ?? ""}`;
    let entry = this.#breakdown.get(key);
    if (!entry) {
      entry = { verdict: row.verdict, reason, count: 0, amount: new AmountSum() };
      this.#breakdown.set(key, entry);
    }
    entry.count += 1;
    entry.amount.add(row.amount);
  }

  metrics(gapsFound: number, refreshes: readonly RefreshResult[], durationMs: number): Metrics {
    const c = this.#counts;
    return {
      processed: this.#processed,
      gaps_found: gapsFound,
      claims_should_exist: c.RESOLVED + c.STILL_MISSING + c.WOULD_REFRESH,
      claims_already_exist: c.ALREADY_EXISTS,
      invalid_conditions: c.INVALID,
      refreshed_views: refreshes.filter((r) => r.ok).length,
      resolved_after_refresh: c.RESOLVED,
      still_missing: c.STILL_MISSING,
      amount_still_missing: this.#stillMissingAmount.toString(),
      refresh_failures: refreshes.filter((r) => !r.ok && !r.error?.startsWith("skipped")).length,
      duration_ms: durationMs,
    };
  }

  /**
   * Count and amount per verdict and reason: money at risk first (still missing, largest amount first),
   * then what the run fixed, then what needs no action.
   */
  breakdown(): Report["breakdown"] {
    return [...this.#breakdown.values()]
      .map((e) => ({ verdict: e.verdict, reason: e.reason, count: e.count, amount: e.amount.toString() }))
      .sort(
        (a, b) =>
          VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] ||
          Number(b.amount) - Number(a.amount) ||
          b.count - a.count ||
          (a.reason ?? "").localeCompare(b.reason ?? ""),
      );
  }
}
