import { describe, expect, it } from "vitest";
import { type ContextKey, configFromContext, DEFAULTS } from "../../infra/stack-config.js";
import { CDK_JSON_CONTEXT } from "./fixture.js";

const from = (context: Record<string, unknown>) => configFromContext((key: ContextKey) => context[key]);
const base = { dbSecretName: "app/db" };

describe("configFromContext", () => {
  it("reads cdk.json's defaults: hourly in Lima, 60 days back (collect-now money in view)", () => {
    const config = from(CDK_JSON_CONTEXT);
    expect(config).toMatchObject({
      envName: "dev",
      dbSecret: { kind: "name", name: "reconcile-cabinet-claims-14d/db" },
      schedule: {
        expression: "cron(0 * * * ? *)",
        timeZone: "America/Lima",
        input: { daysBack: 60, limit: 20_000 },
        enabled: true,
      },
      outputPrefix: "reports",
      outputRetentionDays: 90,
      metricsNamespace: "ReconcileCabinetClaims14d",
      serviceName: "reconcile-cabinet-claims-14d",
      dbSslMode: "verify-full",
      alarms: {
        stillMissingPeriods: 3,
        amountStillMissingThreshold: 5000,
        noRunHours: 2,
        collectNowAlarmAmount: 0,
      },
      reservedConcurrency: 1,
    });
    expect(config.vpc).toBeUndefined();
    expect(config.alarmEmail).toBeUndefined();
  });

  it("records claims only when asked: off by default, and then in the scheduled input with maxRecord", () => {
    expect(from(base)).toMatchObject({
      recordClaims: false,
      schedule: { input: { daysBack: 60, limit: 20_000 } },
    });
    expect(from(base).schedule.input).not.toHaveProperty("recordClaims");
    expect(from({ ...base, recordClaims: true }).schedule.input).toEqual({
      daysBack: 60,
      limit: 20_000,
      recordClaims: true,
      maxRecord: 1000,
    });
    expect(() => from({ ...base, recordClaims: "yes" })).toThrow(
      'context "recordClaims": must be true or false',
    );
    expect(() => from({ ...base, maxRecord: -1 })).toThrow('context "maxRecord"');
  });

  it("accepts command-line strings for numbers, booleans, lists and JSON", () => {
    const config = from({
      ...base,
      scheduleEnabled: "false",
      outputRetentionDays: "30",
      scheduleInput: '{"days_back":7,"dryRun":true}',
      vpcId: "vpc-0123456789abcdef0",
      subnetIds: "subnet-0123456789abcdef1, subnet-0123456789abcdef2",
      gapStatuses: "MISSING,CLAIM_NOT_GENERATED,PENDING",
      gapView: "ops.my_gap_view",
    });
    expect(config.schedule.enabled).toBe(false);
    expect(config.outputRetentionDays).toBe(30);
    expect(config.schedule.input).toEqual({ days_back: 7, dryRun: true });
    expect(config.vpc).toEqual({
      vpcId: "vpc-0123456789abcdef0",
      subnetIds: ["subnet-0123456789abcdef1", "subnet-0123456789abcdef2"],
    });
    expect(config.gapStatuses).toEqual(["MISSING", "CLAIM_NOT_GENERATED", "PENDING"]);
    expect(config.objectNames).toEqual({ gapView: "ops.my_gap_view" });
  });

  it("reserves one concurrent execution unless told otherwise; 0 reserves none", () => {
    expect(from(base).reservedConcurrency).toBe(1);
    expect(from({ ...base, reservedConcurrency: "0" }).reservedConcurrency).toBe(0);
    expect(from({ ...base, reservedConcurrency: 5 }).reservedConcurrency).toBe(5);
  });

  it("prefers the secret ARN over cdk.json's default name", () => {
    const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbC123";
    expect(from({ ...CDK_JSON_CONTEXT, dbSecretArn: arn }).dbSecret).toEqual({ kind: "arn", arn });
  });

  it.each([
    [{}, /dbSecretName.*-c dbSecretName=NAME or -c dbSecretArn=ARN/],
    [{ ...base, dbSecretArn: "prod/db" }, /dbSecretArn.*not a Secrets Manager secret ARN/],
    [{ ...base, scheduleInput: { dayBack: 7 } }, /scheduleInput.*dayBack is not a known parameter/],
    [{ ...base, scheduleInput: { daysBack: -1 } }, /scheduleInput.*daysBack must be at least 0/],
    [{ ...base, scheduleInput: "{not json" }, /scheduleInput.*must be a JSON object/],
    [{ ...base, scheduleExpression: "every hour" }, /scheduleExpression.*rate\(\.\.\.\), cron/],
    [{ ...base, scheduleTimeZone: "Lima" }, /scheduleTimeZone.*not an IANA time zone/],
    [{ ...base, scheduleEnabled: "yes" }, /scheduleEnabled.*true or false/],
    [{ ...base, vpcId: "vpc-0123456789abcdef0" }, /subnetIds.*required when vpcId/],
    [{ ...base, subnetIds: "subnet-0123456789abcdef1" }, /vpcId.*required when subnetIds/],
    [{ ...base, vpcId: "vpc-0123456789abcdef0", subnetIds: "subnet-1" }, /subnetIds.*not a subnet id/],
    [{ ...base, logRetentionDays: 10 }, /logRetentionDays.*must be one of/],
    [{ ...base, outputRetentionDays: "0" }, /outputRetentionDays.*from 1 to 3650/],
    [{ ...base, alarmEmail: "ops" }, /alarmEmail.*not an e-mail/],
    [{ ...base, dbSslMode: "prefer" }, /dbSslMode.*verify-full, require, disable/],
    [
      { ...base, metricsNamespace: "AWS/Lambda" },
      /metricsNamespace.*not a valid custom CloudWatch namespace/,
    ],
    [{ ...base, metricNamespace: "Ops" }, /metricNamespace.*renamed metricsNamespace/],
    [{ ...base, reportLang: "fr" }, /reportLang.*en, es/],
    [{ ...base, envName: "Prod_1" }, /envName/],
    [{ ...base, reservedConcurrency: "-1" }, /reservedConcurrency.*from 0 to 1000/],
    [{ ...base, reservedConcurrency: "one" }, /reservedConcurrency.*whole number/],
    [{ ...base, collectNowAlarmAmount: "-1" }, /collectNowAlarmAmount.*from 0 to 100000000/],
    [{ ...base, collectNowAlarmAmount: "S/ 500" }, /collectNowAlarmAmount.*whole number/],
  ])("rejects %j naming the key", (context, message) => {
    expect(() => from(context)).toThrow(message);
  });

  it("writes the HTML report in Spanish for the operators unless told otherwise", () => {
    expect(from(base).reportLang).toBe("es");
    expect(from({ ...base, reportLang: "en" }).reportLang).toBe("en");
  });

  it("reads the collect-now alarm's amount from the command line or cdk.json", () => {
    expect(from({ ...base, collectNowAlarmAmount: "2500" }).alarms.collectNowAlarmAmount).toBe(2500);
    expect(from({ ...base, collectNowAlarmAmount: 750 }).alarms.collectNowAlarmAmount).toBe(750);
  });

  it("keeps defaults in one place", () => {
    expect(from(base).schedule.input).toEqual(DEFAULTS.scheduleInput);
  });
});
