/**
 * A large report without a database, shaped like the job's: every verdict, each diagnosis with its detail,
 * lead dates over 80 days so every overdue bucket fills. Its figures are summed by the run's own
 * `MetricsAccumulator`, so the page shows what a real run of these rows would. Used by the browser test of
 * the 10,000-row page and by `npm run bench:html`.
 */
import { createWriteStream } from "node:fs";
import { agingOf } from "../../lambda/core/aging.js";
import { addDays } from "../../lambda/core/dates.js";
import { amountAtRisk, MetricsAccumulator } from "../../lambda/core/metrics.js";
import type {
  DetailFacts,
  Diagnosis,
  Report,
  ReportRow,
  RunWarning,
  Verdict,
} from "../../lambda/core/types.js";
import { warningText } from "../../lambda/core/warnings.js";
import type { Lang } from "../../lambda/i18n/lang.js";
import { htmlSink } from "../../lambda/report/html-sink.js";
import { sampleHead } from "./report-fixtures.js";

export const LARGE_AS_OF = "2026-11-24";
/** Lead dates reach 79 days back; a window of 90 days holds them all. */
export const LARGE_DAYS_BACK = 90;

const DIAGNOSES: readonly Diagnosis[] = [
  "CLAIM_ON_OTHER_LEAD_DATE",
  "NO_PAYMENT_CALCULATION",
  "TRIPS_OUTSIDE_WINDOW",
  "CLAIMS_VIEW_MISSING",
];
const VERDICTS: readonly Verdict[] = [
  "ALREADY_EXISTS",
  "STILL_MISSING",
  "INVALID",
  "RESOLVED",
  "STILL_MISSING",
];

export function largeRow(ord: number, asOf: string = LARGE_AS_OF): ReportRow {
  const lead = addDays(asOf, -(ord % 80));
  const milestone = [1, 5, 25][ord % 3] as number;
  const verdict = VERDICTS[ord % VERDICTS.length] as Verdict;
  const diagnosis = verdict === "STILL_MISSING" ? (DIAGNOSES[ord % DIAGNOSES.length] as Diagnosis) : null;
  const amount = { 1: "25.00", 5: "35.00", 25: "100.00" }[milestone] as string;
  const detail =
    diagnosis === "CLAIM_ON_OTHER_LEAD_DATE"
      ? `claim exists under lead_date ${addDays(lead, -3)}, gap row has ${lead}`
      : diagnosis === "NO_PAYMENT_CALCULATION"
        ? `no cabinet/partner payment calculation for M${milestone} at lead_date ${lead}`
        : diagnosis === "TRIPS_OUTSIDE_WINDOW"
          ? `trips in window [${lead}, ${addDays(lead, 14)}): ${milestone - 1} < ${milestone}`
          : diagnosis === "CLAIMS_VIEW_MISSING"
            ? `achieved ${addDays(lead, 5)}, trips in window ${milestone + 2}, claims view has no row`
            : verdict === "INVALID"
              ? `canonical achieved view: not achieved for M${milestone}`
              : null;
  // The same facts as values, as the job writes them beside the detail (the page words them).
  const detail_facts: DetailFacts | null =
    diagnosis === "CLAIM_ON_OTHER_LEAD_DATE"
      ? { code: diagnosis, other_lead_date: addDays(lead, -3) }
      : diagnosis === "NO_PAYMENT_CALCULATION"
        ? { code: diagnosis }
        : diagnosis === "TRIPS_OUTSIDE_WINDOW"
          ? { code: diagnosis, trips_in_window: milestone - 1 }
          : diagnosis === "CLAIMS_VIEW_MISSING"
            ? { code: diagnosis, achieved_date: addDays(lead, 5), trips_in_window: milestone + 2 }
            : verdict === "INVALID"
              ? { code: "NOT_ACHIEVED", achieved_flag: false }
              : null;
  return {
    ord,
    driver_id: `0f${(ord * 7919).toString(16).padStart(8, "0")}a9c4e27b`,
    lead_date: lead,
    milestone_value: milestone,
    gap_reason: "CLAIM_NOT_GENERATED",
    claim_status: "CLAIM_NOT_GENERATED",
    classification:
      verdict === "INVALID" ? "INVALID" : verdict === "ALREADY_EXISTS" ? "ALREADY_EXISTS" : "SHOULD_EXIST",
    verdict,
    invalid_reason: verdict === "INVALID" ? "NOT_ACHIEVED" : null,
    diagnosis,
    detail,
    detail_facts,
    reclassified: false,
    amount,
    amount_source: "milestone",
    amount_conflict: null,
    ledger: null,
    ledger_status: null,
    ledger_why: null,
    duplicate_of: null,
    amount_at_risk: amountAtRisk({ verdict, duplicate_of: null, amount }),
    ...agingOf(lead, asOf),
  };
}

/** Writes the HTML page of `rows` large rows to `path` through the HTML sink; returns the report. */
export async function writeLargeReport(path: string, rows: number, lang: Lang): Promise<Report> {
  const head = sampleHead({
    as_of: LARGE_AS_OF,
    parameters: { ...sampleHead().parameters, daysBack: LARGE_DAYS_BACK },
  });
  const sink = htmlSink(createWriteStream(path), { lang });
  const metrics = new MetricsAccumulator();
  await sink.start(head);
  for (let ord = 1; ord <= rows; ord++) {
    const row = largeRow(ord);
    metrics.add(row);
    await sink.row(row);
  }
  const warning: RunWarning = { code: "iso_trip_dates", count: 12 };
  const report: Report = {
    ...head,
    status: "completed",
    timeouts: {
      statement_timeout_ms: 120_000,
      statement_timeout_from: "job",
      lock_timeout_ms: 30_000,
      lock_timeout_from: "job",
    },
    metrics: metrics.metrics(rows, [], 5, LARGE_DAYS_BACK),
    gap_status_counts: { CLAIM_NOT_GENERATED: rows },
    refreshed_views: [],
    refresh_plan: [],
    ledger: null,
    refresh_skipped: "nothing to fix",
    at_risk_by_bucket: metrics.atRiskByBucket(),
    breakdown: metrics.breakdown(),
    warnings: [warningText(warning)],
    warning_details: [warning],
    phases: [{ phase: "identify", duration_ms: 12 }],
    finished_at: "2026-11-24T10:00:01.000Z",
  };
  await sink.finish(report);
  return report;
}
