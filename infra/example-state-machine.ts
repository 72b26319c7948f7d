import { Duration } from "aws-cdk-lib";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sns from "aws-cdk-lib/aws-sns";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import { ERROR_NAMES } from "../lambda/aws/env-names.js";

export interface ExampleStateMachineProps {
  fn: lambda.IFunction;
  topic: sns.ITopic;
  logGroupName: string;
  logRetention: logs.RetentionDays;
}

/**
 * The job's errors that a person must fix (docs/errors.md): the same run fails the same way until the
 * input, a setting, the credentials, the views or their data change. Never retried; caught by name into
 * their own Fail state. Every other name in `ERROR_NAMES` is retried below (the ones whose class in
 * `lambda/errors.ts` is `transient`); test/infra/stack.test.ts checks that each name is one or the other.
 */
export const NEEDS_A_PERSON: readonly string[] = [
  ERROR_NAMES.input,
  ERROR_NAMES.configuration,
  ERROR_NAMES.credentials,
  ERROR_NAMES.contract,
  ERROR_NAMES.sourceData,
  // Not transient: the same statement on the same data takes as long again (raise the timeout instead).
  ERROR_NAMES.statementTimeout,
  // The function's timeout is too short for the run: a setting.
  ERROR_NAMES.timeBudget,
];

/**
 * An example workflow that uses the job as one step: run it (the state input is the run's parameters,
 * e.g. `{"daysBack":60,"limit":1000}`), retry only what is worth retrying, fail with the job's own error
 * name otherwise, and notify the topic when claims are still missing after the refresh.
 */
export class ExampleStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ExampleStateMachineProps) {
    super(scope, id);

    const needsAPerson = new sfn.Fail(this, "NeedsAPerson", {
      comment:
        "Retrying cannot help: fix what the error names (input, setting, credentials, views or their data; docs/errors.md).",
      errorPath: "$.error.Error",
      causePath: "$.error.Cause",
    });
    const failed = new sfn.Fail(this, "ReconcileFailed", {
      comment:
        "The job failed after its retries, or with an unexpected error: see Error (the job's error name) and Cause.",
      errorPath: "$.error.Error",
      causePath: "$.error.Cause",
    });

    const run = new tasks.LambdaInvoke(this, "RunReconcile", {
      comment: "Runs the reconcile job; the result is the report without rows, plus its S3 URIs.",
      lambdaFunction: props.fn,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
      taskTimeout: sfn.Timeout.duration(Duration.minutes(15)),
    })
      // The database is down or failing over: worth waiting for.
      .addRetry({
        errors: [ERROR_NAMES.databaseUnavailable],
        interval: Duration.seconds(30),
        backoffRate: 2,
        maxAttempts: 3,
        maxDelay: Duration.minutes(5),
        jitterStrategy: sfn.JitterType.FULL,
      })
      // Secrets Manager throttled or failing (after the job's own retries): worth waiting for too.
      .addRetry({
        errors: [ERROR_NAMES.secretUnavailable],
        interval: Duration.seconds(30),
        backoffRate: 2,
        maxAttempts: 3,
        maxDelay: Duration.minutes(5),
        jitterStrategy: sfn.JitterType.FULL,
      })
      // Another session held a view the run needed (a long refresh, about 35 s deployed; a migration):
      // it passes, so wait longer than it usually takes, and not all at once.
      .addRetry({
        errors: [ERROR_NAMES.lockWait],
        interval: Duration.minutes(1),
        backoffRate: 2,
        maxAttempts: 3,
        maxDelay: Duration.minutes(5),
        jitterStrategy: sfn.JitterType.FULL,
      })
      // The report upload failed after the database work was done: one more try is cheap.
      .addRetry({ errors: [ERROR_NAMES.output], interval: Duration.seconds(10), maxAttempts: 1 })
      // Reserved concurrency is 1: a scheduled run is in progress. Wait for it to finish.
      .addRetry({
        errors: ["Lambda.TooManyRequestsException"],
        interval: Duration.minutes(1),
        backoffRate: 2,
        maxAttempts: 4,
      })
      .addCatch(needsAPerson, { errors: [...NEEDS_A_PERSON], resultPath: "$.error" })
      // Retries exhausted, `ReconcileError` (unclassified) or a Lambda service error.
      .addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: "$.error" });

    const stillMissing = "$.metrics.still_missing";
    const notify = new tasks.SnsPublish(this, "NotifyStillMissing", {
      comment: "Claims are still missing after the refresh: tell the operators, with the run's report.",
      topic: props.topic,
      subject: "Cabinet 14-day claims still missing",
      message: sfn.TaskInput.fromText(
        sfn.JsonPath.format(
          "{} claim(s) still missing after the refresh. Run report: {}",
          sfn.JsonPath.stringAt(stillMissing), // a number at run time; States.Format accepts it
          sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt("$")),
        ),
      ),
      resultPath: sfn.JsonPath.DISCARD,
    });

    const check = new sfn.Choice(this, "AnyStillMissing")
      .when(
        sfn.Condition.and(
          sfn.Condition.isPresent(stillMissing),
          sfn.Condition.numberGreaterThan(stillMissing, 0),
        ),
        notify.next(new sfn.Succeed(this, "Notified")),
      )
      .otherwise(new sfn.Succeed(this, "NothingStillMissing"));

    // A /aws/vendedlogs/ name keeps CloudWatch Logs' resource policy small (AWS's advice for Step Functions).
    this.logGroup = new logs.LogGroup(this, "LogGroup", {
      logGroupName: props.logGroupName,
      retention: props.logRetention,
    });

    this.stateMachine = new sfn.StateMachine(this, "StateMachine", {
      comment: "Example: the cabinet claims reconcile job as a Step Functions step",
      definitionBody: sfn.DefinitionBody.fromChainable(run.next(check)),
      timeout: Duration.hours(1),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
  }
}
