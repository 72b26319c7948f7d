/** A report head, rows and a finished report, for tests of the outputs (files, S3) without a database. */
import { OVERDUE_BUCKETS } from "../../lambda/core/aging.js";
import type { Report, ReportHead, ReportRow } from "../../lambda/core/types.js";
import { parseRunParameters } from "../../lambda/params.js";

export function sampleHead(over: Partial<ReportHead> = {}): ReportHead {
  return {
    run_id: "r-1",
    as_of: "2026-11-24",
    parameters: parseRunParameters({}),
    started_at: "2026-11-24T10:00:00.000Z",
    row_columns: [
      "ord",
      "driver_id",
      "lead_date",
      "milestone_value",
      "verdict",
      "detail",
      "reclassified",
      "amount",
    ],
    ...over,
  };
}

/** A still-missing M5 row whose `detail` needs CSV quoting (comma, quotes, newline). */
export function sampleRow(ord: number, over: Partial<ReportRow> = {}): ReportRow {
  return {
    ord,
    driver_id: `d${ord}`,
    lead_date: "2026-11-01",
    milestone_value: 5,
    gap_reason: "CLAIM_NOT_GENERATED",
    claim_status: "MISSING",
    classification: "SHOULD_EXIST",
    verdict: "STILL_MISSING",
    invalid_reason: null,
    diagnosis: "TRIPS_OUTSIDE_WINDOW",
    detail: 'trips in window [2026-11-01, 2026-11-15): 4 < 5, "quoted", line\nbreak',
    reclassified: false,
    amount: "35.00",
    amount_source: "milestone",
    amount_conflict: null,
    ledger: null,
    ledger_status: null,
    ledger_why: null,
    duplicate_of: null,
    amount_at_risk: "35.00",
    // As of the sample head's 2026-11-24: due 14 days after the lead date, 9 days overdue.
    due_date: "2026-11-15",
    days_overdue: 9,
    overdue_bucket: "8_14",
    ...over,
  };
}

/** The finished report of `rows` still-missing rows. */
export function sampleReport(head: ReportHead, rows: number, over: Partial<Report> = {}): Report {
  return {
    ...head,
    status: "completed",
    timeouts: {
      statement_timeout_ms: 120_000,
      statement_timeout_from: "job",
      lock_timeout_ms: 30_000,
      lock_timeout_from: "job",
    },
    metrics: {
      processed: rows,
      gaps_found: rows,
      claims_should_exist: rows,
      claims_already_exist: 0,
      invalid_conditions: 0,
      refreshed_views: 0,
      resolved_after_refresh: 0,
      still_missing: rows,
      amount_still_missing: (35 * rows).toFixed(2),
      amount_at_risk: (35 * rows).toFixed(2),
      amount_at_risk_15_plus: "0.00",
      aging_reach_days: 7,
      refresh_failures: 0,
      claims_recorded: 0,
      amount_recorded: "0.00",
      gaps_after: null,
      duration_ms: 5,
    },
    gap_status_counts: { MISSING: rows },
    refreshed_views: [],
    refresh_plan: [],
    refresh_skipped: null,
    ledger: null,
    at_risk_by_bucket: OVERDUE_BUCKETS.map((bucket) => ({
      bucket,
      count: bucket === "8_14" ? rows : 0,
      amount: bucket === "8_14" ? (35 * rows).toFixed(2) : "0.00",
    })),
    breakdown: [],
    warnings: [],
    warning_details: [],
    phases: [],
    finished_at: "2026-11-24T10:00:01.000Z",
    ...over,
  };
}
