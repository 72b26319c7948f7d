/**
 * The shape of the report's rows and of the window it counts: the columns of each row, in order (the CSV
 * header), and the count of window rows per `claim_status`.
 */
import { AGING_COLUMNS } from "./aging.js";
import type { OptionalGapColumn } from "./types.js";

/** What the job adds to the gap view's columns. */
const DECISION_COLUMNS = [
  "amount",
  "amount_source",
  "amount_conflict",
  "classification",
  "verdict",
  "invalid_reason",
  "diagnosis",
  "detail",
  "reclassified",
  "duplicate_of",
  "amount_at_risk",
  "ledger",
  "ledger_status",
  "ledger_why",
] as const;

/** The gap view's required columns, the optional ones this deployment's view has, the decisions, the aging. */
export function reportColumns(gapOptional: readonly OptionalGapColumn[]): string[] {
  return [
    "ord",
    "driver_id",
    "lead_date",
    "milestone_value",
    "gap_reason",
    "claim_status",
    ...gapOptional,
    ...DECISION_COLUMNS,
    ...AGING_COLUMNS,
  ];
}

/**
 * Window rows per status (`(null)` for a null status), their total, and how many have a gap status. The
 * counts are defined, not assigned: a status word such as "__proto__" must be counted like any other.
 */
export function statusCounts(
  rows: ReadonlyArray<{ claim_status: string | null; n: string | number }>,
  gapStatuses: readonly string[],
): { byStatus: Record<string, number>; total: number; gaps: number } {
  const gap = new Set(gapStatuses);
  const byStatus: Record<string, number> = {};
  let total = 0;
  let gaps = 0;
  for (const row of rows) {
    const n = Number(row.n);
    Object.defineProperty(byStatus, row.claim_status ?? "(null)", {
      value: n,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    total += n;
    if (row.claim_status !== null && gap.has(row.claim_status)) gaps += n;
  }
  return { byStatus, total, gaps };
}
