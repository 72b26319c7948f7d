/**
 * The handler as deployed, on the reference schema with generated data: default object names (no
 * overrides), the EventBridge Scheduler payload, a least-privilege login role from the (mocked) secret.
 * What it returns, uploads and publishes must match the generator's ground truth.
 */
import { randomBytes } from "node:crypto";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { METRIC } from "../../lambda/aws/env-names.js";
import { createHandler, type HandlerResult } from "../../lambda/aws/handler.js";
import type { Report, ReportRow } from "../../lambda/core/types.js";
import { type GroundTruth, generate } from "../../reference/generator.js";
import { captureOutput } from "../support/captured-output.js";
import { useTestDatabase } from "../support/db.js";
import { lambdaContext, SCHEDULER_EVENT } from "../support/lambda-events.js";
import { createLoginRole, type LoginRole } from "../support/login-role.js";
import { captureS3 } from "../support/s3-capture.js";

const PASSWORD = `ref-${randomBytes(12).toString("hex")}`;
const BUCKET = "reconcile-reports-reference";

const tally = (values: readonly string[]) => {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
};

describe("Lambda handler on the reference schema with generated data", () => {
  const output = captureOutput();
  const db = useTestDatabase();
  const s3 = captureS3();
  const secrets = mockClient(SecretsManagerClient);
  let role: LoginRole;
  let truth: GroundTruth;
  let asOf = "";

  beforeAll(async () => {
    vi.stubEnv("AWS_REGION", "us-east-1");
    const { rows } = await db().pool.query<{ today: string }>(
      "SELECT to_char((now() AT TIME ZONE 'America/Lima')::date, 'YYYY-MM-DD') AS today",
    );
    asOf = rows[0]?.today as string;
    // The loader COPYs through one session.
    const client = await db().pool.connect();
    try {
      ({ dataset: _ignored, ...truth } = await generate(client, { seed: 4, scale: 0.05, asOf }));
    } finally {
      client.release();
    }
    role = await createLoginRole(db().url, PASSWORD);
    await role.grantRead(["ops", "public"]);
    const url = new URL(db().url);
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        engine: "postgres",
        host: url.hostname,
        port: Number(url.port),
        username: role.name,
        password: PASSWORD,
        dbname: db().name,
      }),
    });
  }, 120_000);

  afterAll(async () => {
    await role?.drop();
    secrets.restore();
    s3.mock.restore();
    vi.unstubAllEnvs();
  });

  it("the Scheduler payload finds, refreshes and explains exactly what the generator planted", async () => {
    // Prepare
    const handler = createHandler({
      env: {
        DB_SECRET_ID: "reconcile/db",
        DB_SSL_MODE: "disable",
        OUTPUT_BUCKET: BUCKET,
        OUTPUT_PREFIX: "reports",
      },
    });
    const mark = output.mark();
    // Act
    const result = (await handler(SCHEDULER_EVENT, lambdaContext(120_000))) as HandlerResult;
    // Assess
    // Seed 4 at scale 0.05 plants every kind of row: resolved by the refresh, still missing, invalid.
    expect(truth.byVerdict.afterRefresh.RESOLVED).toBeGreaterThan(0);
    expect(truth.byVerdict.afterRefresh.STILL_MISSING).toBeGreaterThan(0);
    expect(truth.windowRows.length).toBeLessThanOrEqual(1000);
    expect(result.status).toBe("completed");
    expect(result.as_of).toBe(asOf);
    const afterRefresh = truth.byVerdict.afterRefresh;
    expect(result.metrics).toMatchObject({
      gaps_found: truth.windowRows.length,
      processed: truth.windowRows.length,
      still_missing: afterRefresh.STILL_MISSING ?? 0,
      resolved_after_refresh: afterRefresh.RESOLVED ?? 0,
      claims_already_exist: afterRefresh.ALREADY_EXISTS ?? 0,
      invalid_conditions: afterRefresh.INVALID ?? 0,
      amount_still_missing: truth.amountStillMissing,
      refresh_failures: 0,
    });
    expect(result.refreshed_views.map((v) => [v.name, v.ok])).toEqual([
      ["ops.mv_cabinet_claims_base", true],
      ["ops.mv_claims_payment_status_cabinet", true],
      // The collection view reads the claims view: a dependent, refreshed after the re-verify (§9.3).
      ["ops.mv_yango_cabinet_claims_for_collection", true],
    ]);

    const report = JSON.parse(s3.read(result.outputs.json as string).text) as Report;
    const rows = report.rows as ReportRow[];
    expect(tally(rows.map((r) => r.verdict))).toEqual(afterRefresh);
    expect(tally(rows.flatMap((r) => (r.diagnosis ? [r.diagnosis] : [])))).toEqual(truth.byDiagnosis);
    expect(tally(rows.flatMap((r) => (r.invalid_reason ? [r.invalid_reason] : [])))).toEqual(
      truth.byInvalidReason,
    );
    const csv = parse(s3.read(result.outputs.csv as string).text, { columns: true }) as Array<
      Record<string, string>
    >;
    expect(csv.map((r) => r.verdict)).toEqual(rows.map((r) => r.verdict));

    const emf = output.records(mark).find((r) => "_aws" in r && METRIC.stillMissing in r);
    expect(emf?.[METRIC.stillMissing]).toBe(afterRefresh.STILL_MISSING ?? 0);
    expect(emf?.[METRIC.amountStillMissing]).toBe(Number(truth.amountStillMissing));
    expect(output.lines.some((l) => l.includes(PASSWORD))).toBe(false);
  });
});

let _ignored: unknown;
