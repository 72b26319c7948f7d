/**
 * Secrets: every way the database credentials can be wrong (malformed JSON, not an object, missing or
 * mistyped keys, wrong password, rotated password, Secrets Manager refusing, server down, connection lost
 * mid-run) ends in a clear named error or a successful refetch; and the last test reads back everything
 * this file made the job produce (every log line and EMF document, every S3 object, every thrown error's
 * message and stack, every CLI output and report file) and asserts that no test password appears in any.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createHandler, type HandlerResult } from "../../lambda/aws/handler.js";
import { main } from "../../lambda/cli/main.js";
import { captureOutput } from "../support/captured-output.js";
import { useTestDatabase } from "../support/db.js";
import { lambdaContext } from "../support/lambda-events.js";
import { createLoginRole, type LoginRole } from "../support/login-role.js";
import { captureS3 } from "../support/s3-capture.js";
import { seedToy, TOY_OBJECTS } from "../support/toy-schema.js";
import {
  advisoryLocks,
  createSlowToySchema,
  refreshAchieved,
  setKnobs,
  waitForJobStatement,
} from "./reliability-support.js";

const SECRET_ID = "arn:aws:secretsmanager:us-east-1:123456789012:secret:reconcile/reliability-Xy12Zw";
const PASSWORD = `pw-${randomBytes(12).toString("hex")}`;
const ROTATED = `rot-${randomBytes(12).toString("hex")}`;
const WRONG = `wrong-${randomBytes(12).toString("hex")}`;
/** The embedded server's superuser password, in every test database URL. */
const SERVER_PASSWORD = "embedded-test-only";
const AS_OF = "2026-11-10";

/** Everything this file made the job say or write, scanned at the end. */
const produced: string[] = [];
function keepError(error: unknown): void {
  if (error instanceof Error) produced.push(`${error.name}: ${error.message}`, error.stack ?? "");
  else if (error !== undefined) produced.push(String(error));
}

