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

/**
 * A finished report of contract revision 3 (10.1, 10.2), as the lead's job writes it, for the page's side of
 * the claims ledger: rows priced by the rule, the gap view or the milestone, an amount conflict, the new
 * invalid reasons, every ledger state, and the run's ledger summary (8 recorded, the gap view 12 → 4). The
 * fields are added to the row and report objects whether or not this library's types carry them yet.
 */
export function ledgerReport(over: { outcome?: string; rows?: number } = {}): Report {
  const head = sampleHead();
  const states = [
    { ledger: "recorded", ledger_status: null, ledger_why: null },
    { ledger: "present", ledger_status: "paid", ledger_why: null },
    { ledger: "not_recorded", ledger_status: null, ledger_why: "NO_PERSON_KEY" },
    { ledger: "not_recorded", ledger_status: null, ledger_why: "AMOUNT_CONFLICT" },
    { ledger: "not_recorded", ledger_status: null, ledger_why: "NOT_PROVEN" },
  ] as const;
  const n = over.rows ?? 40;
  const rows = Array.from({ length: n }, (_, i) => {
    const ord = i + 1;
    const state = states[i % states.length] as (typeof states)[number];
    const base =
      state.ledger === "recorded" || state.ledger === "present"
        ? sampleRow(ord, {
            verdict: "ALREADY_EXISTS",
            classification: "ALREADY_EXISTS",
            diagnosis: null,
            detail: null,
            amount_at_risk: "0.00",
          })
        : sampleRow(ord, {
            detail: "trips in window [2026-11-01, 2026-11-15): 4 < 5",
            detail_facts: { code: "TRIPS_OUTSIDE_WINDOW", trips_in_window: 4 },
          });
    const priced =
      state.ledger_why === "AMOUNT_CONFLICT"
        ? { amount: "50.00", amount_source: "rule", amount_conflict: "35.00, 50.00" }
        : {
            amount_source: ord % 7 === 0 ? "gap_view" : ord % 11 === 0 ? "milestone" : "rule",
            amount_conflict: null,
          };
    return { ...base, ...priced, ...state } as unknown as ReportRow;
  });
  // The two invalid reasons of revision 3, with the facts the page words them from.
  rows.push({
    ...sampleRow(n + 1, {
      verdict: "INVALID",
      classification: "INVALID",
      diagnosis: null,
      invalid_reason: "ZERO_AMOUNT_RULE" as ReportRow["invalid_reason"],
      detail: "rule in force pays 0.00 for M5 at lead_date 2026-11-01",
      amount: "0.00",
      amount_at_risk: "0.00",
    }),
    amount_source: "rule",
    amount_conflict: null,
    ledger: "not_recorded",
    ledger_status: null,
    ledger_why: "NO_RULE_AMOUNT",
  } as unknown as ReportRow);
  rows.push({
    ...sampleRow(n + 2, {
      verdict: "INVALID",
      classification: "INVALID",
      diagnosis: null,
      invalid_reason: "UNKNOWN_MILESTONE" as ReportRow["invalid_reason"],
      milestone_value: 3,
      detail: "milestone 3 is not 1, 5 or 25 and the row has no amount",
      amount: "0.00",
      amount_at_risk: "0.00",
    }),
    amount_source: null,
    amount_conflict: null,
    ledger: "not_recorded",
    ledger_status: null,
    ledger_why: "NOT_PROVEN",
  } as unknown as ReportRow);
  const missing = rows.filter((r) => r.verdict === "STILL_MISSING");
  const report = sampleReport(head, rows.length, {
    rows,
    metrics: {
      ...sampleReport(head, missing.length).metrics,
      processed: rows.length,
      gaps_found: rows.length,
    },
    breakdown: [
      {
        verdict: "STILL_MISSING",
        reason: "TRIPS_OUTSIDE_WINDOW",
        count: missing.length,
        amount: missing.reduce((sum, r) => sum + Number(r.amount), 0).toFixed(2),
      },
    ],
  });
  return {
    ...report,
    ledger: {
      table: "canon.claims_yango_cabinet_14d",
      outcome: over.outcome ?? "recorded",
      to_record: 8,
      recorded: over.outcome === undefined || over.outcome === "recorded" ? 8 : 0,
      amount_recorded: over.outcome === undefined || over.outcome === "recorded" ? "280.00" : "0.00",
      max_record: 1000,
      gaps_before: 12,
      gaps_after: over.outcome === undefined || over.outcome === "recorded" ? 4 : null,
    },
  } as Report;
}
