/**
 * Metrics count verdicts (docs/contract.md §5), accumulated row by row as rows stream, so memory does not
 * grow with the number of rows. The invariant `processed = claims_should_exist + claims_already_exist +
 * invalid_conditions` holds by construction: every row lands in exactly one of those three. Counts count
 * rows; amounts count each claim key once (a row with `duplicate_of` adds no money, §9.7).
 */
import {
  agingReachDays,
  type BucketTotal,
  COLLECT_NOW_BUCKETS,
  OVERDUE_BUCKETS,
  type OverdueBucket,
} from "./aging.js";
import { AmountSum } from "./amounts.js";
import { isFailure } from "./refresh-plan.js";
import type { LedgerSummary, Metrics, RefreshResult, Report, ReportRow, Verdict } from "./types.js";

/** Verdicts whose money is at risk: the claim is absent now (a dry run's WOULD_REFRESH included). */
const AT_RISK: ReadonlySet<Verdict> = new Set(["STILL_MISSING", "WOULD_REFRESH"]);

/** The amount a row adds to `amount_at_risk`: its amount once per claim key when at risk, else zero. */
export function amountAtRisk(row: Pick<ReportRow, "verdict" | "duplicate_of" | "amount">): string {
  return AT_RISK.has(row.verdict) && row.duplicate_of === null ? row.amount : "0.00";
}

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
  #atRiskAmount = new AmountSum();
  #collectNowAmount = new AmountSum();
  /** Rows and money at risk per overdue bucket (money once per claim key: `amount_at_risk` is 0 on repeats). */
  #byBucket = new Map<OverdueBucket, { count: number; amount: AmountSum }>(
    OVERDUE_BUCKETS.map((bucket) => [bucket, { count: 0, amount: new AmountSum() }]),
  );
  #breakdown = new Map<
    string,
    { verdict: Verdict; reason: string | null; count: number; amount: AmountSum }
  >();

  add(row: ReportRow): void {
    this.#processed += 1;
    this.#counts[row.verdict] += 1;
    const counted = row.duplicate_of === null;
    if (row.verdict === "STILL_MISSING" && counted) this.#stillMissingAmount.add(row.amount);
    this.#atRiskAmount.add(row.amount_at_risk);
    if (row.overdue_bucket !== null && AT_RISK.has(row.verdict)) {
      const bucket = this.#byBucket.get(row.overdue_bucket);
      if (bucket) {
        bucket.count += 1;
        bucket.amount.add(row.amount_at_risk);
      }
      if (COLLECT_NOW_BUCKETS.includes(row.overdue_bucket)) this.#collectNowAmount.add(row.amount_at_risk);
    }
    const reason = row.diagnosis ?? row.invalid_reason;
    const key = `${row.verdict}/${reason ?? ""}`;
    let entry = this.#breakdown.get(key);
    if (!entry) {
      entry = { verdict: row.verdict, reason, count: 0, amount: new AmountSum() };
      this.#breakdown.set(key, entry);
    }
    entry.count += 1;
    if (counted) entry.amount.add(row.amount);
  }

  metrics(
    gapsFound: number,
    refreshes: readonly RefreshResult[],
    durationMs: number,
    daysBack: number,
    ledger: Pick<LedgerSummary, "recorded" | "amount_recorded" | "gaps_after"> | null = null,
  ): Metrics {
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
      amount_at_risk: this.#atRiskAmount.toString(),
      amount_at_risk_15_plus: this.#collectNowAmount.toString(),
      aging_reach_days: agingReachDays(daysBack),
      refresh_failures: refreshes.filter((r) => isFailure(r.outcome)).length,
      claims_recorded: ledger?.recorded ?? 0,
      amount_recorded: ledger?.amount_recorded ?? "0.00",
      gaps_after: ledger?.gaps_after ?? null,
      duration_ms: durationMs,
    };
  }

  /** Money at risk per overdue bucket, every bucket in order (zeros included, for a stable shape). */
  atRiskByBucket(): BucketTotal[] {
    return OVERDUE_BUCKETS.map((bucket) => {
      const entry = this.#byBucket.get(bucket) as { count: number; amount: AmountSum };
      return { bucket, count: entry.count, amount: entry.amount.toString() };
    });
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