describe("credentials and secrets", () => {
  const output = captureOutput();
  const db = useTestDatabase();
  const s3 = captureS3();
  const secrets = mockClient(SecretsManagerClient);
  let role: LoginRole;
  let port = 0;

  const env = (over: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    DB_SECRET_ID: SECRET_ID,
    DB_SSL_MODE: "disable",
    OUTPUT_BUCKET: "reconcile-reports-secrets",
    GAP_VIEW: TOY_OBJECTS.gapView,
    CLAIMS_VIEW: TOY_OBJECTS.claimsView,
    ACHIEVED_VIEW: TOY_OBJECTS.achievedView,
    PAYMENT_CALC_VIEW: TOY_OBJECTS.paymentCalcView,
    TRIPS_TABLE: TOY_OBJECTS.tripsTable,
    ...over,
  });
  const secret = (fields: Record<string, unknown>) => ({ SecretString: JSON.stringify(fields) });
  const rds = (password: string, over: Record<string, unknown> = {}) => ({
    engine: "postgres",
    host: "127.0.0.1",
    port,
    username: role.name,
    password,
    dbname: db().name,
    ...over,
  });

  async function invoke(handler: ReturnType<typeof createHandler>, event: unknown = { asOf: AS_OF }) {
    try {
      return { result: (await handler(event, lambdaContext(60_000))) as HandlerResult, error: undefined };
    } catch (error) {
      keepError(error);
      return { result: undefined, error: error as Error };
    }
  }

  beforeAll(async () => {
    vi.stubEnv("AWS_REGION", "us-east-1");
    port = Number(new URL(db().url).port);
    role = await createLoginRole(db().url, PASSWORD);
    await createSlowToySchema(db().pool);
    await seedToy(db().pool as unknown as pg.ClientBase, [
      { driver_id: "stale", lead_date: "2026-11-01", milestone: 1, achieved: "2026-11-02", claim: "stale" },
      { driver_id: "few", lead_date: "2026-11-01", milestone: 5, achieved: "2026-11-03", trips: { 1: 2 } },
    ]);
    await refreshAchieved(db().pool);
    const r = pg.escapeIdentifier(role.name);
    await db().pool.query(`GRANT INSERT ON toy.refresh_log TO ${r}`);
    await db().pool.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA toy TO ${r}`);
    await db().pool.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA toy TO ${r}`);
    await role.grantRead(["toy"]);
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
    await role.setPassword(PASSWORD);
  });

  describe("a secret that is wrong", () => {
    it("malformed JSON (holding the password): CredentialsError that quotes neither the JSON nor the parser", async () => {
      secrets.on(GetSecretValueCommand).resolves({
        SecretString: `{"host":"127.0.0.1","username":"${role.name}","password":"${PASSWORD}",`,
      });
      const { error } = await invoke(createHandler({ env: env() }));
      expect(error?.name).toBe("CredentialsError");
      expect(error?.message).toBe(`secret ${SECRET_ID} is not valid JSON`);
      expect(s3.objects.size).toBe(0);
    });

    it("JSON that is not an object (a bare password string): CredentialsError naming the shape", async () => {
      secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(PASSWORD) });
      const { error } = await invoke(createHandler({ env: env() }));
      expect(error?.name).toBe("CredentialsError");
      expect(error?.message).toBe(
        `secret ${SECRET_ID} is not a JSON object with host, port, username, password, dbname`,
      );
    });

    it("missing and mistyped keys: CredentialsError naming each key, never a value", async () => {
      secrets
        .on(GetSecretValueCommand)
        .resolves(secret({ host: "127.0.0.1", port: PASSWORD, password: PASSWORD }));
      const { error } = await invoke(createHandler({ env: env() }));
      expect(error?.name).toBe("CredentialsError");
      expect(error?.message).toBe(
        `secret ${SECRET_ID} is malformed: key "port" has a wrong type or value; key "username" is missing`,
      );
    });

    it("Secrets Manager refusing: CredentialsError naming the secret and the AWS error", async () => {
      secrets.on(GetSecretValueCommand).rejects(
        Object.assign(new Error("User is not authorized to perform GetSecretValue"), {
          name: "AccessDeniedException",
        }),
      );
      const { error } = await invoke(createHandler({ env: env() }));
      expect(error?.name).toBe("CredentialsError");
      expect(error?.message).toMatch(new RegExp(`^cannot read secret ${SECRET_ID}: AccessDeniedException: `));
    });

    it("a password that stays wrong: fetched twice, then CredentialsError; nothing uploaded", async () => {
      secrets.on(GetSecretValueCommand).resolves(secret(rds(WRONG)));
      const { error } = await invoke(createHandler({ env: env() }));
      expect(error?.name).toBe("CredentialsError");
      expect(error?.message).toMatch(/also after fetching it again \(SQLSTATE 28P01\)$/);
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
      expect(s3.objects.size).toBe(0);
    });

    it("rotation: the cached password is refused, the refetched one works, the run completes", async () => {
      // A warm container caches the current secret; then the password rotates in the database and the secret.
      let current = PASSWORD;
      secrets.on(GetSecretValueCommand).callsFake(async () => secret(rds(current)));
      const handler = createHandler({ env: env() });
      expect((await invoke(handler, { asOf: AS_OF, dryRun: true })).result?.status).toBe("completed");
      await role.setPassword(ROTATED);
      await role.terminateSessions();
      current = ROTATED;
      const { result, error } = await invoke(handler);
      expect(error).toBeUndefined();
      expect(result?.status).toBe("completed");
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
      produced.push(
        s3.read(result?.outputs.json as string).text,
        s3.read(result?.outputs.csv as string).text,
      );
    });

    it("the database down (the secret's port closed): DatabaseUnavailableError naming host and port only", async () => {
      secrets.on(GetSecretValueCommand).resolves(secret(rds(PASSWORD, { port: 1 })));
      const { error } = await invoke(createHandler({ env: env() }));
      expect(error?.name).toBe("DatabaseUnavailableError");
      expect(error?.message).toMatch(
        new RegExp(`^connect: connecting to 127\\.0\\.0\\.1:1/${db().name} failed: database unavailable: `),
      );
    });
  });

  it("connection killed mid-refresh, through the handler: DatabaseUnavailableError, no object left in S3, lock free", async () => {
    secrets.on(GetSecretValueCommand).resolves(secret(rds(PASSWORD)));
    await setKnobs(db().pool, { refreshSleepMs: 60_000 });
    try {
      // Forced: the slow definition would make the staleness check (§10.3) as slow as the refresh it decides.
      const run = invoke(createHandler({ env: env() }), { asOf: AS_OF, forceRefresh: true });
      const pid = await waitForJobStatement(
        db().pool,
        db().name,
        '^REFRESH MATERIALIZED VIEW (CONCURRENTLY )?"toy"."mv_lower"',
      );
      await db().pool.query("SELECT pg_terminate_backend($1)", [pid]);
      const { error } = await run;
      expect(error?.name).toBe("DatabaseUnavailableError");
      expect(s3.objects.size).toBe(0);
      expect(s3.openUploads()).toBe(0);
      expect(await advisoryLocks(db().pool)).toBe(0);
    } finally {
      await setKnobs(db().pool, { refreshSleepMs: 0 });
    }
  });

  describe("the CLI with a password in its connection string", () => {
    async function cli(args: string[]) {
      let stdout = "";
      let stderr = "";
      const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
      produced.push(stdout, stderr);
      return { code, stdout, stderr };
    }
    const objects = [
      `--gap-view=${TOY_OBJECTS.gapView}`,
      `--claims-view=${TOY_OBJECTS.claimsView}`,
      `--achieved-view=${TOY_OBJECTS.achievedView}`,
      `--payment-calc-view=${TOY_OBJECTS.paymentCalcView}`,
      `--trips-table=${TOY_OBJECTS.tripsTable}`,
    ];
    const url = (password: string, over: { port?: string } = {}) =>
      `postgres://${role.name}:${password}@127.0.0.1:${over.port ?? port}/${db().name}`;

    it("wrong password, server down, malformed URL: one line each, never the password (also with --verbose)", async () => {
      for (const verbose of [[], ["--verbose"]]) {
        const wrong = await cli([`--database-url=${url(WRONG)}`, ...objects, ...verbose]);
        // Credentials and configuration are the operator's to fix: exit 2 (docs/cli.md).
        expect(wrong.code).toBe(2);
        expect(wrong.stderr).toMatch(/password authentication failed/);
        const down = await cli([`--database-url=${url(PASSWORD, { port: "1" })}`, ...objects, ...verbose]);
        expect(down.code).toBe(1);
        expect(down.stderr).toMatch(/DatabaseUnavailableError/);
        const malformed = await cli([
          `--database-url=${url(PASSWORD, { port: "notaport" })}`,
          ...objects,
          ...verbose,
        ]);
        expect(malformed.code).toBe(2);
      }
    });

    it("a completed run with --verbose, --json and report files: none of it holds the password", async () => {
      const dir = await mkdtemp(join(tmpdir(), "reliability-secrets-"));
      const run = await cli([
        `--database-url=${url(PASSWORD)}`,
        ...objects,
        `--as-of=${AS_OF}`,
        "--verbose",
        "--json",
        `--output-json=${join(dir, "r.json")}`,
        `--output-csv=${join(dir, "r.csv")}`,
      ]);
      expect(run.code, run.stderr).toBe(0);
      for (const file of await readdir(dir)) produced.push(await readFile(join(dir, file), "utf8"));
      expect(produced.length).toBeGreaterThan(2);
    });
  });

  it("DATABASE_URL with the server's password (outside AWS), failing and succeeding: logs never hold it", async () => {
    const good = await invoke(
      createHandler({ env: env({ DB_SECRET_ID: undefined, DATABASE_URL: db().url }) }),
    );
    expect(good.result?.status).toBe("completed");
    const bad = new URL(db().url);
    bad.port = "1";
    const down = await invoke(
      createHandler({ env: env({ DB_SECRET_ID: undefined, DATABASE_URL: bad.toString() }) }),
    );
    expect(down.error?.name).toBe("DatabaseUnavailableError");
    expect(down.error?.message).toMatch(
      /^connect: connecting to 127\.0\.0\.1:1\/[^ ]+ failed: database unavailable: /,
    );
  });

  it("no log line, EMF document, S3 object, error message or stack, CLI output or report holds a password", () => {
    for (const object of s3.objects.values()) produced.push(object.body.toString("utf8"));
    const everything = [...output.lines, ...produced];
    expect(output.lines.length).toBeGreaterThan(40);
    for (const password of [PASSWORD, ROTATED, WRONG, SERVER_PASSWORD]) {
      const leaks = everything.filter((text) => text.includes(password));
      expect(
        leaks,
        `texts containing a password: ${leaks.map((l) => l.slice(0, 300)).join("\n---\n")}`,
      ).toEqual([]);
    }
  });
});
