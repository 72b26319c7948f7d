import { Annotations } from "aws-cdk-lib";
import { Match, type Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { COLLECT_NOW_OFF_WARNING } from "../../infra/monitoring.js";
import { LAMBDA_CA_BUNDLE } from "../../infra/reconcile-function.js";
import type { ReconcileStack } from "../../infra/stack.js";
import { ENV, ERROR_NAMES, METRIC } from "../../lambda/aws/env-names.js";
import { agingReachDays, coversCollectNow } from "../../lambda/core/aging.js";
import * as errors from "../../lambda/errors.js";
import { parseRunParameters } from "../../lambda/params.js";
import {
  actionsOf,
  buildStack,
  onlyResource,
  type Props,
  policyStatements,
  renderJoin,
  resourcesOf,
  resourcesOfType,
  type Statement,
  SYNTH_TIMEOUT_MS,
} from "./fixture.js";

// One synth (with the real esbuild bundle) for the whole file.
let template: Template;
let stack: ReconcileStack;
let ids: { fn: string; bucket: string; role: string; failedRuns: string; dlq: string; topic: string };

beforeAll(() => {
  ({ template, stack } = buildStack());
  const logicalId = (c: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(c.node.defaultChild as Parameters<typeof stack.getLogicalId>[0]);
  ids = {
    fn: logicalId(stack.job.function),
    bucket: logicalId(stack.outputBucket),
    role: logicalId(stack.job.role),
    failedRuns: logicalId(stack.failedRunsQueue),
    dlq: logicalId(stack.scheduleDeadLetterQueue),
    topic: logicalId(stack.topic),
  };
}, SYNTH_TIMEOUT_MS);

describe("schedule", () => {
  it("runs hourly in Lima time, 60 days back: far enough to see money 15+ days overdue", () => {
    const schedule = onlyResource(template, "AWS::Scheduler::Schedule");
    expect(schedule.ScheduleExpression).toBe("cron(0 * * * ? *)");
    expect(schedule.ScheduleExpressionTimezone).toBe("America/Lima");
    expect(schedule.State).toBe("ENABLED");
    expect(schedule.FlexibleTimeWindow).toEqual({ Mode: "OFF" });
    const input = JSON.parse(schedule.Target.Input);
    expect(input).toEqual({ daysBack: 60, limit: 20_000 });
    // The job's own default stays 21 (contract); the stack's window reaches 46 days overdue.
    expect(parseRunParameters({}).daysBack).toBe(21);
    expect(coversCollectNow(agingReachDays(input.daysBack))).toBe(true);
  });

  it("targets the function, retries failed invocations and keeps the rest in a dead-letter queue", () => {
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      Target: {
        Arn: { "Fn::GetAtt": [ids.fn, "Arn"] },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 1800 },
        DeadLetterConfig: { Arn: { "Fn::GetAtt": [ids.dlq, "Arn"] } },
      },
    });
  });
});

describe("function", () => {
  it("is Node.js 24 on arm64 with a 10-minute timeout, 1 GB and one run at a time", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Runtime: "nodejs24.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
      Timeout: 600,
      MemorySize: 1024,
      ReservedConcurrentExecutions: 1,
    });
  });

  it("gets its configuration from the variables the handler reads", () => {
    const env = onlyResource(template, "AWS::Lambda::Function").Environment.Variables;
    expect(env).toEqual({
      [ENV.dbSecretId]: "reconcile-cabinet-claims-14d/db",
      [ENV.dbSslMode]: "verify-full",
      [ENV.outputBucket]: { Ref: ids.bucket },
      [ENV.outputPrefix]: "reports",
      [ENV.timeZone]: "America/Lima",
      [ENV.reportLang]: "es",
      [ENV.serviceName]: "reconcile-cabinet-claims-14d",
      [ENV.metricsNamespace]: "ReconcileCabinetClaims14d",
      [ENV.logLevel]: "INFO",
      NODE_OPTIONS: "--enable-source-maps",
      NODE_EXTRA_CA_CERTS: LAMBDA_CA_BUNDLE,
    });
    expect(env[ENV.databaseUrl]).toBeUndefined();
  });

  it("logs to its own log group with retention", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp("^ReconcileLogGroup") } },
    });
    template.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: 30 });
  });

  it("does not retry asynchronous invocations and sends failures to an encrypted queue", () => {
    template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: { Ref: ids.fn },
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [ids.failedRuns, "Arn"] } } },
    });
    for (const queue of [ids.failedRuns, ids.dlq]) {
      expect(template.toJSON().Resources[queue].Properties).toMatchObject({ SqsManagedSseEnabled: true });
      template.hasResourceProperties("AWS::SQS::QueuePolicy", {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          ]),
        },
      });
    }
  });
});

