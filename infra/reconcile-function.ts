import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { AssetHashType, DockerImage, Duration, Validations } from "aws-cdk-lib";
import type * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { ENV } from "../lambda/aws/env-names.js";
import { HANDLER_NAME } from "./bundling.js";
import type { ObjectNameKey } from "./stack-config.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const LAMBDA_SOURCES = fileURLToPath(new URL("../lambda", import.meta.url));
const BUNDLE_SCRIPT = fileURLToPath(new URL("../scripts/bundle-handler.ts", import.meta.url));

/**
 * The function's code: the handler bundled on this machine by `scripts/bundle-handler.ts` (the same
 * function the tests and the benchmark bundle with), in a child Node.js process because esbuild plugins
 * (the zod rewrite, `infra/bundling.ts`) need its asynchronous API, which CDK's synchronous bundling hook
 * cannot await; `NodejsFunction` runs the esbuild command line, which takes no plugins. Docker is never
 * used; the image is only the fallback CDK requires a declaration of. The asset hash is the bundle's, so
 * an unchanged bundle is not uploaded again.
 */
function handlerCode(): lambda.Code {
  return lambda.Code.fromAsset(LAMBDA_SOURCES, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry("public.ecr.aws/sam/build-nodejs24.x"),
      local: {
        tryBundle(outputDir: string): boolean {
          const run = spawnSync(process.execPath, ["--import", "tsx", BUNDLE_SCRIPT, "--outdir", outputDir], {
            cwd: ROOT,
            encoding: "utf8",
          });
          if (run.status !== 0) {
            throw new Error(`bundling the handler failed: ${run.stderr || run.error?.message || run.status}`);
          }
          return true;
        },
      },
    },
  });
}

/** Where the Lambda runtime keeps its CA bundle, which includes the Amazon RDS certificate authorities. */
export const LAMBDA_CA_BUNDLE = "/var/runtime/ca-cert.pem";

const OBJECT_NAME_ENV: Record<ObjectNameKey, string> = {
  gapView: ENV.gapView,
  claimsView: ENV.claimsView,
  achievedView: ENV.achievedView,
  paymentCalcView: ENV.paymentCalcView,
  tripsTable: ENV.tripsTable,
};

export interface ReconcileFunctionProps {
  serviceName: string;
  metricsNamespace: string;
  logLevel: string;
  reportTimeZone: string;
  /** Language of the HTML report (REPORT_LANG). */
  reportLang: string;
  logRetention: logs.RetentionDays;
  /** Where failed asynchronous invocations (the schedule's) are sent, with their error. */
  onFailure: sqs.IQueue;
  /** @default 10 minutes: room for a chain of refreshes; the job stops itself before the deadline. */
  timeout?: Duration;
  /** @default 1024 MB (more memory is more CPU; runs are hourly, so the cost is small) */
  memorySize?: number;
  /**
   * Concurrent executions reserved for (and capped at) this function. 1 keeps runs from overlapping at
   * the Lambda level; the job's advisory lock already keeps them apart in the database, so an account
   * whose unreserved quota cannot spare one (it must keep 100) can do without it.
   * @default none (also for 0): the account's unreserved pool
   */
  reservedConcurrency?: number;
  vpc?: { vpc: ec2.IVpc; subnets: ec2.ISubnet[]; securityGroups?: ec2.ISecurityGroup[] };
}

/**
 * The reconcile Lambda with its defaults fixed in one place: newest Node.js on arm64, an ESM bundle built
 * by the local esbuild (no Docker) with source maps, its own log group with retention, reserved
 * concurrency when asked for, no automatic retries of asynchronous invocations (the schedule is the retry) and failures sent
 * to a queue. Each `bind*` method sets an environment variable and the IAM grant it needs in one call, so
 * the two cannot drift apart.
 */
