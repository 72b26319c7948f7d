/**
 * The cold-start yardstick: a handler that does nothing, wired like the real one (middy, Powertools logger
 * and metrics middleware), bundled with the same settings. The real handler's import time is compared to it.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";

const logger = new Logger({ serviceName: "minimal" });
const metrics = new Metrics({ namespace: "Bench", serviceName: "minimal" });

export const handler = middy(async () => ({ ok: true }))
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
