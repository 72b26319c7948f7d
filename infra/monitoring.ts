import { Annotations, Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as logs from "aws-cdk-lib/aws-logs";
import type * as sns from "aws-cdk-lib/aws-sns";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { METRIC } from "../lambda/aws/env-names.js";
import { agingReachDays, COLLECT_NOW_DAYS, coversCollectNow } from "../lambda/core/aging.js";
import { WINDOW_DAYS } from "../lambda/core/dates.js";
import { DEFAULTS, type ReconcileConfig } from "./stack-config.js";

/** Id of the synth warning given when the scheduled window is too short for the collect-now alarm. */
export const COLLECT_NOW_OFF_WARNING = "reconcile:collectNowAlarmOff";

export interface MonitoringProps {
  dashboardName: string;
  fn: lambda.IFunction;
  logGroup: logs.ILogGroup;
  topic: sns.ITopic;
  metricsNamespace: string;
  serviceName: string;
  alarms: ReconcileConfig["alarms"];
  /**
   * Whether an enabled schedule runs the job. Without one, no run is expected, so there is no "no
   * successful run" alarm (it would sit in ALARM for ever and hide a real one).
   */
  scheduleEnabled: boolean;
  /**
   * `daysBack` of the scheduled runs' input (after the job's own defaults). The collect-now alarm exists
   * only when that window reaches 15 days overdue (`daysBack` 29 or more): a shorter one never publishes
   * `AmountAtRisk15Plus`, so its alarm could never fire.
   */
  scheduleDaysBack: number;
  /** Queues where failed invocations land (Lambda on-failure destination, the schedule's DLQ). */
  failureQueues: sqs.IQueue[];
}

/**
 * The Logs Insights query for the last runs: the handler's embedded-metric-format record (one per
 * invocation) carries every metric as a field, plus `run_id`, `status` and, for a failed run, `error`.
 * Skipped runs carry only `RunSucceeded` and `DurationMs`; failed ones `RunSucceeded = 0`. `Processed`
 * sits next to `GapsFound` because the pair is how a run shows that `limit` cut it: `GapsFound` counts the
 * whole window, `Processed` the rows analysed, newest lead first, so the rows left out are the most overdue.
 */
const LAST_RUNS_QUERY = [
  `fields @timestamp, run_id, status, error, ${METRIC.gapsFound}, ${METRIC.processed}, ${METRIC.resolvedAfterRefresh}, ${METRIC.stillMissing}, ${METRIC.amountStillMissing}, ${METRIC.amountAtRisk}, ${METRIC.amountAtRisk15Plus}, ${METRIC.refreshFailures}, ${METRIC.claimsRecorded}, ${METRIC.durationMs}`,
  `filter ispresent(${METRIC.runSucceeded})`,
  "sort @timestamp desc",
  "limit 48",
];

/**
 * Alarms and a dashboard over the job's own metrics (namespace + one `service` dimension, names from
 * `METRIC`, the same constants the handler emits with). Every alarm notifies the topic on ALARM and OK.
 */
export class Monitoring extends Construct {
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly stillMissingAlarm: cloudwatch.Alarm;
  readonly amountStillMissingAlarm: cloudwatch.Alarm;
  readonly refreshFailuresAlarm: cloudwatch.Alarm;
  /** A run's `limit` cut its window (`GapsFound > Processed`): the oldest, most overdue rows went uncounted. */
  readonly windowCutAlarm: cloudwatch.Alarm;
  /** Only when a schedule is enabled (see `MonitoringProps.scheduleEnabled`). */
  readonly noSuccessfulRunAlarm: cloudwatch.Alarm | undefined;
  /**
   * Money 15+ days overdue (collect now). Only with an enabled schedule whose window reaches that far
   * (see `MonitoringProps.scheduleDaysBack`).
   */
  readonly collectNowAlarm: cloudwatch.Alarm | undefined;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const hourly = Duration.hours(1);
    const jobMetric = (metricName: string, statistic: string, label: string) =>
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { service: props.serviceName },
        statistic,
        period: hourly,
        label,
      });

    const gapsFound = jobMetric(METRIC.gapsFound, cloudwatch.Stats.MAXIMUM, "Gaps found");
    const processed = jobMetric(METRIC.processed, cloudwatch.Stats.MAXIMUM, "Processed");
    const resolved = jobMetric(METRIC.resolvedAfterRefresh, cloudwatch.Stats.SUM, "Resolved after refresh");
    const stillMissing = jobMetric(METRIC.stillMissing, cloudwatch.Stats.MAXIMUM, "Still missing");
    const amount = jobMetric(
      METRIC.amountStillMissing,
      cloudwatch.Stats.MAXIMUM,
      "Amount still missing (S/)",
    );
    const atRisk = jobMetric(METRIC.amountAtRisk, cloudwatch.Stats.MAXIMUM, "At risk, all (S/)");
    const atRisk15Plus = jobMetric(
      METRIC.amountAtRisk15Plus,
      cloudwatch.Stats.MAXIMUM,
      `At risk, ${COLLECT_NOW_DAYS}+ days overdue: collect now (S/)`,
    );
    const refreshFailures = jobMetric(METRIC.refreshFailures, cloudwatch.Stats.SUM, "Refresh failures");
    const durationMs = jobMetric(METRIC.durationMs, cloudwatch.Stats.MAXIMUM, "Run duration (ms)");
    const claimsRecorded = jobMetric(METRIC.claimsRecorded, cloudwatch.Stats.SUM, "Claims recorded");
    const amountRecorded = jobMetric(METRIC.amountRecorded, cloudwatch.Stats.SUM, "Amount recorded (S/)");
    const runSucceeded = jobMetric(METRIC.runSucceeded, cloudwatch.Stats.SUM, "Successful runs");

    this.errorsAlarm = new cloudwatch.Alarm(this, "FunctionErrors", {
      alarmDescription: "The reconcile function threw (see its log group and the failed-runs queue).",
      metric: props.fn.metricErrors({ period: hourly, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const periods = props.alarms.stillMissingPeriods;
    this.stillMissingAlarm = new cloudwatch.Alarm(this, "StillMissing", {
      alarmDescription: `Claims are still missing after the refresh in ${periods} consecutive hourly runs: money the fleet is owed and will not collect. Read the run's report (STILL_MISSING rows and their diagnosis).`,
      metric: stillMissing,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: periods,
      datapointsToAlarm: periods,
      // An hour without a run is not evidence of a gap; the "no successful run" alarm covers it.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const threshold = props.alarms.amountStillMissingThreshold;
    this.amountStillMissingAlarm = new cloudwatch.Alarm(this, "AmountStillMissing", {
      alarmDescription: `More than S/ ${threshold} of claims are still missing after the refresh.`,
      metric: amount,
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // A run that completes with a failed refresh is not a function error (contract.md §9.6): without this
    // alarm a role that cannot refresh fails every hour in silence.
    this.refreshFailuresAlarm = new cloudwatch.Alarm(this, "RefreshFailures", {
      alarmDescription:
        "A run could not refresh a materialized view (not permitted, a lock wait, a timeout or an error): its verdicts rest on stale data. The run's report and log name the view and the error.",
      metric: refreshFailures,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // The limit cut the window: the rows left out are the oldest, the most overdue, and no amount or alarm
    // counts them. One run an hour, so the hour's maxima are that run's figures; a skipped run publishes
    // neither (no point: not breaching).
    this.windowCutAlarm = new cloudwatch.Alarm(this, "WindowCut", {
      alarmDescription:
        "A run's limit cut its window (GapsFound above Processed): the oldest, most overdue rows were not analysed and their money is in no amount or alarm. Raise the schedule's limit (scheduleInput) above the window's rows.",
      metric: new cloudwatch.MathExpression({
        expression: "gaps - processed",
        usingMetrics: { gaps: gapsFound, processed },
        period: hourly,
        label: "Rows of the window not analysed (GapsFound - Processed)",
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const hours = props.alarms.noRunHours;
    this.noSuccessfulRunAlarm = props.scheduleEnabled
      ? new cloudwatch.Alarm(this, "NoSuccessfulRun", {
          alarmDescription: `No run completed (or was skipped behind another) in ${hours} hours: the schedule, the function or the database is down. Silence is a failure here.`,
          metric: runSucceeded,
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: hours,
          datapointsToAlarm: hours,
          // No data point at all means no run: that is exactly what this alarm is for.
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        })
      : undefined;

    // The scheduled window's reach: a row of it is at most `daysBack - 14` days overdue. Below 15 the job
    // publishes no `AmountAtRisk15Plus` at all (its zero would be the window's, not the debtors'), so an
    // alarm on it would sit in OK for ever, which is worse than no alarm: say so at synth instead.
    const daysBack = props.scheduleDaysBack;
    const reach = agingReachDays(daysBack);
    const collectNowAmount = props.alarms.collectNowAlarmAmount;
    const collectNowCovered = coversCollectNow(reach);
    const collectNowWatched = props.scheduleEnabled && collectNowCovered;
    this.collectNowAlarm = collectNowWatched
      ? new cloudwatch.Alarm(this, "CollectNow", {
          alarmDescription: [
            `More than S/ ${collectNowAmount} of claims are ${COLLECT_NOW_DAYS}+ days overdue and still not claimed (${METRIC.amountAtRisk15Plus}, collect now): money the fleet earned and will lose unless someone acts.`,
            "Open the last run's HTML report (outputs.html in the function's 'run finished' log line; the dashboard's last-runs table has the run_id) and work the rows in the 15_30, 31_60 and 60_plus overdue buckets: each row's diagnosis says why the claim is missing and with which numbers.",
            `The scheduled window (daysBack ${daysBack}) sees claims up to ${reach} days overdue; older ones are not counted, nor are the oldest rows a run's limit left out (GapsFound above Processed).`,
          ].join(" "),
          metric: atRisk15Plus,
          threshold: collectNowAmount,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          // A missing point is a skipped or failed run (the other alarms cover those): nothing was measured.
          // Keep the state: NOT_BREACHING would turn the alarm OK, and tell the topic the money was collected,
          // whenever one hourly run is skipped, though money 15+ days overdue stays owed for days.
          treatMissingData: cloudwatch.TreatMissingData.IGNORE,
        })
      : undefined;
    if (props.scheduleEnabled && !collectNowCovered) {
      Annotations.of(this).addWarningV2(
        COLLECT_NOW_OFF_WARNING,
        `The collect-now alarm (${METRIC.amountAtRisk15Plus}) is off: the scheduled input's daysBack is ${daysBack}, so a run sees claims at most ${reach} days overdue and can never see money ${COLLECT_NOW_DAYS}+ days overdue. Give scheduleInput a daysBack of ${COLLECT_NOW_DAYS + WINDOW_DAYS} or more (the stack's default is ${DEFAULTS.scheduleInput.daysBack}) to turn it on.`,
      );
    }

    const alarms = [
      this.errorsAlarm,
      this.stillMissingAlarm,
      this.amountStillMissingAlarm,
      this.refreshFailuresAlarm,
      this.windowCutAlarm,
      ...(this.noSuccessfulRunAlarm ? [this.noSuccessfulRunAlarm] : []),
      ...(this.collectNowAlarm ? [this.collectNowAlarm] : []),
    ];
    const action = new SnsAction(props.topic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }

    const graph = (title: string, metric: cloudwatch.IMetric, annotation?: cloudwatch.HorizontalAnnotation) =>
      new cloudwatch.GraphWidget({
        title,
        left: [metric],
        width: 8,
        height: 6,
        leftYAxis: { min: 0 },
        legendPosition: cloudwatch.LegendPosition.HIDDEN,
        ...(annotation ? { leftAnnotations: [annotation] } : {}),
      });

    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.days(2),
    });
    // Money first, as in the report a person reads: all of it at risk, and the part to collect now.
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: collectNowCovered
          ? `Money at risk (S/): all, and ${COLLECT_NOW_DAYS}+ days overdue`
          : `Money at risk (S/); ${COLLECT_NOW_DAYS}+ days overdue not published: the schedule's window (daysBack ${daysBack}) does not reach it`,
        left: [atRisk, atRisk15Plus],
        width: 24,
        height: 6,
        leftYAxis: { min: 0 },
        legendPosition: cloudwatch.LegendPosition.BOTTOM,
        ...(this.collectNowAlarm
          ? { leftAnnotations: [{ value: collectNowAmount, label: "collect-now alarm", color: "#d62728" }] }
          : {}),
      }),
    );
    this.dashboard.addWidgets(
      graph("Gaps found (in window)", gapsFound),
      graph("Resolved after refresh", resolved),
      graph("Still missing after refresh", stillMissing, { value: 0.5, label: "any gap", color: "#d62728" }),
    );
    this.dashboard.addWidgets(
      graph("Amount still missing (S/)", amount, { value: threshold, label: "alarm", color: "#d62728" }),
      graph("Refresh failures", refreshFailures, { value: 0.5, label: "alarm", color: "#d62728" }),
      graph("Run duration (ms)", durationMs),
    );
    // What the job closed in the claims ledger (recordClaims on): the gap screen shrinks by these claims.
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Claims recorded in the claims ledger (count, S/)",
        left: [claimsRecorded],
        right: [amountRecorded],
        width: 24,
        height: 6,
        leftYAxis: { min: 0 },
        rightYAxis: { min: 0 },
        legendPosition: cloudwatch.LegendPosition.BOTTOM,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms, width: 8, height: 6 }),
      new cloudwatch.GraphWidget({
        title: "Function: invocations, errors, throttles",
        left: [
          props.fn.metricInvocations({ period: hourly }),
          props.fn.metricErrors({ period: hourly }),
          props.fn.metricThrottles({ period: hourly }),
        ],
        width: 8,
        height: 6,
        leftYAxis: { min: 0 },
      }),
      new cloudwatch.GraphWidget({
        title: "Failed invocations waiting in queues",
        left: props.failureQueues.map((queue) =>
          queue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(5),
            label: queue.node.id,
          }),
        ),
        width: 8,
        height: 6,
        leftYAxis: { min: 0 },
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: "Last runs (from the function's metric records)",
        logGroupNames: [props.logGroup.logGroupName],
        queryLines: LAST_RUNS_QUERY,
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        width: 24,
        height: 8,
      }),
    );
  }
}