export class ReconcileFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ReconcileFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, "LogGroup", { retention: props.logRetention });

    // An explicit role instead of AWSLambdaBasicExecutionRole: logs only to this function's log group.
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: "Runs the cabinet 14-day claims reconcile job",
    });
    this.logGroup.grantWrite(this.role);
    if (props.vpc) {
      this.role.addManagedPolicy(
        iam.ManagedPolicy.fromAwsManagedPolicyName("service-role/AWSLambdaVPCAccessExecutionRole"),
      );
      Validations.of(this.role).acknowledge({
        id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]",
        reason:
          "The AWS-maintained minimum for a function in a VPC (create/describe/delete its network interfaces); " +
          "those EC2 actions take no resource-level scope, so a hand-written copy would be the same policy.",
      });
    }

    this.function = new lambda.Function(this, "Function", {
      code: handlerCode(),
      handler: HANDLER_NAME,
      description: "Finds cabinet 14-day claim gaps, refreshes their materialized views, explains the rest",
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout ?? Duration.minutes(10),
      memorySize: props.memorySize ?? 1024,
      role: this.role,
      logGroup: this.logGroup,
      // With 1, runs never overlap: a second invocation is throttled (async: queued and retried by Lambda;
      // sync: TooManyRequestsException). Without, the second one's advisory lock makes it `skipped`.
      ...(props.reservedConcurrency ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      retryAttempts: 0,
      maxEventAge: Duration.hours(1),
      onFailure: new SqsDestination(props.onFailure),
      ...(props.vpc
        ? {
            vpc: props.vpc.vpc,
            vpcSubnets: { subnets: props.vpc.subnets },
            ...(props.vpc.securityGroups ? { securityGroups: props.vpc.securityGroups } : {}),
          }
        : {}),
      environment: {
        [ENV.serviceName]: props.serviceName,
        [ENV.metricsNamespace]: props.metricsNamespace,
        [ENV.logLevel]: props.logLevel,
        [ENV.timeZone]: props.reportTimeZone,
        [ENV.reportLang]: props.reportLang,
        NODE_OPTIONS: "--enable-source-maps",
      },
    });
  }

  /**
   * The database secret: `DB_SECRET_ID` (the name or ARN it was imported by, unless `secretId` says
   * otherwise), TLS settings, and read access to that one secret (`GetSecretValue`, `DescribeSecret`).
   */
  bindDatabaseSecret(secret: secretsmanager.ISecret, options: { sslMode: string; secretId?: string }): void {
    const { sslMode, secretId = secret.secretFullArn ?? secret.secretName } = options;
    this.function.addEnvironment(ENV.dbSecretId, secretId);
    this.function.addEnvironment(ENV.dbSslMode, sslMode);
    // Node does not read the system store; the runtime's bundle includes the RDS certificate authorities.
    this.function.addEnvironment("NODE_EXTRA_CA_CERTS", LAMBDA_CA_BUNDLE);
    secret.grantRead(this.role);
  }

  /**
   * The report bucket: `OUTPUT_BUCKET`, `OUTPUT_PREFIX`, and the right to write objects under that prefix
   * only (including multipart uploads and their clean-up). No read, no delete, no other prefix.
   */
  bindOutputBucket(bucket: s3.IBucket, prefix: string): void {
    this.function.addEnvironment(ENV.outputBucket, bucket.bucketName);
    this.function.addEnvironment(ENV.outputPrefix, prefix);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "WriteReportsUnderPrefix",
        actions: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        resources: [bucket.arnForObjects(`${prefix}/*`)],
      }),
    );
    if (bucket.encryptionKey) bucket.encryptionKey.grantEncrypt(this.role);
  }

  /** Object name overrides (contract.md §2) and gap status words, when the deployment differs. */
  setDatabaseObjects(names: Partial<Record<ObjectNameKey, string>>, gapStatuses?: readonly string[]): void {
    for (const [key, value] of Object.entries(names) as Array<[ObjectNameKey, string]>) {
      this.function.addEnvironment(OBJECT_NAME_ENV[key], value);
    }
    if (gapStatuses && gapStatuses.length > 0) {
      this.function.addEnvironment(ENV.gapStatuses, gapStatuses.join(","));
    }
  }

  /** The claims ledger a run with `recordClaims` writes (docs/contract.md §10.2); the grant is the database's. */
  setClaimsLedger(name: string | undefined): void {
    if (name) this.function.addEnvironment(ENV.claimsLedger, name);
  }
}
