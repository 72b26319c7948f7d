/**
 * The Lambda entry point (the CDK stack's `entry`, export `handler`): one handler for the EventBridge
 * schedule, a manual invoke and a Step Functions task. A plain async function does the work; Powertools
 * Logger and Metrics are attached as middy middleware at the bottom.
 *
 * Module load (the cold start's init phase) evaluates only what a bare Powertools handler needs: middy,
 * the logger, the metrics and their middleware, plus the error classes, the variable names and the core's
 * aging rule (`core/aging.ts`, with its small decimal helpers: which metrics a report publishes). Everything
 * heavier (zod and the configuration schema, the Powertools parser, pg, the Secrets Manager and S3 SDK
 * clients, the reconcile core) is a dynamic `import()`: inside the one-file bundle (`infra/bundling.ts`)
 * esbuild keeps each such module lazy, evaluated on the first invocation that needs it and then kept for
 * the container.
 *
 * Per container, on first use: configuration read and checked (a `ConfigurationError` is kept and thrown
 * by every invocation), the database pool, the cached secret and the S3 client. Per invocation: parse the
 * event (nothing touches the database before it is valid), compute the time budget, run, publish metrics,
 * return the report without rows plus the S3 URIs. Errors leave with their class name (`InputError`,
 * `ContractError`...) for Step Functions.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import type { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import type { S3Client } from "@aws-sdk/client-s3";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import type { Report } from "../core/types.js";
import { asReconcileError, ConfigurationError, ReconcileError } from "../errors.js";
import type { RunLogger } from "../reconcile.js";
import type { Database } from "./database.js";
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME, ENV } from "./env-names.js";
import type { LambdaConfig } from "./lambda-config.js";
import { createMetrics, recordFailure, recordReport } from "./metrics.js";
import type { S3ReportSink } from "./s3-sink.js";

/** A promise made on the first call and returned by every later one (module loads, once per container). */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}

const loadConfigModule = once(() => import("./lambda-config.js"));
const loadInputModule = once(() => import("./input.js"));
const loadRunModules = once(() => import("./run-modules.js"));
type RunModules = Awaited<ReturnType<typeof loadRunModules>>;

/**
 * A Powertools name from the environment as the configuration reads it (trimmed, empty means unset), so
 * the logger and metrics can be built at init without loading the configuration schema.
 */
function powertoolsName(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name]?.trim();
  return value ? value : fallback;
}

/** What the caller gets: small and stable (no rows), ready to be a Step Functions state's output. */
export interface HandlerResult extends Omit<Report, "rows"> {
  outputs: { json?: string; csv?: string; html?: string };
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
  // Same values as the configuration's `serviceName` and `metricsNamespace` (see `lambda-config.ts`).
  const serviceName = powertoolsName(env, ENV.serviceName, DEFAULT_SERVICE_NAME);
  const namespace = powertoolsName(env, ENV.metricsNamespace, DEFAULT_METRICS_NAMESPACE);
  const logger = new Logger({ serviceName });
  const metrics: Metrics = createMetrics(namespace, serviceName);
  let configured: Promise<LambdaConfig> | undefined;
  let database: Database | undefined;
  let s3Client: S3Client | undefined = deps.s3Client;

  const runLogger: RunLogger = {
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
  };

  /** Read and checked once per container; a bad configuration is the same error on every invocation. */
  function configuration(): Promise<LambdaConfig> {
    configured ??= loadConfigModule().then(({ readConfig }) => {
      try {
        return readConfig(env);
      } catch (error) {
        throw error instanceof ConfigurationError
          ? error
          : new ConfigurationError(`invalid configuration: ${String(error)}`, { cause: error });
      }
    });
    return configured;
  }

  function databaseFor(c: LambdaConfig, m: RunModules): Database {
    database ??= new m.Database({
      source: c.database,
      sslMode: c.sslMode,
      credentials:
        c.database.kind === "secret"
          ? new m.SecretCredentials(c.database.secretId, deps.secretsProvider)
          : undefined,
      logger: runLogger,
    });
    return database;
  }

  function sinksFor(c: LambdaConfig, m: RunModules): S3ReportSink[] {
    if (!c.output) return [];
    s3Client ??= new m.S3Client({});
    const common = {
      client: s3Client,
      bucket: c.output.bucket,
      prefix: c.output.prefix,
      timeZone: c.timeZone,
    };
    return [
      m.s3Sink({ ...common, format: "json" }),
      m.s3Sink({ ...common, format: "csv" }),
      m.s3Sink({ ...common, format: "html", lang: c.reportLang }),
    ];
  }

  async function reconcile(event: unknown, context: Context): Promise<HandlerResult> {
    // The global Web Crypto, not `node:crypto`: nothing to load at init for one UUID per run.
    const runId = crypto.randomUUID();
    logger.appendKeys({ run_id: runId });
    try {
      const c = await configuration();
      const { parseEvent } = await loadInputModule();
      const { source, params } = parseEvent(event);
      const remaining = context?.getRemainingTimeInMillis?.();
      const deadline =
        remaining === undefined ? undefined : Date.now() + remaining - safetyMarginMs(remaining);
      logger.info("run starting", { event_source: source, parameters: params, remaining_ms: remaining });
      if (!c.output) logger.warn(`${ENV.outputBucket} is not set: the report is not written to S3`);

      const m = await loadRunModules();
      const pool = await databaseFor(c, m).ready();
      const sinks = sinksFor(c, m);
      const report = await new m.ReconcileCabinetClaims14d(pool, c.reconcile).runReconcile(params, {
        sinks,
        collectRows: false,
        deadline,
        runId,
        logger: runLogger,
      });
      recordReport(metrics, report);
      const [json, csv, html] = sinks.map((sink) => sink.uri);
      const outputs = { ...(json ? { json } : {}), ...(csv ? { csv } : {}), ...(html ? { html } : {}) };
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