describe("IAM", () => {
  let statements: Array<{ policy: string; statement: Statement }>;
  beforeAll(() => {
    statements = policyStatements(template);
  });

  it("allows GetSecretValue on the database secret only, to the function only", () => {
    const reading = statements.filter(({ statement }) =>
      actionsOf(statement).some((a) => a.startsWith("secretsmanager:")),
    );
    expect(reading).toHaveLength(1);
    const [{ policy, statement }] = reading as [{ policy: string; statement: Statement }];
    expect(policy).toMatch(/^ReconcileRoleDefaultPolicy/);
    expect(actionsOf(statement).sort()).toEqual([
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetSecretValue",
    ]);
    expect(resourcesOf(statement).map(renderJoin)).toEqual([
      "arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:reconcile-cabinet-claims-14d/db-??????",
    ]);
  });

  it("allows PutObject under the report prefix only, and no read or delete", () => {
    const s3 = statements.filter(({ statement }) => actionsOf(statement).some((a) => a.startsWith("s3:")));
    expect(s3).toHaveLength(1);
    const [{ policy, statement }] = s3 as [{ policy: string; statement: Statement }];
    expect(policy).toMatch(/^ReconcileRoleDefaultPolicy/);
    expect(actionsOf(statement).sort()).toEqual([
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
      "s3:PutObject",
    ]);
    expect(resourcesOf(statement).map(renderJoin)).toEqual([`<${ids.bucket}.Arn>/reports/*`]);
  });

  it("grants no Resource '*' and no managed policy to the function", () => {
    const fnStatements = statements.filter(({ policy }) => policy.startsWith("ReconcileRoleDefaultPolicy"));
    for (const { statement } of fnStatements) expect(resourcesOf(statement)).not.toContain("*");
    expect(template.toJSON().Resources[ids.role].Properties.ManagedPolicyArns).toBeUndefined();
  });
});

describe("output bucket", () => {
  it("is encrypted, private and not versioned (keys are unique per run)", () => {
    template.hasResourceProperties("AWS::S3::Bucket", {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
      LoggingConfiguration: { LogFilePrefix: "output-bucket/" },
      VersioningConfiguration: Match.absent(),
    });
    const bucket = template.toJSON().Resources[ids.bucket];
    expect(bucket.DeletionPolicy).toBe("Retain");
  });

  it("expires reports and abandoned multipart uploads", () => {
    const rules = template.toJSON().Resources[ids.bucket].Properties.LifecycleConfiguration.Rules;
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Prefix: "reports/", ExpirationInDays: 90, Status: "Enabled" }),
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
      ]),
    );
  });

  it("refuses anything but TLS 1.2+", () => {
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: ids.bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          Match.objectLike({ Effect: "Deny", Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } } }),
        ]),
      },
    });
  });
});

