/**
 * The Lambda handler end to end on a real PostgreSQL: real sample events from each caller, credentials
 * from a (mocked) Secrets Manager, reports streamed to a (mocked) S3 and read back, metrics read back from
 * the embedded-metric-format documents on stdout. AWS is replaced only at the SDK boundary.
 */
import { randomBytes } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { parse } from "csv-parse/sync";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ERROR_NAMES, METRIC } from "../../lambda/aws/env-names.js";
import { createHandler, type HandlerResult } from "../../lambda/aws/handler.js";
import { reportMetricValues } from "../../lambda/aws/metrics.js";
import { DEFAULT_LOCK_KEY } from "../../lambda/config.js";
import type { Report, ReportRow } from "../../lambda/core/types.js";
import { parseRunParameters } from "../../lambda/params.js";
import { captureOutput } from "../support/captured-output.js";
import { useTestDatabase } from "../support/db.js";
import {
  lambdaContext,
  SCHEDULED_EVENT,
  SCHEDULER_EVENT,
  STEP_FUNCTIONS_PAYLOAD,
} from "../support/lambda-events.js";
import { createLoginRole, type LoginRole } from "../support/login-role.js";
import { captureS3 } from "../support/s3-capture.js";
import { createToySchema, seedToy, TOY_OBJECTS, type ToyLead } from "../support/toy-schema.js";

const BUCKET = "reconcile-reports-test";
const SECRET_ID = "arn:aws:secretsmanager:us-east-1:123456789012:secret:reconcile/db-AbCdEf";
const PASSWORD = `pw-${randomBytes(12).toString("hex")}`;
const ROTATED_PASSWORD = `rot-${randomBytes(12).toString("hex")}`;
const WRONG_PASSWORD = `wrong-${randomBytes(12).toString("hex")}`;
const SERVICE = "reconcile-test";
const NAMESPACE = "Test/Reconcile";
/** Marks an event; no log line may contain it (events are never logged). */
const EVENT_MARKER = `rule/marker-${randomBytes(6).toString("hex")}`;

const addDays = (iso: string, days: number) =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** One lead per verdict, dated from today in Lima so the default window (21 days) holds them. */
function situations(lead: string): ToyLead[] {
  return [
    {
      driver_id: "stale",
      lead_date: lead,
      milestone: 1,
      achieved: addDays(lead, 1),
      claim: "stale",
      trips: { 1: 1 },
    },
    {
      driver_id: "exists",
      lead_date: lead,
      milestone: 1,
      achieved: addDays(lead, 1),
      claim: "fresh",
      status: "OK",
    },
    { driver_id: null, lead_date: lead, milestone: 5 },
    { driver_id: "not-achieved", lead_date: lead, milestone: 5, achieved: false, trips: { 0: 3 } },
    { driver_id: "few-trips", lead_date: lead, milestone: 5, achieved: addDays(lead, 2), trips: { 0: 2 } },
    {
      driver_id: 'quote"comma,driver',
      lead_date: lead,
      milestone: 25,
      achieved: addDays(lead, 3),
      paymentCalc: "none",
      trips: { 3: 25 },
    },
  ];
}

interface Invocation {
  result?: HandlerResult;
  error?: Error;
  /** Log records and EMF documents written during the invocation. */
  records: Array<Record<string, unknown>>;
}

