/**
 * The claims ledger through the Lambda handler (docs/contract.md §10.2): a manual or scheduled event with
 * `recordClaims` writes the proven claims into the ledger `CLAIMS_LEDGER` names, the result carries the
 * ledger summary and the metrics, and the EMF document has `ClaimsRecorded` and `AmountRecorded`. S3 is
 * replaced at the SDK boundary only.
 */
import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { METRIC } from "../../lambda/aws/env-names.js";
import { createHandler, type HandlerResult } from "../../lambda/aws/handler.js";
import { captureOutput } from "../support/captured-output.js";
import { useTestDatabase } from "../support/db.js";
import { lambdaContext } from "../support/lambda-events.js";
import { captureS3 } from "../support/s3-capture.js";
import { createToyLedger, TOY_LEDGER, toyGapCount } from "../support/toy-ledger.js";
import { TOY_OBJECTS } from "../support/toy-schema.js";

describe("recording proven claims through the Lambda handler", () => {
  const output = captureOutput();
  const db = useTestDatabase();
  const s3 = captureS3();
  const client = () => db().pool as unknown as pg.ClientBase;
  const env = (): NodeJS.ProcessEnv => ({
    DATABASE_URL: db().url,
    DB_SSL_MODE: "disable",
    OUTPUT_BUCKET: "reconcile-ledger-test",
    GAP_VIEW: TOY_OBJECTS.gapView,
    CLAIMS_VIEW: TOY_OBJECTS.claimsView,
    ACHIEVED_VIEW: TOY_OBJECTS.achievedView,
    PAYMENT_CALC_VIEW: TOY_OBJECTS.paymentCalcView,
    TRIPS_TABLE: TOY_OBJECTS.tripsTable,
    CLAIMS_LEDGER: TOY_LEDGER,
  });

  beforeAll(() => {
    vi.stubEnv("AWS_REGION", "us-east-1");
  });
  afterAll(() => {
    s3.mock.restore();
    vi.unstubAllEnvs();
  });
  beforeEach(async () => {
    s3.reset();
    await createToyLedger(client());
  });

  it("a manual invoke with recordClaims writes the ledger CLAIMS_LEDGER names and says so in the result and the metrics", async () => {
    const gapsBefore = await toyGapCount(client());
    const mark = output.mark();
    const result = (await createHandler({ env: env() })(
      { asOf: "2026-11-10", onlyGaps: true, recordClaims: true, maxRecord: 10 },
      lambdaContext(120_000),
    )) as HandlerResult;
    expect(result.status).toBe("completed");
    expect(result.metrics).toMatchObject({
      claims_recorded: 2,
      amount_recorded: "60.00",
      gaps_after: gapsBefore - 2,
    });
    expect(result.ledger).toMatchObject({
      table: TOY_LEDGER,
      outcome: "recorded",
      recorded: 2,
      max_record: 10,
    });
    expect(await toyGapCount(client())).toBe(gapsBefore - 2);
    const emf = output.records(mark).find((r) => "_aws" in r) as Record<string, unknown> | undefined;
    expect(emf?.[METRIC.claimsRecorded]).toBe(2);
    expect(emf?.[METRIC.amountRecorded]).toBe(60);
  }, 120_000);

  it("a scheduled event without recordClaims writes nothing to the ledger", async () => {
    const { rows: before } = await client().query("SELECT count(*)::int AS n FROM toy.claims_ledger");
    const result = (await createHandler({ env: env() })(
      { asOf: "2026-11-10", onlyGaps: true },
      lambdaContext(120_000),
    )) as HandlerResult;
    expect(result.ledger).toBeNull();
    expect(result.metrics.claims_recorded).toBe(0);
    const { rows: after } = await client().query("SELECT count(*)::int AS n FROM toy.claims_ledger");
    expect(after).toEqual(before);
  }, 120_000);
});