describe("alarms", () => {
  type Alarm = Props;
  const metricOf = (alarm: Alarm) => {
    const stat = alarm.Metrics?.[0]?.MetricStat;
    return stat
      ? {
          name: stat.Metric.MetricName,
          namespace: stat.Metric.Namespace,
          dims: stat.Metric.Dimensions,
          stat: stat.Stat,
          period: stat.Period,
        }
      : {
          name: alarm.MetricName,
          namespace: alarm.Namespace,
          dims: alarm.Dimensions,
          stat: alarm.Statistic,
          period: alarm.Period,
        };
  };
  const alarmOn = (metricName: string): Alarm => {
    const found = resourcesOfType(template, "AWS::CloudWatch::Alarm")
      .map(([, r]) => r.Properties as Alarm)
      .filter((a) => metricOf(a).name === metricName);
    expect(found, `one alarm on ${metricName}`).toHaveLength(1);
    return found[0] as Alarm;
  };
  const jobMetric = (name: string, stat: string) => ({
    name,
    namespace: "ReconcileCabinetClaims14d",
    dims: [{ Name: "service", Value: "reconcile-cabinet-claims-14d" }],
    stat,
    period: 3600,
  });

  it("fires on any function error", () => {
    const alarm = alarmOn("Errors");
    expect(metricOf(alarm)).toMatchObject({ namespace: "AWS/Lambda", stat: "Sum" });
    expect(alarm).toMatchObject({
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching",
    });
  });

  it("fires when claims are still missing in 3 consecutive hourly runs", () => {
    const alarm = alarmOn(METRIC.stillMissing);
    expect(metricOf(alarm)).toEqual(jobMetric("StillMissing", "Maximum"));
    expect(alarm).toMatchObject({
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: "notBreaching",
    });
  });

  it("fires when more than S/ 5,000 is still missing", () => {
    const alarm = alarmOn(METRIC.amountStillMissing);
    expect(metricOf(alarm)).toEqual(jobMetric("AmountStillMissing", "Maximum"));
    expect(alarm).toMatchObject({
      Threshold: 5000,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching",
    });
  });

  it("fires when no run succeeded in 2 hours, treating missing data as breaching", () => {
    const alarm = alarmOn(METRIC.runSucceeded);
    expect(metricOf(alarm)).toEqual(jobMetric("RunSucceeded", "Sum"));
    expect(alarm).toMatchObject({
      Threshold: 1,
      ComparisonOperator: "LessThanThreshold",
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: "breaching",
    });
  });

  it("fires on any refresh failure in a run (contract.md §9.6)", () => {
    const alarm = alarmOn(METRIC.refreshFailures);
    expect(metricOf(alarm)).toEqual(jobMetric("RefreshFailures", "Sum"));
    expect(alarm).toMatchObject({
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching",
    });
  });

  it("fires when a run's limit cut its window: GapsFound above Processed (metric math)", () => {
    // Prepare
    const alarm = resourcesOfType(template, "AWS::CloudWatch::Alarm")
      .map(([, r]) => r.Properties as Alarm)
      .find((a) => a.Metrics?.some((m: Props) => m.Expression === "gaps - processed")) as Alarm;
    // Assess: both maxima of the hour, the same dimension as every job metric, breaching above 0.
    expect(alarm).toBeDefined();
    const stats = Object.fromEntries(
      (alarm.Metrics as Props[])
        .filter((m) => m.MetricStat)
        .map((m) => [
          m.Id,
          { name: m.MetricStat.Metric.MetricName, stat: m.MetricStat.Stat, period: m.MetricStat.Period },
        ]),
    );
    expect(stats).toEqual({
      gaps: { name: METRIC.gapsFound, stat: "Maximum", period: 3600 },
      processed: { name: METRIC.processed, stat: "Maximum", period: 3600 },
    });
    expect(alarm).toMatchObject({
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching",
    });
    expect(alarm.AlarmDescription).toMatch(/GapsFound above Processed/);
  });

  it("fires on any money 15+ days overdue (collect now), telling on-call what to open", () => {
    const alarm = alarmOn(METRIC.amountAtRisk15Plus);
    expect(metricOf(alarm)).toEqual(jobMetric("AmountAtRisk15Plus", "Maximum"));
    expect(alarm).toMatchObject({
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 1,
      // No point: a skipped or failed run (other alarms); the state stays, no false "recovered".
      TreatMissingData: "ignore",
    });
    const description = alarm.AlarmDescription as string;
    expect(description).toMatch(/More than S\/ 0 of claims are 15\+ days overdue/);
    expect(description).toMatch(/HTML report/);
    expect(description).toMatch(/15_30, 31_60 and 60_plus/);
    expect(description).toMatch(/daysBack 60\) sees claims up to 46 days overdue/);
    expect(description).toMatch(/limit left out \(GapsFound above Processed\)/);
    expect(description.length).toBeLessThanOrEqual(1024); // CloudWatch's limit
  });

  it("notify the encrypted topic on alarm and on recovery", () => {
    const alarms = resourcesOfType(template, "AWS::CloudWatch::Alarm");
    expect(alarms).toHaveLength(7);
    for (const [, { Properties }] of alarms) {
      expect(Properties.AlarmActions).toEqual([{ Ref: ids.topic }]);
      expect(Properties.OKActions).toEqual([{ Ref: ids.topic }]);
    }
    template.hasResourceProperties("AWS::SNS::Topic", { KmsMasterKeyId: Match.anyValue() });
    template.resourceCountIs("AWS::SNS::Subscription", 0);
    template.hasResourceProperties("AWS::KMS::Key", {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          }),
        ]),
      },
    });
  });
});

