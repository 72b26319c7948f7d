/**
 * Sample events as each caller really sends them, and a Lambda context, for the handler tests.
 */
import type { Context } from "aws-lambda";

/**
 * EventBridge Scheduler passes the schedule's input as it is. This is the runbook's window (21 days, the
 * job's default); the stack's schedule looks 60 days back (infra/stack-config.ts), tested where it matters.
 */
export const SCHEDULER_EVENT = { daysBack: 21, limit: 1000 };

/** An EventBridge *rule* on a schedule: the envelope, with `detail: {}` (account and ids made up). */
export const SCHEDULED_EVENT = {
  version: "0",
  id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: "2026-11-24T15:00:00Z",
  region: "us-east-1",
  resources: ["arn:aws:events:us-east-1:123456789012:rule/reconcile-hourly"],
  detail: {},
};

/**
 * A Step Functions `lambda:invoke` task passes its `Payload` as it is; nulls come through from the state
 * input (`"onlyMilestone.$": "$.milestone"` with no milestone given).
 */
export const STEP_FUNCTIONS_PAYLOAD = {
  daysBack: 30,
  limit: 500,
  dryRun: false,
  onlyGaps: true,
  onlyMilestone: null,
  weekStart: null,
};

/** A Lambda context whose clock runs: `getRemainingTimeInMillis` counts down from `timeoutMs`. */
export function lambdaContext(
  timeoutMs = 60_000,
  requestId = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: "reconcile-cabinet-claims-14d",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:reconcile-cabinet-claims-14d",
    memoryLimitInMB: "1024",
    awsRequestId: requestId,
    logGroupName: "/aws/lambda/reconcile-cabinet-claims-14d",
    logStreamName: "2026/11/24/[$LATEST]abcdef",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
