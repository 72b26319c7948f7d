/**
 * The human summary printed on stdout: what ran, how long each phase took, the metrics table and where the
 * money is. Plain text, aligned, no colours (it lands in cron mail and CI logs). Warnings are not in it:
 * the CLI prints them on stderr.
 */
import { COLLECT_NOW_MIN_DAYS_BACK, coversCollectNow } from "../core/aging.js";
import type { Report } from "../core/types.js";
import { CLI_MESSAGES } from "../i18n/cli-messages.js";
import { formatMoney } from "../i18n/format.js";
import { DEFAULT_LANG, type Lang } from "../i18n/lang.js";
import { reportWarnings } from "../i18n/warning-messages.js";

const seconds = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`);

/** Labels in the operator's language (`--lang`); metric names, verdicts and codes stay as they are. */
export function formatSummary(report: Report, outputs: string[] = [], lang: Lang = DEFAULT_LANG): string {
  const t = CLI_MESSAGES[lang];
  const soles = (amount: string) => formatMoney(amount, lang);
  const lines: string[] = [];
  const p = report.parameters;
  const mode = [
    p.dryRun ? t.dryRun : null,
    p.onlyGaps ? t.onlyGaps : null,
    p.forceRefresh ? t.forceRefresh : null,
    p.recordClaims ? t.recordClaims : null,
  ]
    .filter(Boolean)
    .join(", ");
  lines.push(
    `reconcile-cabinet-claims-14d  ${report.status.toUpperCase()}  ${t.asOf} ${report.as_of}  ` +
      `(${t.daysBack} ${p.daysBack}, ${t.limit} ${p.limit}${mode ? `, ${mode}` : ""})  ${t.run} ${report.run_id}`,
  );
  if (report.status === "skipped") {
    lines.push(t.skipped);
    return `${lines.join("\n")}\n`;
  }
  lines.push("", t.phases);
  for (const phase of report.phases)
    lines.push(`  ${phase.phase.padEnd(48)} ${seconds(phase.duration_ms).padStart(9)}`);

  lines.push("", t.refresh);
  if (report.refresh_skipped) lines.push(`  ${t.notRun}: ${report.refresh_skipped}`);
  const results = new Map(report.refreshed_views.map((r) => [r.name, r]));
  for (const [index, step] of report.refresh_plan.entries()) {
    const result = results.get(step.name);
    const outcome = result
      ? result.ok
        ? `${t.okIn} ${seconds(result.duration_ms)}`
        : result.outcome.kind === "fresh"
          ? (result.error ?? "")
          : `${t.failed}: ${result.error}`
      : step.permitted
        ? t.planned
        : `NOT PERMITTED (owner ${step.owner})`;
    lines.push(
      `  ${index + 1}. ${step.name.padEnd(44)} ${step.stage.padEnd(10)} ${step.mode.padEnd(12)} ${outcome}`,
    );
  }

  const m = report.metrics;
  // A window shorter than 29 days cannot hold a claim 15 days overdue: its 15+ zero says nothing, so the
  // summary says the window does not cover it instead of printing a reassuring S/ 0.00.
  const covered = coversCollectNow(m.aging_reach_days);
  const collectNow = covered
    ? soles(m.amount_at_risk_15_plus)
    : `${t.notCovered}: ${t.notCoveredNote(m.aging_reach_days, COLLECT_NOW_MIN_DAYS_BACK)}`;
  lines.push("", t.metrics);
  const rows: Array<[string, string | number]> = [
    ["gaps_found", m.gaps_found],
    ["processed", m.processed],
    ["claims_should_exist", m.claims_should_exist],
    ["claims_already_exist", m.claims_already_exist],
    ["invalid_conditions", m.invalid_conditions],
    ["refreshed_views", m.refreshed_views],
    ["resolved_after_refresh", m.resolved_after_refresh],
    ["still_missing", m.still_missing],
    ["amount_still_missing", soles(m.amount_still_missing)],
    ["amount_at_risk", soles(m.amount_at_risk)],
    ["amount_at_risk_15_plus", covered ? soles(m.amount_at_risk_15_plus) : t.notCovered],
    ["aging_reach_days", m.aging_reach_days],
    ["refresh_failures", m.refresh_failures],
    ["claims_recorded", m.claims_recorded],
    ["amount_recorded", soles(m.amount_recorded)],
    ["gaps_after", m.gaps_after ?? "-"],
    ["duration_ms", m.duration_ms],
  ];
  for (const [name, value] of rows) lines.push(`  ${name.padEnd(24)} ${String(value).padStart(14)}`);

  const ledger = report.ledger;
  if (ledger) {
    lines.push("", `${t.ledger}: ${ledger.table}`);
    lines.push(
      `  ${ledger.outcome.padEnd(24)} ${String(ledger.recorded).padStart(7)} / ${ledger.to_record}  ${soles(ledger.amount_recorded).padStart(14)}`,
    );
    if (ledger.error) lines.push(`  ${ledger.error}`);
    lines.push(`  ${t.gapsBeforeAfter(ledger.gaps_before, ledger.gaps_after)}`);
  }

  const anyAtRisk = report.at_risk_by_bucket.some((b) => b.count > 0);
  if (anyAtRisk || !covered) {
    lines.push("", t.aging);
    if (anyAtRisk)
      for (const b of report.at_risk_by_bucket)
        lines.push(
          `  ${b.bucket.padEnd(24)} ${String(b.count).padStart(7)}  ${soles(b.amount).padStart(14)}`,
        );
    lines.push(`  ${t.collectNow}: ${collectNow}`);
  }

  if (report.breakdown.length > 0) {
    lines.push("", t.verdicts);
    for (const b of report.breakdown) {
      lines.push(
        `  ${b.verdict.padEnd(15)} ${(b.reason ?? "").padEnd(34)} ${String(b.count).padStart(7)}  ${soles(b.amount).padStart(14)}`,
      );
    }
  }
  // The warnings themselves go to stderr (one line each), so a pipe or cron mail keeps them apart.
  if (report.warnings.length > 0) lines.push("", `${t.warnings}: ${report.warnings.length} (stderr)`);
  if (outputs.length > 0) lines.push("", `${t.wrote} ${outputs.join(", ")}`);
  return `${lines.join("\n")}\n`;
}

/**
 * The lines the CLI prints on stderr, one per warning, in the operator's language. The `name: warning:`
 * prefix stays the same in every language, so a script or a cron filter finds them either way.
 */
export function formatWarnings(report: Report, name: string, lang: Lang = DEFAULT_LANG): string[] {
  return reportWarnings(report, lang).map((text) => `${name}: warning: ${text}\n`);
}