describe("dashboard", () => {
  const metricLine = (name: string) =>
    `"ReconcileCabinetClaims14d","${name}","service","reconcile-cabinet-claims-14d"`;

  it("graphs gaps found, resolved, still missing, amounts, refresh failures and duration", () => {
    const body = renderJoin(onlyResource(template, "AWS::CloudWatch::Dashboard").DashboardBody);
    for (const name of [
      "GapsFound",
      "ResolvedAfterRefresh",
      "StillMissing",
      "AmountStillMissing",
      "AmountAtRisk",
      "AmountAtRisk15Plus",
      "RefreshFailures",
      "DurationMs",
      "ClaimsRecorded",
      "AmountRecorded",
    ]) {
      expect(body).toContain(metricLine(name));
    }
    expect(body).toContain("Claims recorded in the claims ledger");
    expect(body).toContain("filter ispresent(RunSucceeded)");
    // The last-runs table shows GapsFound next to Processed: a run that `limit` cut has GapsFound > Processed.
    expect(body).toMatch(/fields @timestamp, run_id, status, error, GapsFound, Processed, /);
  });

  it("puts the money at risk and its collect-now part in one widget, with the alarm's line", () => {
    const body = JSON.parse(renderJoin(onlyResource(template, "AWS::CloudWatch::Dashboard").DashboardBody));
    const money = body.widgets.filter((w: Props) => {
      const metrics = JSON.stringify(w.properties.metrics ?? []);
      return metrics.includes('"AmountAtRisk"') && metrics.includes('"AmountAtRisk15Plus"');
    });
    expect(money).toHaveLength(1);
    expect(money[0].properties.title).toMatch(/^Money at risk \(S\/\)/);
    expect(money[0].properties.annotations.horizontal).toEqual([
      expect.objectContaining({ value: 0, label: "collect-now alarm" }),
    ]);
  });

  it("shows the state of every alarm, the refresh failures one included", () => {
    const body = JSON.parse(renderJoin(onlyResource(template, "AWS::CloudWatch::Dashboard").DashboardBody));
    const status = body.widgets.find((w: Props) => w.properties.title === "Alarms");
    const alarmIds = resourcesOfType(template, "AWS::CloudWatch::Alarm").map(([id]) => `<${id}.Arn>`);
    expect([...status.properties.alarms].sort()).toEqual(alarmIds.sort());
    expect(alarmIds.some((id) => id.startsWith("<MonitoringRefreshFailures"))).toBe(true);
  });
});