describe("Lambda handler on PostgreSQL", () => {
  const output = captureOutput();
  const db = useTestDatabase();
  const s3 = captureS3();
  const secrets = mockClient(SecretsManagerClient);
  let port = 5432;
  let today = "";
  let secretPassword = PASSWORD;
  let role: LoginRole;

  const env = (over: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    DB_SECRET_ID: SECRET_ID,
    DB_SSL_MODE: "disable",
    OUTPUT_BUCKET: BUCKET,
    OUTPUT_PREFIX: "reports",
    GAP_VIEW: TOY_OBJECTS.gapView,
    CLAIMS_VIEW: TOY_OBJECTS.claimsView,
    ACHIEVED_VIEW: TOY_OBJECTS.achievedView,
    PAYMENT_CALC_VIEW: TOY_OBJECTS.paymentCalcView,
    TRIPS_TABLE: TOY_OBJECTS.tripsTable,
    REPORT_TIME_ZONE: "America/Lima",
    POWERTOOLS_SERVICE_NAME: SERVICE,
    POWERTOOLS_METRICS_NAMESPACE: NAMESPACE,
    ...over,
  });
  const secretValue = (password: string) => ({
    SecretString: JSON.stringify({
      engine: "postgres",
      host: "127.0.0.1",
      port,
      username: role.name,
      password,
      dbname: db().name,
      dbInstanceIdentifier: "reconcile-test",
    }),
  });

  async function invoke(
    handler: ReturnType<typeof createHandler>,
    event: unknown,
    context = lambdaContext(),
  ): Promise<Invocation> {
    const mark = output.mark();
    try {
      const result = (await handler(event, context)) as HandlerResult;
      return { result, records: output.records(mark) };
    } catch (error) {
      return { error: error as Error, records: output.records(mark) };
    }
  }

  const emfDocs = (records: Array<Record<string, unknown>>) => records.filter((r) => "_aws" in r);
  const logLines = (records: Array<Record<string, unknown>>) => records.filter((r) => !("_aws" in r));

  async function asAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: db().url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    vi.stubEnv("AWS_REGION", "us-east-1");
    vi.stubEnv("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
    port = Number(new URL(db().url).port);
    role = await createLoginRole(db().url, PASSWORD);
    await asAdmin(async (client) => {
      const { rows } = await client.query<{ today: string }>(
        "SELECT to_char((now() AT TIME ZONE 'America/Lima')::date, 'YYYY-MM-DD') AS today",
      );
      today = rows[0]?.today as string;
    });
  });

  afterAll(async () => {
    await role?.drop();
    secrets.restore();
    s3.mock.restore();
    vi.unstubAllEnvs();
  });

  beforeEach(async () => {
    s3.reset();
    secrets.reset();
    secretPassword = PASSWORD;
    secrets.on(GetSecretValueCommand).callsFake(async () => secretValue(secretPassword));
    await role.setPassword(PASSWORD);
    await asAdmin(async (client) => {
      await createToySchema(client);
      await seedToy(client, situations(addDays(today, -5)));
      // The toy schema's event trigger logs each REFRESH as the refreshing user.
      const r = client.escapeIdentifier(role.name);
      await client.query(`GRANT INSERT ON toy.refresh_log TO ${r}`);
      await client.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA toy TO ${r}`);
    });
    await role.grantRead(["toy"]);
  });

  describe("sample events", () => {
    it("EventBridge Scheduler payload: runs, streams JSON and CSV to S3, returns the report without rows", async () => {
      // Prepare
      const handler = createHandler({ env: env() });
      // Act
      const { result, error } = await invoke(handler, SCHEDULER_EVENT);
      // Assess
      expect(error).toBeUndefined();
      const r = result as HandlerResult;
      expect(r.status).toBe("completed");
      expect(r).not.toHaveProperty("rows");
      expect(r.as_of).toBe(today);
      expect(r.parameters).toEqual(parseRunParameters(SCHEDULER_EVENT));
      expect(r.metrics).toMatchObject({
        processed: 6,
        gaps_found: 6,
        claims_already_exist: 1,
        invalid_conditions: 2,
        claims_should_exist: 3,
        resolved_after_refresh: 1,
        still_missing: 2,
        amount_still_missing: "135.00",
        refreshed_views: 3,
        refresh_failures: 0,
      });
      const prefix = `s3://${BUCKET}/reports/dt=${today}/${r.run_id}`;
      expect(r.outputs).toEqual({ json: `${prefix}.json`, csv: `${prefix}.csv`, html: `${prefix}.html` });
      // Small and stable for Step Functions: well under its 256 KiB payload limit.
      expect(Buffer.byteLength(JSON.stringify(r))).toBeLessThan(16 * 1024);

      const json = s3.read(r.outputs.json as string);
      expect(json.object.contentType).toBe("application/json; charset=utf-8");
      const report = JSON.parse(json.text) as Report;
      expect(report.run_id).toBe(r.run_id);
      expect(report.status).toBe("completed");
      expect(report.metrics).toEqual(r.metrics);
      const rows = report.rows as ReportRow[];
      expect(rows).toHaveLength(r.metrics.processed);
      const verdicts = Object.fromEntries(rows.map((row) => [row.driver_id ?? "(null)", row.verdict]));
      expect(verdicts).toEqual({
        stale: "RESOLVED",
        exists: "ALREADY_EXISTS",
        "(null)": "INVALID",
        "not-achieved": "INVALID",
        "few-trips": "STILL_MISSING",
        'quote"comma,driver': "STILL_MISSING",
      });

      const csv = s3.read(r.outputs.csv as string);
      expect(csv.object.contentType).toBe("text/csv; charset=utf-8");
      const [header] = csv.text.split("\n");
      expect(header?.split(",")).toEqual(r.row_columns);
      const records = parse(csv.text, { columns: true }) as Array<Record<string, string>>;
      expect(records).toHaveLength(rows.length);
      records.forEach((record, i) => {
        const row = rows[i] as ReportRow;
        expect(record.driver_id).toBe(row.driver_id ?? "");
        expect(record.verdict).toBe(row.verdict);
        expect(record.lead_date).toBe(row.lead_date);
        expect(record.amount).toBe(row.amount);
        expect(record.diagnosis).toBe(row.diagnosis ?? "");
        expect(record.overdue_bucket).toBe(row.overdue_bucket ?? "");
      });

      // The page a person reads, beside them: the run's own, with its driver ids escaped.
      const page = s3.read(r.outputs.html as string);
      expect(page.object.contentType).toBe("text/html; charset=utf-8");
      expect(page.text).toContain(r.run_id);
      expect(page.text).toContain("quote&#34;comma,driver");
      expect(page.text).not.toContain('quote"comma,driver');
    });

    it("EventBridge rule 'Scheduled Event' envelope: every default", async () => {
      const event = {
        ...SCHEDULED_EVENT,
        resources: [`arn:aws:events:us-east-1:123456789012:${EVENT_MARKER}`],
      };
      const { result, error, records } = await invoke(createHandler({ env: env() }), event);
      expect(error).toBeUndefined();
      expect(result?.status).toBe("completed");
      expect(result?.parameters).toEqual(parseRunParameters({}));
      expect(logLines(records).find((l) => l.message === "run starting")).toMatchObject({
        event_source: "eventbridge-rule",
      });
    });

    it("Step Functions payload (nulls from the state input): runs with those parameters", async () => {
      const { result, error } = await invoke(createHandler({ env: env() }), STEP_FUNCTIONS_PAYLOAD);
      expect(error).toBeUndefined();
      expect(result?.parameters).toMatchObject({
        daysBack: 30,
        limit: 500,
        onlyGaps: true,
        onlyMilestone: null,
      });
      // onlyGaps: the row whose status is OK is not analysed.
      expect(result?.metrics.processed).toBe(5);
      // The result is plain JSON: what Step Functions passes to the next state.
      expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    });

    it('empty payloads ({}, null, "") run with every default; a manual dry run refreshes nothing', async () => {
      const handler = createHandler({ env: env() });
      for (const event of [{}, null, ""]) {
        const { result, error } = await invoke(handler, event);
        expect(error).toBeUndefined();
        expect(result?.parameters).toEqual(parseRunParameters({}));
      }
      const dry = await invoke(handler, { dryRun: true });
      expect(dry.result?.refresh_skipped).toBe("dry-run");
      expect(dry.result?.refreshed_views).toEqual([]);
    });

    it("bad payloads: InputError listing each field, before any secret, database or S3 call", async () => {
      const handler = createHandler({ env: env() });
      const bad: unknown[] = [
        { daysBack: -3, limit: "1000", weekStart: "2026-11-18", dayBack: 1 },
        { ...SCHEDULED_EVENT, detail: { onlyMilestone: 3 } },
        "dryRun",
        [{ dryRun: true }],
      ];
      for (const event of bad) {
        const { error, records } = await invoke(handler, event);
        expect(error?.name).toBe(ERROR_NAMES.input);
        const emf = emfDocs(records).find((d) => METRIC.runSucceeded in d);
        expect(emf).toMatchObject({ [METRIC.runSucceeded]: 0, status: "failed", error: "InputError" });
      }
      const first = await invoke(handler, bad[0]);
      expect(first.error?.message).toMatch(/daysBack must be at least 0/);
      expect(first.error?.message).toMatch(/limit must be a number/);
      expect(first.error?.message).toMatch(/weekStart must be a Monday/);
      expect(first.error?.message).toMatch(/dayBack is not a known parameter/);
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
      // No secret fetched by this fresh container: it has no credentials, so it cannot have connected.
      expect(s3.mock.calls()).toHaveLength(0);
    });
  });

  describe("metrics and logs", () => {
    it("publishes one EMF document with every metric of the report, namespace and the service dimension", async () => {
      const { result, records } = await invoke(createHandler({ env: env() }), SCHEDULER_EVENT);
      const r = result as HandlerResult;
      const docs = emfDocs(records);
      // Powertools' own cold start metric, then the run's metrics in one flush.
      const coldStart = docs.filter((d) => "ColdStart" in d);
      expect(coldStart).toHaveLength(1);
      const runDocs = docs.filter((d) => METRIC.runSucceeded in d);
      expect(runDocs).toHaveLength(1);
      const doc = runDocs[0] as Record<string, unknown> & {
        _aws: {
          Timestamp: number;
          CloudWatchMetrics: Array<{
            Namespace: string;
            Dimensions: string[][];
            Metrics: Array<{ Name: string; Unit: string }>;
          }>;
        };
      };
      const [directive] = doc._aws.CloudWatchMetrics;
      expect(doc._aws.CloudWatchMetrics).toHaveLength(1);
      expect(directive?.Namespace).toBe(NAMESPACE);
      expect(directive?.Dimensions).toEqual([["service"]]);
      expect(doc.service).toBe(SERVICE);
      expect(typeof doc._aws.Timestamp).toBe("number");
      const names = directive?.Metrics.map((m) => m.Name).sort();
      // 21 days back reaches 7 days overdue: every metric but the collect-now amount (next test).
      const published = Object.values(METRIC).filter((n) => n !== METRIC.amountAtRisk15Plus);
      expect(names).toEqual(published.sort());
      const units = Object.fromEntries(directive?.Metrics.map((m) => [m.Name, m.Unit]) ?? []);
      expect(units[METRIC.durationMs]).toBe("Milliseconds");
      expect(units[METRIC.stillMissing]).toBe("Count");
      const expected = reportMetricValues(r as unknown as Report);
      for (const name of published) expect(doc[name], name).toBe(expected[name]);
      expect(doc[METRIC.stillMissing]).toBe(r.metrics.still_missing);
      expect(doc[METRIC.amountStillMissing]).toBe(135);
      expect(doc[METRIC.gapsFound]).toBe(r.metrics.gaps_found);
      expect(doc[METRIC.runSucceeded]).toBe(1);
      expect(doc.run_id).toBe(r.run_id);
      expect(doc.status).toBe("completed");
    });

    it("publishes AmountAtRisk15Plus only for a window that reaches 15 days overdue (60 back, not 21)", async () => {
      // Prepare: one more claim still missing, 40 days after its lead (26 days overdue: collect now).
      // Seeding again also refreshes the toy chain, which this test does not look at.
      const oldLead = addDays(today, -40);
      await asAdmin(async (client) => {
        await seedToy(client, [
          {
            driver_id: "old-few-trips",
            lead_date: oldLead,
            milestone: 5,
            achieved: addDays(oldLead, 2),
            trips: { 0: 2 },
          },
        ]);
      });
      const handler = createHandler({ env: env() });
      const collectNow = (records: Array<Record<string, unknown>>) =>
        emfDocs(records).find((d) => METRIC.runSucceeded in d) as Record<string, unknown>;
      // Act: the stack's scheduled input, then the job's own default window.
      const wide = await invoke(handler, { daysBack: 60, limit: 1000 });
      const narrow = await invoke(handler, { daysBack: 21, limit: 1000 });
      // Assess
      expect(wide.error).toBeUndefined();
      expect(wide.result?.metrics).toMatchObject({ aging_reach_days: 46, amount_at_risk_15_plus: "35.00" });
      const wideDoc = collectNow(wide.records);
      expect(wideDoc[METRIC.amountAtRisk15Plus]).toBe(35);
      expect(wideDoc[METRIC.amountAtRisk]).toBe(Number(wide.result?.metrics.amount_at_risk));
      type Directive = { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string; Unit: string }> }> };
      const unit = (doc: Record<string, unknown>) => {
        const [directive] = (doc._aws as Directive).CloudWatchMetrics;
        return directive?.Metrics.find((m) => m.Name === METRIC.amountAtRisk15Plus)?.Unit;
      };
      expect(unit(wideDoc)).toBe("None");
      // 21 days back cannot see the old claim: its zero is the window's, so no data point at all.
      expect(narrow.error).toBeUndefined();
      expect(narrow.result?.metrics).toMatchObject({ aging_reach_days: 7, amount_at_risk_15_plus: "0.00" });
      const narrowDoc = collectNow(narrow.records);
      expect(narrowDoc).not.toHaveProperty(METRIC.amountAtRisk15Plus);
      expect(unit(narrowDoc)).toBeUndefined();
      expect(narrowDoc[METRIC.amountAtRisk]).toBe(Number(narrow.result?.metrics.amount_at_risk));
    });

    it("every log line carries the service, run id and request id; no line holds the event", async () => {
      const context = lambdaContext(60_000, "req-7f3c2a");
      const event = {
        ...SCHEDULED_EVENT,
        resources: [`arn:aws:events:us-east-1:123456789012:${EVENT_MARKER}`],
      };
      const { result, records } = await invoke(createHandler({ env: env() }), event, context);
      const lines = logLines(records);
      expect(lines.length).toBeGreaterThan(3);
      for (const line of lines) {
        expect(line).toMatchObject({
          service: SERVICE,
          run_id: result?.run_id,
          function_request_id: "req-7f3c2a",
        });
      }
      expect(lines.map((l) => l.message)).toEqual(
        expect.arrayContaining(["run starting", "phase", "run finished"]),
      );
      expect(output.lines.some((l) => l.includes(EVENT_MARKER))).toBe(false);
    });
  });

  describe("credentials", () => {
    it("reuses the cached secret and the pool across warm invocations", async () => {
      const handler = createHandler({ env: env() });
      await invoke(handler, { dryRun: true });
      await invoke(handler, { dryRun: true });
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    });

    it("rotation, cold: the first secret's password fails with 28P01, the refetched one succeeds", async () => {
      // Prepare: the cached value is stale, Secrets Manager already has the new one.
      secrets.reset();
      secrets
        .on(GetSecretValueCommand)
        .resolvesOnce(secretValue(WRONG_PASSWORD))
        .callsFake(async () => secretValue(PASSWORD));
      // Act
      const { result, error, records } = await invoke(createHandler({ env: env() }), SCHEDULER_EVENT);
      // Assess
      expect(error).toBeUndefined();
      expect(result?.status).toBe("completed");
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
      expect(logLines(records).some((l) => String(l.message).includes("fetching the secret again"))).toBe(
        true,
      );
    });

    it("rotation, warm: the password changes under a running container, which recovers on the next run", async () => {
      const handler = createHandler({ env: env() });
      expect((await invoke(handler, { dryRun: true })).result?.status).toBe("completed");
      // Rotate: new password in the database and in the secret; existing sessions are gone.
      await role.setPassword(ROTATED_PASSWORD);
      await role.terminateSessions();
      secretPassword = ROTATED_PASSWORD;
      const { result, error } = await invoke(handler, { dryRun: true });
      expect(error).toBeUndefined();
      expect(result?.status).toBe("completed");
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    });

    it("a password that stays wrong after the refetch is a CredentialsError", async () => {
      secretPassword = WRONG_PASSWORD;
      const { error } = await invoke(createHandler({ env: env() }), {});
      expect(error?.name).toBe(ERROR_NAMES.credentials);
      expect(error?.message).toMatch(
        /rejected the credentials in secret .*also after fetching it again \(SQLSTATE 28P01\)/,
      );
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    });

    it("a malformed secret names the missing key", async () => {
      secrets.reset();
      secrets
        .on(GetSecretValueCommand)
        .resolves({ SecretString: JSON.stringify({ host: "h", username: role.name }) });
      const { error } = await invoke(createHandler({ env: env() }), {});
      expect(error?.name).toBe(ERROR_NAMES.credentials);
      expect(error?.message).toBe(`secret ${SECRET_ID} is malformed: key "password" is missing`);
    });

    it("TLS is verified by default: a server without TLS is refused, not used in clear", async () => {
      const { error } = await invoke(createHandler({ env: env({ DB_SSL_MODE: undefined }) }), {});
      // A setting to fix, not an outage: not retried (docs/errors.md).
      expect(error?.name).toBe(ERROR_NAMES.configuration);
      expect(error?.message).toMatch(/does not support SSL/);
    });
  });

  describe("outcomes and errors for Step Functions", () => {
    it("skipped (another run holds the lock) is a normal result, published as a success", async () => {
      const holder = await db().pool.connect();
      try {
        await holder.query("SELECT pg_advisory_lock($1::bigint)", [DEFAULT_LOCK_KEY.toString()]);
        const { result, error, records } = await invoke(createHandler({ env: env() }), {});
        expect(error).toBeUndefined();
        expect(result?.status).toBe("skipped");
        const doc = emfDocs(records).find((d) => METRIC.runSucceeded in d);
        expect(doc?.[METRIC.runSucceeded]).toBe(1);
        // A skipped run measured nothing: no zeros that would read as "no gaps".
        expect(doc).not.toHaveProperty(METRIC.stillMissing);
      } finally {
        await holder.query("SELECT pg_advisory_unlock_all()");
        holder.release();
      }
    });

    it("ends 'partial' before the Lambda deadline when a refresh cannot finish, uploads what it has, frees the lock", async () => {
      // Prepare: another session holds the lower view, so its refresh waits; 7 s left in the invocation.
      const blocker = await db().pool.connect();
      const started = Date.now();
      let outcome: Invocation;
      try {
        await blocker.query("BEGIN");
        // A plain refresh holds ACCESS EXCLUSIVE on the view until this transaction ends.
        await blocker.query("REFRESH MATERIALIZED VIEW toy.mv_lower");
        // Act
        outcome = await invoke(createHandler({ env: env() }), {}, lambdaContext(7_000));
      } finally {
        await blocker.query("ROLLBACK");
        blocker.release();
      }
      // Assess
      const elapsed = Date.now() - started;
      expect(outcome.error).toBeUndefined();
      const r = outcome.result as HandlerResult;
      expect(r.status).toBe("partial");
      // The run stops at its deadline (7 s minus the 3 s safety margin), well before Lambda's.
      expect(elapsed).toBeLessThan(7_000 - 2_000);
      expect(r.refreshed_views[0]).toMatchObject({ name: "toy.mv_lower", ok: false });
      const report = JSON.parse(s3.read(r.outputs.json as string).text) as Report;
      expect(report.status).toBe("partial");
      expect(report.rows).toHaveLength(r.metrics.processed);
      const doc = emfDocs(outcome.records).find((d) => METRIC.runSucceeded in d);
      expect(doc?.[METRIC.runSucceeded]).toBe(0);
      const locks = await db().pool.query(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'",
      );
      expect(locks.rows[0].n).toBe(0);
    });

    it("too little time left to start: TimeBudgetError", async () => {
      const { error } = await invoke(createHandler({ env: env() }), {}, lambdaContext(2_500));
      expect(error?.name).toBe(ERROR_NAMES.timeBudget);
    });

    it("a view raising on its own data: SourceDataError, by that name, in the error and the metric record", async () => {
      // Prepare: the canonical achieved view divides by zero on every row it reads (SQLSTATE 22012).
      await asAdmin(async (client) => {
        await client.query(
          "CREATE OR REPLACE VIEW toy.v_achieved AS SELECT * FROM toy.achieved WHERE 1 / (milestone_value - milestone_value) = 0",
        );
      });
      // Act
      const { error, records } = await invoke(createHandler({ env: env() }), SCHEDULER_EVENT);
      // Assess: the name is what Lambda reports as errorType and Step Functions matches on.
      expect(error).toBeInstanceOf(Error);
      expect(error?.name).toBe(ERROR_NAMES.sourceData);
      expect(error?.message).toMatch(/division by zero/);
      const emf = emfDocs(records).find((d) => METRIC.runSucceeded in d);
      expect(emf).toMatchObject({ [METRIC.runSucceeded]: 0, status: "failed", error: "SourceDataError" });
    });

    it("a read stuck behind another session's lock, under a 1 s statement_timeout: LockWaitError naming the holder (§10.4)", async () => {
      // Prepare: another session holds the gap view's table; reads are capped at 1 s (the configured cap,
      // not the Lambda deadline: 60 s are left). The reads' lock_timeout is kept below that cap, so the
      // wait ends as a lock wait (transient, "find who held it"), never as a statement timeout.
      const blocker = await db().pool.connect();
      let outcome: Invocation;
      try {
        await blocker.query("BEGIN");
        await blocker.query("LOCK TABLE toy.gap_rows IN ACCESS EXCLUSIVE MODE");
        // Act
        outcome = await invoke(createHandler({ env: env({ STATEMENT_TIMEOUT_MS: "1000" }) }), {});
      } finally {
        await blocker.query("ROLLBACK");
        blocker.release();
      }
      // Assess
      expect(outcome.error?.name).toBe(ERROR_NAMES.lockWait);
      expect(outcome.error?.message).toMatch(/toy\.gap_rows by pid \d+/);
      const emf = emfDocs(outcome.records).find((d) => METRIC.runSucceeded in d);
      expect(emf).toMatchObject({ status: "failed", error: "LockWaitError" });
    });

    it("a configured object that does not exist: ContractError naming it", async () => {
      const { error } = await invoke(createHandler({ env: env({ GAP_VIEW: "toy.v_gap_renamed" }) }), {});
      expect(error?.name).toBe(ERROR_NAMES.contract);
      expect(error?.message).toMatch(/toy\.v_gap_renamed does not exist/);
    });

    it("bad configuration: ConfigurationError naming the variable, on every invocation", async () => {
      const handler = createHandler({ env: env({ REPORT_TIME_ZONE: "Lima" }) });
      for (let i = 0; i < 2; i++) {
        const { error } = await invoke(handler, {});
        expect(error?.name).toBe(ERROR_NAMES.configuration);
        expect(error?.message).toMatch(/REPORT_TIME_ZONE must be an IANA time zone/);
      }
    });

    it("S3 refusing the report: OutputError, no half object, lock released", async () => {
      s3.mock
        .on(PutObjectCommand)
        .rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
      const { error } = await invoke(createHandler({ env: env() }), {});
      expect(error?.name).toBe(ERROR_NAMES.output);
      expect(error?.message).toMatch(/s3:\/\/reconcile-reports-test\/reports\/dt=.*AccessDenied/);
      expect(s3.objects.size).toBe(0);
      expect(s3.openUploads()).toBe(0);
      const locks = await db().pool.query(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'",
      );
      expect(locks.rows[0].n).toBe(0);
    });

    it("no OUTPUT_BUCKET (local runs): the report is returned, nothing is uploaded", async () => {
      const { result } = await invoke(createHandler({ env: env({ OUTPUT_BUCKET: undefined }) }), {});
      expect(result?.status).toBe("completed");
      expect(result?.outputs).toEqual({});
      expect(s3.mock.calls()).toHaveLength(0);
    });
  });

  it("no line written during this file holds a password or a secret value", () => {
    expect(output.lines.length).toBeGreaterThan(50);
    for (const secret of [PASSWORD, ROTATED_PASSWORD, WRONG_PASSWORD]) {
      const leaks = output.lines.filter((line) => line.includes(secret));
      expect(leaks, `lines containing a password: ${leaks.length}`).toEqual([]);
    }
  });
});
