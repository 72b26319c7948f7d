import {
  Aws,
  CfnOutput,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  type StackProps,
  Tags,
  TimeZone,
  Validations,
} from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as schedulerTargets from "aws-cdk-lib/aws-scheduler-targets";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { parseRunParameters } from "../lambda/params.js";
import { ExampleStateMachine } from "./example-state-machine.js";
import { Monitoring } from "./monitoring.js";
import { acknowledgeFindings } from "./nag-acknowledgements.js";
import { ReconcileFunction } from "./reconcile-function.js";
import type { ReconcileConfig } from "./stack-config.js";

export interface ReconcileStackProps extends StackProps {
  config: ReconcileConfig;
}

/** A Secrets Manager ARN ends in `-` and six random characters only when it is complete. */
const COMPLETE_SECRET_ARN = /:secret:.+-[A-Za-z0-9]{6}$/;

/**
 * The reconcile job as users run it: the function on an hourly schedule, its secret and VPC imported, an
 * output bucket for reports, alarms, a dashboard and an example state machine. Environment-agnostic, with
 * no lookups, so `cdk synth` needs neither AWS credentials nor Docker.
 */
export class ReconcileStack extends Stack {
  readonly job: ReconcileFunction;
  readonly outputBucket: s3.Bucket;
  readonly schedule: scheduler.Schedule;
  readonly topic: sns.Topic;
  readonly monitoring: Monitoring;
  readonly example: ExampleStateMachine;
  readonly failedRunsQueue: sqs.Queue;
  readonly scheduleDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ReconcileStackProps) {
    super(scope, id, props);
    const { config } = props;
    const prefix = `reconcile-cabinet-claims-14d-${config.envName}`;
    Tags.of(this).add("service", config.serviceName);
    Tags.of(this).add("environment", config.envName);

    // --- Where failed invocations go: kept 14 days for a human to read, encrypted, TLS only.
    const queueDefaults: sqs.QueueProps = {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    };
    this.failedRunsQueue = new sqs.Queue(this, "FailedRunsQueue", queueDefaults);
    this.scheduleDeadLetterQueue = new sqs.Queue(this, "ScheduleDeadLetterQueue", queueDefaults);

    // --- Imported resources (no lookups).
    const secret =
      config.dbSecret.kind === "name"
        ? secretsmanager.Secret.fromSecretNameV2(this, "DbSecret", config.dbSecret.name)
        : COMPLETE_SECRET_ARN.test(config.dbSecret.arn)
          ? secretsmanager.Secret.fromSecretCompleteArn(this, "DbSecret", config.dbSecret.arn)
          : secretsmanager.Secret.fromSecretPartialArn(this, "DbSecret", config.dbSecret.arn);

    let placement: ConstructorParameters<typeof ReconcileFunction>[2]["vpc"];
    let createdSecurityGroup: ec2.SecurityGroup | undefined;
    if (config.vpc) {
      // Explicit subnets are selected below, so the VPC's zone list is never used: the region's, as a token.
      const vpc = ec2.Vpc.fromVpcAttributes(this, "Vpc", {
        vpcId: config.vpc.vpcId,
        availabilityZones: Fn.getAzs(),
      });
      const subnets = config.vpc.subnetIds.map((subnetId, i) =>
        ec2.Subnet.fromSubnetId(this, `Subnet${i + 1}`, subnetId),
      );
      Validations.of(vpc).acknowledge({
        id: "@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones",
        reason:
          "The function is placed in explicit subnets; nothing selects subnets from this VPC's zone list.",
      });
      for (const subnet of subnets) {
        Validations.of(subnet).acknowledge({
          id: "@aws-cdk/aws-ec2:noSubnetRouteTableId",
          reason:
            "Only the subnet id is used (to place the function's network interfaces); its route table is never read.",
        });
      }
      let securityGroups: ec2.ISecurityGroup[];
      if (config.vpc.securityGroupIds) {
        securityGroups = config.vpc.securityGroupIds.map((sgId, i) =>
          ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${i + 1}`, sgId, { mutable: false }),
        );
      } else {
        createdSecurityGroup = new ec2.SecurityGroup(this, "FunctionSecurityGroup", {
          vpc,
          description: "Reconcile job: egress to the database, Secrets Manager and S3; no ingress",
          allowAllOutbound: true,
        });
        securityGroups = [createdSecurityGroup];
      }
      placement = { vpc, subnets, securityGroups };
    }

    // --- Reports. Access logs go to their own bucket; the report bucket is not versioned because every
    // key is unique (`dt=.../<run_id>`), the job can only put (never delete or overwrite in practice) and
    // the lifecycle rule is the only deleter. RETAIN: reports are evidence of money owed.
    const accessLogs = new s3.Bucket(this, "AccessLogsBucket", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { id: "expire-access-logs", expiration: Duration.days(Math.max(config.outputRetentionDays, 90)) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.outputBucket = new s3.Bucket(this, "OutputBucket", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: "output-bucket/",
      lifecycleRules: [
        {
          id: "expire-reports",
          prefix: `${config.outputPrefix}/`,
          expiration: Duration.days(config.outputRetentionDays),
        },
        // A run killed mid-upload leaves parts that cost money and are invisible in listings.
        { id: "abort-incomplete-uploads", abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // --- The function, bound to what it reads and writes.
    this.job = new ReconcileFunction(this, "Reconcile", {
      serviceName: config.serviceName,
      metricsNamespace: config.metricsNamespace,
      logLevel: config.logLevel,
      reportTimeZone: config.reportTimeZone,
      reportLang: config.reportLang,
      logRetention: config.logRetention,
      reservedConcurrency: config.reservedConcurrency,
      onFailure: this.failedRunsQueue,
      ...(placement ? { vpc: placement } : {}),
    });
    this.job.bindDatabaseSecret(secret, {
      sslMode: config.dbSslMode,
      // As the user gave it: a partial ARN still works across accounts, where a bare name would not.
      secretId: config.dbSecret.kind === "name" ? config.dbSecret.name : config.dbSecret.arn,
    });
    this.job.bindOutputBucket(this.outputBucket, config.outputPrefix);
    this.job.setDatabaseObjects(config.objectNames, config.gapStatuses);
    this.job.setClaimsLedger(config.claimsLedger);

    // --- The schedule: EventBridge Scheduler invokes asynchronously with the raw input.
    this.schedule = new scheduler.Schedule(this, "Schedule", {
      description: `Runs the cabinet 14-day claims reconcile job (${config.envName})`,
      // The zone matters to cron(...) and at(...) expressions; rate(...) ignores it.
      schedule: scheduler.ScheduleExpression.expression(
        config.schedule.expression,
        TimeZone.of(config.schedule.timeZone),
      ),
      enabled: config.schedule.enabled,
      target: new schedulerTargets.LambdaInvoke(this.job.function, {
        input: scheduler.ScheduleTargetInput.fromObject(config.schedule.input),
        // Retries cover failing to *invoke* (throttling, service errors); a failed run is not retried here,
        // the next hour's run is the retry. A stale invocation is worthless once the next one is due.
        retryAttempts: 3,
        maxEventAge: Duration.minutes(30),
        deadLetterQueue: this.scheduleDeadLetterQueue,
      }),
    });

    // --- Notifications: an encrypted topic CloudWatch alarms can publish to.
    const topicKey = new kms.Key(this, "AlarmTopicKey", {
      description: `Encrypts the ${prefix} alarm topic`,
      enableKeyRotation: true,
    });
    topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowCloudWatchAlarmsToPublish",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        // As AWS documents it for alarms publishing to an SSE topic ("*" in a key policy is this key).
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
      }),
    );
    this.topic = new sns.Topic(this, "AlarmTopic", {
      displayName: `Cabinet claims reconcile (${config.envName})`,
      masterKey: topicKey,
      enforceSSL: true,
    });
    if (config.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));

    this.monitoring = new Monitoring(this, "Monitoring", {
      dashboardName: `ReconcileCabinetClaims14d-${config.envName}`,
      fn: this.job.function,
      logGroup: this.job.logGroup,
      topic: this.topic,
      metricsNamespace: config.metricsNamespace,
      serviceName: config.serviceName,
      alarms: config.alarms,
      scheduleEnabled: config.schedule.enabled,
      // As the job reads the input (aliases and its own default of 21 applied); stack-config.ts validated it.
      scheduleDaysBack: parseRunParameters(config.schedule.input).daysBack,
      failureQueues: [this.failedRunsQueue, this.scheduleDeadLetterQueue],
    });

    this.example = new ExampleStateMachine(this, "Example", {
      fn: this.job.function,
      topic: this.topic,
      logGroupName: `/aws/vendedlogs/states/${prefix}`,
      logRetention: config.logRetention,
    });

    // SSE topic: publishers need the key too (CloudWatch through the key policy above).
    topicKey.grant(this.example.stateMachine.role, "kms:Decrypt", "kms:GenerateDataKey");

    acknowledgeFindings(this, {
      failureQueues: [this.failedRunsQueue, this.scheduleDeadLetterQueue],
      functionRole: this.job.role,
      outputBucket: this.outputBucket,
      outputPrefix: config.outputPrefix,
      function: this.job.function,
      stateMachineRole: this.example.stateMachine.role,
    });

    new CfnOutput(this, "FunctionName", { value: this.job.function.functionName });
    new CfnOutput(this, "ReportsLocation", {
      value: `s3://${this.outputBucket.bucketName}/${config.outputPrefix}/`,
    });
    new CfnOutput(this, "OutputBucketName", { value: this.outputBucket.bucketName });
    new CfnOutput(this, "FunctionLogGroup", { value: this.job.logGroup.logGroupName });
    new CfnOutput(this, "DashboardUrl", {
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.monitoring.dashboard.dashboardName}`,
    });
    new CfnOutput(this, "AlarmTopicArn", { value: this.topic.topicArn });
    new CfnOutput(this, "StateMachineArn", { value: this.example.stateMachine.stateMachineArn });
    new CfnOutput(this, "FailedRunsQueueUrl", { value: this.failedRunsQueue.queueUrl });
    new CfnOutput(this, "ScheduleDeadLetterQueueUrl", { value: this.scheduleDeadLetterQueue.queueUrl });
    if (createdSecurityGroup) {
      new CfnOutput(this, "FunctionSecurityGroupId", {
        description: "Allow this security group into the database's security group (PostgreSQL port).",
        value: createdSecurityGroup.securityGroupId,
      });
    }
  }
}