describe("example state machine", () => {
  let definition: Props;
  let machine: Props;
  beforeAll(() => {
    machine = onlyResource(template, "AWS::StepFunctions::StateMachine");
    definition = JSON.parse(renderJoin(machine.DefinitionString));
  });

  it("invokes the function directly (payload response only)", () => {
    expect(definition.StartAt).toBe("RunReconcile");
    expect(definition.States.RunReconcile).toMatchObject({ Type: "Task", Resource: `<${ids.fn}.Arn>` });
  });

  type Rule = { ErrorEquals: string[] } & Record<string, unknown>;
  const retried = (): string[] => {
    const retriers = definition.States.RunReconcile.Retry as Rule[];
    return retriers.flatMap((r) => r.ErrorEquals);
  };
  /** Names caught by name (not by States.ALL). */
  const caughtByName = (): string[] => {
    const catchers = definition.States.RunReconcile.Catch as Rule[];
    return catchers.flatMap((c) => c.ErrorEquals).filter((name) => name !== "States.ALL");
  };

  /** Every class the job throws: `ReconcileError`'s subclasses in lambda/errors.ts. */
  type ErrorClass = new (message: string) => errors.ReconcileError;
  const exported: unknown[] = Object.values(errors);
  const jobErrorClasses = exported.filter(
    (v: unknown): v is ErrorClass => typeof v === "function" && v.prototype instanceof errors.ReconcileError,
  );

  it("ERROR_NAMES names every error class the job throws, as the class names it", () => {
    const names = jobErrorClasses.map((C) => new C("m").name).sort();
    expect(names).toContain("LockWaitError");
    expect(Object.values(ERROR_NAMES).sort()).toEqual(names);
  });

  it("handles every job error by name: retried if and only if its class is transient, else caught", () => {
    for (const C of jobErrorClasses) {
      const error = new C("m");
      const r = retried().includes(error.name);
      const c = caughtByName().includes(error.name);
      expect({ name: error.name, retried: r, caught: c }).toEqual({
        name: error.name,
        retried: error.transient,
        caught: !error.transient,
      });
    }
    expect(retried()).not.toContain("States.ALL");
    // Nothing retried or caught by a name the job does not throw (a typo would match nothing).
    const known: string[] = [...Object.values(ERROR_NAMES), "Lambda.TooManyRequestsException"];
    const lambdaService = /^Lambda\.|^States\./;
    for (const name of [...retried(), ...caughtByName()]) {
      expect(known.includes(name) || lambdaService.test(name), name).toBe(true);
    }
  });

  it("retries the database with backoff, a lock wait for longer, the upload once", () => {
    const retries = definition.States.RunReconcile.Retry as Rule[];
    const rule = (name: string) => retries.find((r) => r.ErrorEquals.includes(name));
    expect(rule(ERROR_NAMES.databaseUnavailable)).toMatchObject({
      ErrorEquals: ["DatabaseUnavailableError"],
      IntervalSeconds: 30,
      BackoffRate: 2,
      MaxAttempts: 3,
      MaxDelaySeconds: 300,
      JitterStrategy: "FULL",
    });
    expect(rule(ERROR_NAMES.lockWait)).toMatchObject({
      ErrorEquals: ["LockWaitError"],
      IntervalSeconds: 60,
      BackoffRate: 2,
      MaxAttempts: 3,
      MaxDelaySeconds: 300,
      JitterStrategy: "FULL",
    });
    expect(rule(ERROR_NAMES.output)).toMatchObject({ ErrorEquals: ["OutputError"], MaxAttempts: 1 });
  });

  it("sends what a person must fix to its own Fail state, everything else to one that keeps the error name", () => {
    expect(definition.States.RunReconcile.Catch).toEqual([
      {
        ErrorEquals: [
          "InputError",
          "ConfigurationError",
          "CredentialsError",
          "ContractError",
          "SourceDataError",
          "StatementTimeoutError",
          "TimeBudgetError",
        ],
        ResultPath: "$.error",
        Next: "NeedsAPerson",
      },
      { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "ReconcileFailed" },
    ]);
    for (const state of ["NeedsAPerson", "ReconcileFailed"]) {
      expect(definition.States[state]).toMatchObject({
        Type: "Fail",
        ErrorPath: "$.error.Error",
        CausePath: "$.error.Cause",
      });
    }
  });

  it("notifies the topic when claims are still missing", () => {
    expect(definition.States.RunReconcile.Next).toBe("AnyStillMissing");
    const choice = definition.States.AnyStillMissing;
    expect(choice.Type).toBe("Choice");
    expect(choice.Choices).toEqual([
      {
        And: [
          { Variable: "$.metrics.still_missing", IsPresent: true },
          { Variable: "$.metrics.still_missing", NumericGreaterThan: 0 },
        ],
        Next: "NotifyStillMissing",
      },
    ]);
    expect(definition.States[choice.Default].Type).toBe("Succeed");
    expect(definition.States.NotifyStillMissing.Resource).toMatch(/:states:::sns:publish$/);
    expect(definition.States.NotifyStillMissing.Parameters.TopicArn).toBe(`<${ids.topic}>`);
  });

  it("may publish to the encrypted topic (sns:Publish and the topic's key)", () => {
    const smStatements = policyStatements(template)
      .filter(({ policy }) => policy.startsWith("ExampleStateMachineRoleDefaultPolicy"))
      .map(({ statement }) => statement);
    const key = stack.getLogicalId(
      stack.topic.masterKey?.node.defaultChild as Parameters<typeof stack.getLogicalId>[0],
    );
    expect(smStatements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: "sns:Publish", Resource: { Ref: ids.topic } }),
        expect.objectContaining({
          Action: ["kms:Decrypt", "kms:GenerateDataKey"],
          Resource: { "Fn::GetAtt": [key, "Arn"] },
        }),
      ]),
    );
  });

  it("logs everything and traces with X-Ray", () => {
    expect(machine.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine.LoggingConfiguration).toMatchObject({ Level: "ALL", IncludeExecutionData: true });
    template.hasResourceProperties("AWS::Logs::LogGroup", {
      LogGroupName: "/aws/vendedlogs/states/reconcile-cabinet-claims-14d-dev",
    });
  });
});

