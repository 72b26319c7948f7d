/**
 * Aging of claims, in the deployment's own vocabulary: a claim falls due 14 days after its lead date (the
 * end of the half-open window), and the money of a claim not collected grows older from then on. Pure: the
 * day aging is counted from (`as_of`) is an argument, never the clock. The money at risk per bucket is
 * summed by `MetricsAccumulator` (`metrics.ts`), the one place the report's money is counted.
 */
import { addDays, daysBetween, WINDOW_DAYS } from "./dates.js";

/**
 * The deployment's buckets, in order. Each label is an inclusive range of `days_overdue`, and the first
 * match wins, as in the deployment's `CASE` (`<= 0`, `<= 7`, `<= 14`, `<= 30`, `<= 60`, else): so 60 days
 * overdue is `31_60` and `60_plus` starts at 61.
 */
export const OVERDUE_BUCKETS = ["0_not_due", "1_7", "8_14", "15_30", "31_60", "60_plus"] as const;
export type OverdueBucket = (typeof OVERDUE_BUCKETS)[number];

/** Upper bound (inclusive) of each bucket but the last. */
const BUCKET_LIMITS: ReadonlyArray<readonly [number, OverdueBucket]> = [
  [0, "0_not_due"],
  [7, "1_7"],
  [14, "8_14"],
  [30, "15_30"],
  [60, "31_60"],
];

/** "Collect now": the deployment's collectors act on claims this many days overdue or more. */
export const COLLECT_NOW_DAYS = 15;
/**
 * The most days overdue a row of a window can be: its oldest lead is `as_of - days_back`, due 14 days later.
 * Below `COLLECT_NOW_DAYS` the window cannot hold collect-now money, so its 15+ amount is zero by
 * construction, not because nothing is owed: the report says so instead of showing a reassuring zero.
 */
export function agingReachDays(daysBack: number): number {
  return Math.max(0, daysBack - WINDOW_DAYS);
}

/** True when a window reaches back far enough for its 15+ amount to mean something. */
export function coversCollectNow(agingReach: number): boolean {
  return agingReach >= COLLECT_NOW_DAYS;
}

/** The shortest `days_back` whose window reaches collect-now money (29: 14 days to fall due, then 15). */
export const COLLECT_NOW_MIN_DAYS_BACK = COLLECT_NOW_DAYS + WINDOW_DAYS;

/** The buckets at or past "collect now". */
export const COLLECT_NOW_BUCKETS: readonly OverdueBucket[] = ["15_30", "31_60", "60_plus"];

/** The aging fields of a report row (null when the row has no lead date: it has no due date either). */
export interface Aging {
  /** `lead_date + 14`, `YYYY-MM-DD`. */
  readonly due_date: string | null;
  /** Whole days from `due_date` to `as_of`; 0 while not yet due (never negative). */
  readonly days_overdue: number | null;
  readonly overdue_bucket: OverdueBucket | null;
}

export const AGING_COLUMNS = ["due_date", "days_overdue", "overdue_bucket"] as const;

export function bucketOf(daysOverdue: number): OverdueBucket {
  for (const [limit, bucket] of BUCKET_LIMITS) if (daysOverdue <= limit) return bucket;
  return "60_plus";
}

/** Aging of one claim as of a day. */
export function agingOf(leadDate: string | null, asOf: string): Aging {
  if (leadDate === null) return { due_date: null, days_overdue: null, overdue_bucket: null };
  const due = addDays(leadDate, WINDOW_DAYS);
  const days = Math.max(0, daysBetween(due, asOf));
  return { due_date: due, days_overdue: days, overdue_bucket: bucketOf(days) };
}

/** Money at risk: claims that are due and absent, after the refresh (or, in a dry run, before it). */
export const AT_RISK_VERDICTS: ReadonlySet<string> = new Set(["STILL_MISSING", "WOULD_REFRESH"]);

export interface BucketTotal {
  bucket: OverdueBucket;
  /** Rows at risk in the bucket (duplicates included: counts count rows). */
  count: number;
  /** Amount at risk in the bucket, once per claim (decimal string). */
  amount: string;
}
