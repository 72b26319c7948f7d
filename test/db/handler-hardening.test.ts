/**
 * Issue 23 (docs/contract.md §10.4) through the Lambda handler: a skipped run returns its status and
 * uploads nothing; the time budget ends a slow run `partial` by the deadline; reads take `lockTimeoutMs`
 * (event) or `LOCK_TIMEOUT_MS` (environment) and fail as `LockWaitError`; Secrets Manager throttling and
 * server errors are retried, then a transient `SecretUnavailableError`, never `CredentialsError`. The
 * bundled file is exercised in `handler-bundle.test.ts`.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createHandler, type HandlerResult } from "../../lambda/aws/handler.js";
import { DEFAULT_LOCK_KEY } from "../../lambda/config.js";
import { captureOutput } from "../support/captured-output.js";
import { useTestDatabase } from "../support/db.js";
import { lambdaContext } from "../support/lambda-events.js";
import { captureS3 } from "../support/s3-capture.js";
import { createToySchema, seedToy, TOY_OBJECTS } from "../support/toy-schema.js";

const AS_OF = "2026-11-10";
const BUCKET = "reconcile-reports-hardening";
const SECRET_ID = "arn:aws:secretsmanager:us-east-1:123456789012:secret:reconcile/hardening-Ab12Cd";

describe("hardening through the handler (contract §10.4)", () => {
  const output = captureOutput();
  const db = useTestDatabase();
  const s3 = captureS3();
  const secrets = mockClient(SecretsManagerClient);
  const client = () => db().pool as unknown as pg.ClientBase;
  const env = (over: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    DATABASE_URL: db().url,
    DB_SSL_MODE: "disable",
    OUTPUT_BUCKET: BUCKET,
    GAP_VIEW: TOY_OBJECTS.gapView,
    CLAIMS_VIEW: TOY_OBJECTS.claimsView,
    ACHIEVED_VIEW: TOY_OBJECTS.achievedView,
    PAYMENT_CALC_VIEW: TOY_OBJECTS.paymentCalcView,
    TRIPS_TABLE: TOY_OBJECTS.tripsTable,
    ...over,
  });
  const invoke = async (e: NodeJS.ProcessEnv, event: unknown, timeoutMs = 60_000) => {
    try {
      return { result: (await createHandler({ env: e })(event, lambdaContext(timeoutMs))) as HandlerResult };
    } catch (error) {
      return { error: error as Error & { transient?: boolean } };
    }
  };
  const slowDown = async (view: "v_gap" | "v_achieved", ms: number) => {
    await client().query(`ALTER VIEW toy.${view} RENAME TO ${view}_fast`);
    await client().query(
      `CREATE VIEW toy.${view} AS SELECT * FROM toy.${view}_fast WHERE (SELECT toy.nap(${Number(ms)}))`,
    );
  };

  beforeAll(() => {
    vi.stubEnv("AWS_REGION", "us-east-1");
  });

  afterAll(() => {
    s3.mock.restore();
    secrets.restore();
    vi.unstubAllEnvs();
  });

  beforeEach(async () => {
    s3.reset();
    secrets.reset();
    await createToySchema(client());
    await client().query(`CREATE FUNCTION toy.nap(ms int) RETURNS boolean LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(ms / 1000.0); RETURN true; END $$`);
    await seedToy(client(), [
      { driver_id: "stale", lead_date: "2026-11-01", milestone: 1, achieved: "2026-11-02", claim: "stale" },
    ]);
  });

  it("a skipped run returns its status and uploads nothing; the completed run's reports stay the only ones", async () => {
    // Prepare: another run holds the lock.
    const holder = new pg.Client({ connectionString: db().url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [DEFAULT_LOCK_KEY.toString()]);
      // Act
      const { result, error } = await invoke(env(), { asOf: AS_OF });
      // Assess
      expect(error).toBeUndefined();
      expect(result?.status).toBe("skipped");
      expect(result?.outputs).toEqual({});
      expect(s3.objects.size).toBe(0);
      expect(s3.openUploads()).toBe(0);
    } finally {
      await holder.end();
    }
    // And once the lock is free, a run uploads its three reports.
    const { result } = await invoke(env(), { asOf: AS_OF });
    expect(result?.status).toBe("completed");
    expect(Object.keys(result?.outputs ?? {}).sort()).toEqual(["csv", "html", "json"]);
    expect(result?.timeouts).toEqual({
      statement_timeout_ms: 120_000,
      statement_timeout_from: "job",
      lock_timeout_ms: 30_000,
      lock_timeout_from: "job",
    });
  });

  it("every phase is capped at the time left: a slow verify ends the run partial by the deadline, report uploaded", async () => {
    // Prepare: identify takes 1.5 s, verify 8 s; 8 s left, less the handler's 3 s margin: 5 s of budget.
    await slowDown("v_gap", 1_500);
    await slowDown("v_achieved", 8_000);
    const started = Date.now();
    // Act
    const { result, error } = await invoke(env(), { asOf: AS_OF }, 8_000);
    // Assess
    expect(error).toBeUndefined();
    expect(result?.status).toBe("partial");
    expect(Date.now() - started).toBeLessThan(5_700);
    expect(JSON.parse(s3.read(result?.outputs.json as string).text).status).toBe("partial");
  }, 30_000);

  it("reads wait on a lock at most lockTimeoutMs (event) or LOCK_TIMEOUT_MS, then LockWaitError naming the holder", async () => {
    // Prepare: another session refreshes the upper claims view, holding it for its transaction.
    const holder = new pg.Client({ connectionString: db().url });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("REFRESH MATERIALIZED VIEW toy.mv_upper");
      const started = Date.now();
      // Act
      const byEvent = await invoke(env(), { asOf: AS_OF, lockTimeoutMs: 300 });
      const byEnv = await invoke(env({ LOCK_TIMEOUT_MS: "300" }), { asOf: AS_OF });
      // Assess
      for (const { error } of [byEvent, byEnv]) {
        expect(error?.name).toBe("LockWaitError");
        expect(error?.transient).toBe(true);
        expect(error?.message).toMatch(/^identify: reading toy\.v_gap failed: .*toy\.mv_upper by pid \d+/);
      }
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(s3.objects.size).toBe(0);
      expect(s3.openUploads()).toBe(0);
    } finally {
      await holder.query("ROLLBACK").catch(() => undefined);
      await holder.end();
    }
  }, 30_000);

  describe("Secrets Manager not answering", () => {
    const fromSecret = () => {
      const u = new URL(db().url);
      return {
        SecretString: JSON.stringify({
          host: u.hostname,
          port: Number(u.port),
          username: decodeURIComponent(u.username),
          password: decodeURIComponent(u.password),
          dbname: db().name,
        }),
      };
    };
    const secretEnv = () => env({ DATABASE_URL: undefined, DB_SECRET_ID: SECRET_ID });

    it("throttled twice, then answering: retried, and the run completes", async () => {
      // Prepare
      const throttled = Object.assign(new Error("Rate exceeded"), {
        name: "ThrottlingException",
        $metadata: { httpStatusCode: 400 },
      });
      secrets.on(GetSecretValueCommand).rejectsOnce(throttled).rejectsOnce(throttled).resolves(fromSecret());
      // Act
      const { result, error } = await invoke(secretEnv(), { asOf: AS_OF });
      // Assess
      expect(error).toBeUndefined();
      expect(result?.status).toBe("completed");
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(3);
    });

    it("server errors that do not stop: a transient SecretUnavailableError, not CredentialsError", async () => {
      // Prepare
      secrets.on(GetSecretValueCommand).rejects(
        Object.assign(new Error("We encountered an internal error. Please try again."), {
          name: "InternalServiceError",
          $metadata: { httpStatusCode: 500 },
        }),
      );
      // Act
      const { error } = await invoke(secretEnv(), { asOf: AS_OF });
      // Assess
      expect(error?.name).toBe("SecretUnavailableError");
      expect(error?.transient).toBe(true);
      expect(error?.message).toMatch(
        new RegExp(
          `^cannot read secret ${SECRET_ID} \\(Secrets Manager did not answer, 3 attempts\\): InternalServiceError: `,
        ),
      );
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(3);
      // Logged as a failure with its own name, so an alarm or a retry policy can tell it apart.
      expect(
        output
          .records()
          .some((r) => r.level === "ERROR" && String(r.message).includes("SecretUnavailableError")),
      ).toBe(true);
    });
  });
});
