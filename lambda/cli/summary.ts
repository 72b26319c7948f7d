/**
 * The human summary printed on stdout: what ran, how long each phase took, the metrics table and where the
 * money is. Plain text, aligned, no colours (it lands in cron mail and CI logs). Warnings are not in it:
 * the CLI prints them on stderr.
 */
import type { Report } from "../core/types.js";

const seconds = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`);
const soles = (amount: string) => `S/ ${amount}`;

export function formatSummary(report: Report, outputs: string[] = []): string {
  const lines: string[] = [];
  const p = report.parameters;
  const mode = [
    p.dryRun ? "dry-run" : null,
    p.onlyGaps ? "only gaps" : null,
    p.forceRefresh ? "force refresh" : null,
  ]
    .filter(Boolean)
    .join(", ");
  lines.push(
    `reconcile-cabinet-claims-14d  ${report.status.toUpperCase()}  as of ${report.as_of}  ` +
      `(days back ${p.daysBack}, limit ${p.limit}${mode ? `, ${mode}` : ""})  run ${report.run_id}`,
  );
  if (report.status === "skipped") {
    lines.push("another run holds the lock; nothing was done");
    return `${lines.join("\n")}\n`;
  }
  lines.push("", "phases");
  for (const phase of report.phases)
    lines.push(`  ${phase.phase.padEnd(48)} ${seconds(phase.duration_ms).padStart(9)}`);

  lines.push("", "refresh");
  if (report.refresh_skipped) lines.push(`  not run: ${report.refresh_skipped}`);
  const results = new Map(report.refreshed_views.map((r) => [r.name, r]));
  for (const [index, step] of report.refresh_plan.entries()) {
    const result = results.get(step.name);
    const outcome = result
      ? result.ok
        ? `ok in ${seconds(result.duration_ms)}`
        : `FAILED: ${result.error}`
      : step.permitted
        ? "planned"
        : `NOT PERMITTED (owner ${step.owner})`;
    lines.push(
      `  ${index + 1}. ${step.name.padEnd(44)} ${step.stage.padEnd(10)} ${step.mode.padEnd(12)} ${outcome}`,
    );
  }

  const m = report.metrics;
  lines.push("", "metrics");
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
    ["refresh_failures", m.refresh_failures],
    ["duration_ms", m.duration_ms],
  ];
  for (const [name, value] of rows) lines.push(`  ${name.padEnd(24)} ${String(value).padStart(14)}`);

  if (report.breakdown.length > 0) {
    lines.push("", "verdicts (money at risk first)");
    for (const b of report.breakdown) {
      lines.push(
        `  ${b.verdict.padEnd(15)} ${(b.reason ?? "").padEnd(34)} ${String(b.count).padStart(7)}  ${soles(b.amount).padStart(14)}`,
      );
    }
  }
  // The warnings themselves go to stderr (one line each), so a pipe or cron mail keeps them apart.
  if (report.warnings.length > 0) lines.push("", `${report.warnings.length} warning(s): see stderr`);
  if (outputs.length > 0) lines.push("", `wrote ${outputs.join(", ")}`);
  return `${lines.join("\n")}\n`;
}
