/**
 * The report's metrics as CloudWatch metrics, in embedded metric format: one document per invocation,
 * flushed by the `logMetrics` middleware. Namespace and the single `service` dimension come from
 * Powertools (`POWERTOOLS_METRICS_NAMESPACE`, `POWERTOOLS_SERVICE_NAME`), which the stack's alarms and
 * dashboard use too. `run_id` and `status` ride along as metadata (searchable in Logs Insights, not
 * dimensions, so the metric count stays constant).
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { MetricUnit as Unit } from "@aws-lambda-powertools/metrics/types";
import { coversCollectNow } from "../core/aging.js";
import type { Report } from "../core/types.js";
import { METRIC } from "./env-names.js";

export function createMetrics(namespace: string, serviceName: string): Metrics {
  return new Metrics({ namespace, serviceName });
}

/**
 * The value published for each metric of a report (amounts as numbers: CloudWatch has no decimals).
 * `AmountAtRisk15Plus` is left out when the run's window cannot reach 15 days overdue (the core's
 * `coversCollectNow`): its zero would be the window's, not the debtors', so no data point is better than
 * a reassuring one (the alarm on it ignores a missing point, keeping its state, and the stack only creates
 * that alarm for a schedule whose window covers it).
 */
export function reportMetricValues(report: Report): Record<string, number> {
  const m = report.metrics;
  const collectNow: Record<string, number> = coversCollectNow(m.aging_reach_days)
    ? { [METRIC.amountAtRisk15Plus]: Number(m.amount_at_risk_15_plus) }
    : {};
  return {
    [METRIC.processed]: m.processed,
    [METRIC.gapsFound]: m.gaps_found,
    [METRIC.claimsShouldExist]: m.claims_should_exist,
    [METRIC.claimsAlreadyExist]: m.claims_already_exist,
    [METRIC.invalidConditions]: m.invalid_conditions,
    [METRIC.refreshedViews]: m.refreshed_views,
    [METRIC.resolvedAfterRefresh]: m.resolved_after_refresh,
    [METRIC.stillMissing]: m.still_missing,
    [METRIC.amountStillMissing]: Number(m.amount_still_missing),
    [METRIC.amountAtRisk]: Number(m.amount_at_risk),
    ...collectNow,
    [METRIC.refreshFailures]: m.refresh_failures,
    [METRIC.claimsRecorded]: m.claims_recorded,
    [METRIC.amountRecorded]: Number(m.amount_recorded),
    [METRIC.durationMs]: m.duration_ms,
    [METRIC.runSucceeded]: report.status === "completed" || report.status === "skipped" ? 1 : 0,
  };
}

const UNIT: Readonly<Record<string, Unit>> = {
  [METRIC.durationMs]: MetricUnit.Milliseconds,
  [METRIC.amountStillMissing]: MetricUnit.NoUnit,
  [METRIC.amountAtRisk]: MetricUnit.NoUnit,
  [METRIC.amountAtRisk15Plus]: MetricUnit.NoUnit,
  [METRIC.amountRecorded]: MetricUnit.NoUnit,
};

/**
 * Adds every metric of a finished run. A `skipped` run measured nothing (another run held the lock and
 * publishes its own numbers), so it adds only `RunSucceeded` and `DurationMs`: zeros would read as "no
 * gaps" on the dashboard.
 */
export function recordReport(metrics: Metrics, report: Report): void {
  metrics.addMetadata("run_id", report.run_id);
  metrics.addMetadata("status", report.status);
  const values = reportMetricValues(report);
  const names = report.status === "skipped" ? [METRIC.runSucceeded, METRIC.durationMs] : Object.keys(values);
  for (const name of names) {
    metrics.addMetric(name, UNIT[name] ?? MetricUnit.Count, values[name] as number);
  }
}

/** A failed run: `RunSucceeded` 0, so the "no successful run" alarm counts it, and the error's name. */
export function recordFailure(metrics: Metrics, runId: string, errorName: string): void {
  metrics.addMetadata("run_id", runId);
  metrics.addMetadata("status", "failed");
  metrics.addMetadata("error", errorName);
  metrics.addMetric(METRIC.runSucceeded, MetricUnit.Count, 0);
}
