/**
 * The Lambda entry point (the CDK stack's `entry`, export `handler`): one handler for the EventBridge
 * schedule, a manual invoke and a Step Functions task. A plain async function does the work; Powertools
 * Logger and Metrics are attached as middy middleware at the bottom.
 *
 * Per container (cold start): configuration read and checked, logger, metrics, and lazily the database
 * pool, the cached secret and the S3 client. Per invocation: parse the event (nothing touches the database
 * before it is valid), compute the time budget, run, publish metrics, return the report without rows plus
 * the S3 URIs. Errors leave with their class name (`InputError`, `ContractError`...) for Step Functions.
 */
import { randomUUID } from "node:crypto";
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import type { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { S3Client } from "@aws-sdk/client-s3";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import type { Report } from "../core/types.js";
import { asReconcileError, ConfigurationError, ReconcileError } from "../errors.js";
import { ReconcileCabinetClaims14d, type RunLogger } from "../reconcile.js";
import { type LambdaConfig, readConfig } from "./config.js";
import { SecretCredentials } from "./credentials.js";
import { Database } from "./database.js";
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME, ENV } from "./env-names.js";
import { parseEvent } from "./input.js";
import { createMetrics, recordFailure, recordReport } from "./metrics.js";
import { type S3ReportSink, s3Sink } from "./s3-sink.js";

/** What the caller gets: small and stable (no rows), ready to be a Step Functions state's output. */
export interface HandlerResult extends Omit<Report, "rows"> {
  outputs: { json?: string; csv?: string };
}

/** Replaceable parts, for local harnesses; tests replace AWS at the SDK boundary instead. */
export interface HandlerDependencies {
  env?: NodeJS.ProcessEnv;
  s3Client?: S3Client;
  secretsProvider?: SecretsProvider;
}

/**
 * Time kept back from the run for what follows it: completing the uploads, flushing metrics, returning.
 * A tenth of what is left, between 3 and 20 seconds.
 */
export function safetyMarginMs(remainingMs: number): number {
  return Math.min(20_000, Math.max(3_000, Math.round(remainingMs * 0.1)));
}

/** Builds a handler with its own container state (the module exports one built from `process.env`). */
export function createHandler(deps: HandlerDependencies = {}) {
  const env = deps.env ?? process.env;
  let config: LambdaConfig | undefined;
  let configError: ConfigurationError | undefined;
  try {
    config = readConfig(env);
  } catch (error) {
    configError =
      error instanceof ConfigurationError
        ? error
        : new ConfigurationError(`invalid configuration: ${String(error)}`, { cause: error });
  }
  const serviceName = config?.serviceName ?? env[ENV.serviceName] ?? DEFAULT_SERVICE_NAME;
  const namespace = config?.metricsNamespace ?? env[ENV.metricsNamespace] ?? DEFAULT_METRICS_NAMESPACE;
  const logger = new Logger({ serviceName });
  const metrics: Metrics = createMetrics(namespace, serviceName);
  let database: Database | undefined;
  let s3Client: S3Client | undefined = deps.s3Client;

  const runLogger: RunLogger = {
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
  };

  function databaseFor(c: LambdaConfig): Database {
    database ??= new Database({
      source: c.database,
      sslMode: c.sslMode,
      credentials:
        c.database.kind === "secret"
          ? new SecretCredentials(c.database.secretId, deps.secretsProvider)
          : undefined,
      logger: runLogger,
    });
    return database;
  }

  function sinksFor(c: LambdaConfig): S3ReportSink[] {
    if (!c.output) return [];
    s3Client ??= new S3Client({});
    const common = {
      client: s3Client,
      bucket: c.output.bucket,
      prefix: c.output.prefix,
      timeZone: c.timeZone,
    };
    return [s3Sink({ ...common, format: "json" }), s3Sink({ ...common, format: "csv" })];
  }

  async function reconcile(event: unknown, context: Context): Promise<HandlerResult> {
    const runId = randomUUID();
    logger.appendKeys({ run_id: runId });
    try {
      if (configError) throw configError;
      const c = config as LambdaConfig;
      const { source, params } = parseEvent(event);
      const remaining = context?.getRemainingTimeInMillis?.();
      const deadline =
        remaining === undefined ? undefined : Date.now() + remaining - safetyMarginMs(remaining);
      logger.info("run starting", { event_source: source, parameters: params, remaining_ms: remaining });
      if (!c.output) logger.warn(`${ENV.outputBucket} is not set: the report is not written to S3`);

      const pool = await databaseFor(c).ready();
      const sinks = sinksFor(c);
      const report = await new ReconcileCabinetClaims14d(pool, c.reconcile).runReconcile(params, {
        sinks,
        collectRows: false,
        deadline,
        runId,
        logger: runLogger,
      });
      recordReport(metrics, report);
      const [json, csv] = sinks.map((sink) => sink.uri);
      const outputs = { ...(json ? { json } : {}), ...(csv ? { csv } : {}) };
      const { rows: _rows, ...summary } = report;
      logger.info("run finished", {
        status: report.status,
        metrics: report.metrics,
        refresh_skipped: report.refresh_skipped,
        warnings: report.warnings.length,
        outputs,
      });
      return { ...summary, outputs };
    } catch (error) {
      const named = error instanceof ReconcileError ? error : asReconcileError(error, "reconcile handler");
      recordFailure(metrics, runId, named.name);
      logger.error(`run failed: ${named.name}`, named);
      throw named;
    }
  }

  return middy(reconcile)
    .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

export const handler = createHandler();
