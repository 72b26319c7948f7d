import { describe, expect, it } from "vitest";
import { readConfig } from "../../lambda/aws/lambda-config.js";
import { ConfigurationError } from "../../lambda/errors.js";

const SECRET = { DB_SECRET_ID: "arn:aws:secretsmanager:us-east-1:123456789012:secret:reconcile-db-AbCdEf" };

function failure(env: NodeJS.ProcessEnv): ConfigurationError {
  try {
    readConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).name).toBe("ConfigurationError");
    return error as ConfigurationError;
  }
  throw new Error("expected a ConfigurationError");
}

describe("readConfig (Lambda environment)", () => {
  it("defaults: verify-full TLS, Lima, reports prefix, Powertools names, no S3 when no bucket", () => {
    const config = readConfig(SECRET);
    expect(config).toMatchObject({
      database: { kind: "secret", secretId: SECRET.DB_SECRET_ID },
      sslMode: "verify-full",
      output: null,
      serviceName: "reconcile-cabinet-claims-14d",
      metricsNamespace: "ReconcileCabinetClaims14d",
      timeZone: "America/Lima",
    });
    expect(config.reconcile.gapStatuses).toBeUndefined();
  });

  it("reads every variable the stack sets", () => {
    const config = readConfig({
      ...SECRET,
      DB_SSL_MODE: "require",
      OUTPUT_BUCKET: "reconcile-reports-123",
      OUTPUT_PREFIX: "/runs/hourly/",
      GAP_VIEW: "ops.v_gap",
      CLAIMS_VIEW: "ops.v_claims",
      ACHIEVED_VIEW: "ops.v_achieved",
      PAYMENT_CALC_VIEW: "ops.v_calc",
      TRIPS_TABLE: "public.trips",
      GAP_STATUSES: "MISSING, CLAIM_NOT_GENERATED ,PENDING",
      REPORT_TIME_ZONE: "UTC",
      REFRESH_LOCK_TIMEOUT_MS: "5000",
      REFRESH_STATEMENT_TIMEOUT_MS: "240000",
      STATEMENT_TIMEOUT_MS: "60000",
      POWERTOOLS_SERVICE_NAME: "reconcile-prod",
      POWERTOOLS_METRICS_NAMESPACE: "Fleet/Reconcile",
    });
    expect(config.output).toEqual({ bucket: "reconcile-reports-123", prefix: "runs/hourly" });
    expect(config.sslMode).toBe("require");
    expect(config.serviceName).toBe("reconcile-prod");
    expect(config.metricsNamespace).toBe("Fleet/Reconcile");
    expect(config.reconcile).toEqual({
      objects: {
        gapView: "ops.v_gap",
        claimsView: "ops.v_claims",
        achievedView: "ops.v_achieved",
        paymentCalcView: "ops.v_calc",
        tripsTable: "public.trips",
      },
      gapStatuses: ["MISSING", "CLAIM_NOT_GENERATED", "PENDING"],
      timeZone: "UTC",
      refreshLockTimeoutMs: 5000,
      refreshStatementTimeoutMs: 240000,
      statementTimeoutMs: 60000,
    });
  });

  it("accepts DATABASE_URL outside AWS", () => {
    const config = readConfig({ DATABASE_URL: "postgres://u:p@localhost:5432/db", DB_SSL_MODE: "disable" });
    expect(config.database).toEqual({ kind: "url", url: "postgres://u:p@localhost:5432/db" });
    expect(config.sslMode).toBe("disable");
  });

  it("names the variable that is missing or wrong, every one of them", () => {
    expect(failure({}).message).toMatch(/DB_SECRET_ID is not set/);
    const many = failure({
      ...SECRET,
      DB_SSL_MODE: "verify-ca",
      REPORT_TIME_ZONE: "Mars/Olympus",
      STATEMENT_TIMEOUT_MS: "2 minutes",
      OUTPUT_BUCKET: "Not_A_Bucket",
    }).message;
    expect(many).toMatch(/DB_SSL_MODE must be verify-full, require or disable/);
    expect(many).toMatch(/REPORT_TIME_ZONE must be an IANA time zone/);
    expect(many).toMatch(/STATEMENT_TIMEOUT_MS must be a whole number of milliseconds/);
    expect(many).toMatch(/OUTPUT_BUCKET must be an S3 bucket name/);
    expect(failure({ ...SECRET, GAP_STATUSES: " , " }).message).toMatch(/GAP_STATUSES lists no status word/);
  });

  it("refuses both sources at once, and never echoes the connection string", () => {
    const both = failure({ ...SECRET, DATABASE_URL: "postgres://u:hunter2@h/db" });
    expect(both.message).toMatch(/DB_SECRET_ID or DATABASE_URL, not both/);
    expect(both.message).not.toContain("hunter2");
    const bad = failure({ DATABASE_URL: "mysql://u:hunter2@h/db" });
    expect(bad.message).toMatch(/DATABASE_URL must be a postgres:\/\/ connection string/);
    expect(bad.message).not.toContain("hunter2");
  });
});
