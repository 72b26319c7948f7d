import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, describe, expect, it } from "vitest";
import { METRIC } from "../../lambda/aws/env-names.js";
import { createHandler, safetyMarginMs } from "../../lambda/aws/handler.js";
import { reportMetricValues } from "../../lambda/aws/metrics.js";
import type { Report } from "../../lambda/core/types.js";
import { captureOutput } from "../support/captured-output.js";
import { lambdaContext } from "../support/lambda-events.js";

/** A report's head and metrics; `reach` is `aging_reach_days` (`days_back - 14`): 46 for 60 days back. */
const report = (status: Report["status"], amount: string, reach = 46) =>
  ({
    run_id: "r",
    status,
    metrics: {
      processed: 7,
      gaps_found: 9,
      claims_should_exist: 4,
      claims_already_exist: 2,
      invalid_conditions: 1,
      refreshed_views: 2,
      resolved_after_refresh: 1,
      still_missing: 3,
      amount_still_missing: amount,
      amount_at_risk: "70.00",
      amount_at_risk_15_plus: "35.00",
      aging_reach_days: reach,
      refresh_failures: 0,
      claims_recorded: 4,
      amount_recorded: "120.00",
      gaps_after: 7,
      duration_ms: 1234,
    },
  }) as unknown as Report;

describe("handler without a database", () => {
  const output = captureOutput();
  const secrets = mockClient(SecretsManagerClient);
  afterAll(() => secrets.restore());

  it("keeps a safety margin of a tenth of the time left, between 3 and 20 seconds", () => {
    expect(safetyMarginMs(900_000)).toBe(20_000);
    expect(safetyMarginMs(60_000)).toBe(6_000);
    expect(safetyMarginMs(10_000)).toBe(3_000);
  });

  it("maps every report metric; amounts become numbers; only completed and skipped count as success", () => {
    const values = reportMetricValues(report("completed", "3135.50"));
    expect(Object.keys(values).sort()).toEqual(Object.values(METRIC).sort());
    expect(values[METRIC.amountStillMissing]).toBe(3135.5);
    expect(values[METRIC.amountAtRisk]).toBe(70);
    expect(values[METRIC.amountAtRisk15Plus]).toBe(35);
    expect(values[METRIC.stillMissing]).toBe(3);
    expect(values[METRIC.durationMs]).toBe(1234);
    expect(values[METRIC.runSucceeded]).toBe(1);
    expect(values[METRIC.claimsRecorded]).toBe(4);
    expect(values[METRIC.amountRecorded]).toBe(120);
    expect(reportMetricValues(report("skipped", "0"))[METRIC.runSucceeded]).toBe(1);
    expect(reportMetricValues(report("partial", "35.00"))[METRIC.runSucceeded]).toBe(0);
  });

  it("publishes the collect-now amount only when the window reaches 15 days overdue (29+ days back)", () => {
    // 28 days back reaches 14 days overdue: the window's zero, not the debtors', so no data point at all.
    const short = reportMetricValues(report("completed", "0.00", 14));
    expect(short).not.toHaveProperty(METRIC.amountAtRisk15Plus);
    expect(short[METRIC.amountAtRisk]).toBe(70);
    // 29 days back: the first window that can hold collect-now money.
    expect(reportMetricValues(report("completed", "0.00", 15))[METRIC.amountAtRisk15Plus]).toBe(35);
  });

  it("a container without configuration starts, then fails each invocation with a ConfigurationError", async () => {
    const handler = createHandler({ env: {} });
    const error = await handler({}, lambdaContext()).catch((e: Error) => e);
    expect(error).toMatchObject({ name: "ConfigurationError" });
    expect((error as Error).message).toMatch(/DB_SECRET_ID is not set/);
  });

  it("bad input fails before the secret is read, and the failure is counted", async () => {
    const mark = output.mark();
    const handler = createHandler({ env: { DB_SECRET_ID: "reconcile/db" } });
    const error = await handler({ limit: 0, only_milestone: 2 }, lambdaContext()).catch((e: Error) => e);
    expect(error).toMatchObject({ name: "InputError" });
    expect((error as Error).message).toBe(
      "invalid parameters: limit must be at least 1; onlyMilestone must be 1, 5 or 25",
    );
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    const emf = output.records(mark).find((r) => "_aws" in r && METRIC.runSucceeded in r);
    expect(emf).toMatchObject({ [METRIC.runSucceeded]: 0, status: "failed", error: "InputError" });
  });
});