describe("variants from context", { timeout: SYNTH_TIMEOUT_MS }, () => {
  it("recordClaims: the schedule records proven claims, at most maxRecord, in the ledger the function is told", () => {
    const { template: t } = buildStack(
      { recordClaims: "true", maxRecord: "250", claimsLedger: "canon.claims_ledger" },
      { bundle: false },
    );
    const target = onlyResource(t, "AWS::Scheduler::Schedule").Target as { Input: string };
    expect(JSON.parse(target.Input)).toEqual({
      daysBack: 60,
      limit: 20_000,
      recordClaims: true,
      maxRecord: 250,
      claimsLedger: "canon.claims_ledger",
    });
    t.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ [ENV.claimsLedger]: "canon.claims_ledger" }) },
    });
  });

  it("imports a VPC, subnets and a security group by id, and a secret by ARN", () => {
    const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbC123";
    const { template: t } = buildStack(
      {
        envName: "prod",
        dbSecretArn: arn,
        vpcId: "vpc-0123456789abcdef0",
        subnetIds: "subnet-0123456789abcdef1,subnet-0123456789abcdef2",
        securityGroupId: "sg-0123456789abcdef0",
        scheduleExpression: "rate(30 minutes)",
        scheduleInput: '{"daysBack":7,"limit":500,"dryRun":true}',
        scheduleEnabled: "false",
        alarmEmail: "ops@example.com",
        outputPrefix: "reconcile/reports",
      },
      { bundle: false },
    );
    t.hasResourceProperties("AWS::Lambda::Function", {
      VpcConfig: {
        SubnetIds: ["subnet-0123456789abcdef1", "subnet-0123456789abcdef2"],
        SecurityGroupIds: ["sg-0123456789abcdef0"],
      },
      Environment: { Variables: Match.objectLike({ DB_SECRET_ID: arn, OUTPUT_PREFIX: "reconcile/reports" }) },
    });
    t.resourceCountIs("AWS::EC2::SecurityGroup", 0);
    const secretStatements = policyStatements(t).filter(({ statement }) =>
      actionsOf(statement).includes("secretsmanager:GetSecretValue"),
    );
    expect(secretStatements.map(({ statement }) => statement.Resource)).toEqual([arn]);
    const put = policyStatements(t).find(({ statement }) => actionsOf(statement).includes("s3:PutObject"));
    expect(resourcesOf(put?.statement as Statement).map(renderJoin)).toEqual([
      expect.stringMatching(/^<OutputBucket[0-9A-F]+\.Arn>\/reconcile\/reports\/\*$/),
    ]);
    const props = onlyResource(t, "AWS::Scheduler::Schedule");
    expect(props.ScheduleExpression).toBe("rate(30 minutes)");
    expect(props.ScheduleExpressionTimezone).toBe("America/Lima");
    expect(props.State).toBe("DISABLED");
    expect(JSON.parse(props.Target.Input)).toEqual({ daysBack: 7, limit: 500, dryRun: true });
    t.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "ops@example.com" });
  });

  /** The alarm's metric name, or for metric math its expression. */
  const metricNameOf = (alarm: Props): string =>
    alarm.MetricName ??
    alarm.Metrics?.[0]?.MetricStat?.Metric?.MetricName ??
    alarm.Metrics?.find((m: Props) => m.Expression)?.Expression;
  const alarmsOf = (t: Template): Props[] => {
    const alarms = resourcesOfType(t, "AWS::CloudWatch::Alarm");
    return alarms.map(([, r]) => r.Properties);
  };
  const alarmMetricsOf = (t: Template) => alarmsOf(t).map(metricNameOf).sort();
  /** Warnings added to any construct of the stack (as `cdk synth` prints them). */
  const warningsOf = (s: IConstruct): string[] => {
    const metadata = s.node.findAll().flatMap((c) => c.node.metadata);
    return metadata.filter((m) => m.type === "aws:cdk:warning").map((m) => String(m.data));
  };

  it("with the schedule disabled and reservedConcurrency 0: no 'no successful run' or collect-now alarm, no reservation", () => {
    // Prepare
    const context = { scheduleEnabled: "false", reservedConcurrency: "0" };
    // Act
    const { template: t } = buildStack(context, { bundle: false });
    // Assess: the window (60 days) would cover collect-now money, but no schedule runs it.
    expect(onlyResource(t, "AWS::Scheduler::Schedule").State).toBe("DISABLED");
    expect(alarmMetricsOf(t)).toEqual(
      ["AmountStillMissing", "Errors", "RefreshFailures", "StillMissing", "gaps - processed"].sort(),
    );
    expect(onlyResource(t, "AWS::Lambda::Function").ReservedConcurrentExecutions).toBeUndefined();
  });

  it("the default stack has no collect-now warning", () => {
    expect(warningsOf(stack).filter((w) => w.includes(COLLECT_NOW_OFF_WARNING))).toEqual([]);
  });

  it("a scheduled window of 21 days back: no collect-now alarm, and a synth warning saying why", () => {
    // Prepare: the job's own default window, as a user might set it.
    const context = { scheduleInput: '{"daysBack":21,"limit":1000}' };
    // Act
    const { template: t, stack: s } = buildStack(context, { bundle: false });
    // Assess
    expect(alarmMetricsOf(t)).toEqual(
      [
        "AmountStillMissing",
        "Errors",
        "RefreshFailures",
        "RunSucceeded",
        "StillMissing",
        "gaps - processed",
      ].sort(),
    );
    const warnings = warningsOf(s).filter((w) => w.includes(COLLECT_NOW_OFF_WARNING));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/collect-now alarm \(AmountAtRisk15Plus\) is off/);
    expect(warnings[0]).toMatch(/daysBack is 21, so a run sees claims at most 7 days overdue/);
    expect(warnings[0]).toMatch(/daysBack of 29 or more/);
    // A short window kept on purpose: acknowledging the id on the stack (docs/aws.md) silences it.
    Annotations.of(s).acknowledgeWarning(COLLECT_NOW_OFF_WARNING, "nightly job, short window on purpose");
    expect(warningsOf(s).filter((w) => w.includes(COLLECT_NOW_OFF_WARNING))).toEqual([]);
    // The dashboard says why the collect-now line stays empty.
    const body = JSON.parse(renderJoin(onlyResource(t, "AWS::CloudWatch::Dashboard").DashboardBody));
    expect(body.widgets.map((w: Props) => w.properties.title)).toContain(
      "Money at risk (S/); 15+ days overdue not published: the schedule's window (daysBack 21) does not reach it",
    );
  });

  it("29 days back is the shortest window with the alarm; its threshold comes from context", () => {
    const { template: t, stack: s } = buildStack(
      { scheduleInput: { days_back: 29 }, collectNowAlarmAmount: "2500" },
      { bundle: false },
    );
    const alarm = alarmsOf(t).find((p) => metricNameOf(p) === "AmountAtRisk15Plus");
    expect(alarm).toMatchObject({ Threshold: 2500, ComparisonOperator: "GreaterThanThreshold" });
    expect(alarm?.AlarmDescription).toMatch(
      /More than S\/ 2500 .*daysBack 29\) sees claims up to 15 days overdue/,
    );
    expect(warningsOf(s).filter((w) => w.includes(COLLECT_NOW_OFF_WARNING))).toEqual([]);
  });

  it("reserves the concurrency it is given", () => {
    const { template: t } = buildStack({ reservedConcurrency: 3 }, { bundle: false });
    expect(onlyResource(t, "AWS::Lambda::Function").ReservedConcurrentExecutions).toBe(3);
  });

  it("creates an egress-only security group when none is given", () => {
    const { template: t } = buildStack(
      { vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0123456789abcdef1"] },
      { bundle: false },
    );
    t.resourceCountIs("AWS::EC2::SecurityGroup", 1);
    t.hasResourceProperties("AWS::EC2::SecurityGroup", {
      VpcId: "vpc-0123456789abcdef0",
      SecurityGroupIngress: Match.absent(),
    });
    t.hasOutput("FunctionSecurityGroupId", {});
  });
});
