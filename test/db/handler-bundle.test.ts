/**
 * The deployed artefact, not the source: the handler bundled as the stack bundles it, loaded in a fresh
 * `node` process and invoked end to end on the reference schema with generated data (default object names,
 * through `DATABASE_URL`, with no bucket: a mock inside the bundle is not possible, and S3 output is
 * optional when `OUTPUT_BUCKET` is unset).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GroundTruth, generate } from "../../reference/generator.js";
import { type BundleResult, bundleHandler } from "../../scripts/bundle-handler.js";
import { useTestDatabase } from "../support/db.js";

const run = promisify(execFile);
const AS_OF = "2026-11-20";

/** Imports the bundle, invokes it with each event in argv, prints one `RESULT` line per invocation. */
const HARNESS = `
const started = performance.now();
const { handler } = await import(process.env.BUNDLE_URL);
const importMs = performance.now() - started;
const context = {
  functionName: "reconcile-cabinet-claims-14d", functionVersion: "$LATEST", memoryLimitInMB: "1024",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:reconcile-cabinet-claims-14d",
  awsRequestId: "bundle-smoke-1", logGroupName: "/aws/lambda/x", logStreamName: "x",
  getRemainingTimeInMillis: () => 60000,
};
for (const event of JSON.parse(process.env.EVENTS)) {
  try {
    const result = await handler(event, context);
    process.stdout.write("\\nRESULT " + JSON.stringify({ ok: true, importMs, result }) + "\\n");
  } catch (error) {
    process.stdout.write("\\nRESULT " + JSON.stringify({ ok: false, name: error.name, message: error.message }) + "\\n");
  }
}
`;

describe("bundled handler (dist/handler/index.mjs as the stack builds it)", () => {
  const db = useTestDatabase();
  let dir = "";
  let bundle: BundleResult | undefined;
  let outfile = "";
  let truth: GroundTruth | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "reconcile-bundle-"));
    bundle = await bundleHandler(dir);
    outfile = bundle.outfile;
    // A fixed as-of: the data and the run agree whatever the clock says.
    const client = await db().pool.connect();
    try {
      truth = await generate(client, { seed: 11, scale: 0.02, asOf: AS_OF });
    } finally {
      client.release();
    }
  }, 120_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("loads in a fresh node and runs end to end; error names survive minification", async () => {
    // Prepare
    const events = [{ asOf: AS_OF, daysBack: 21, limit: 1000, lockTimeoutMs: 5000 }, { daysBack: -1 }];
    const password = new URL(db().url).password;
    // Act
    const { stdout, stderr } = await run(process.execPath, ["--input-type=module", "-e", HARNESS], {
      env: {
        PATH: process.env.PATH,
        BUNDLE_URL: pathToFileURL(outfile).href,
        EVENTS: JSON.stringify(events),
        DATABASE_URL: db().url,
        DB_SSL_MODE: "disable",
        AWS_REGION: "us-east-1",
        AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
        POWERTOOLS_SERVICE_NAME: "reconcile-bundle-test",
        POWERTOOLS_METRICS_NAMESPACE: "Test/Bundle",
      },
      timeout: 30_000,
    });
    // Assess
    const results = stdout
      .split("\n")
      .filter((l) => l.startsWith("RESULT "))
      .map((l) => JSON.parse(l.slice("RESULT ".length)));
    expect(results).toHaveLength(2);
    const [first, second] = results;
    expect(first.ok).toBe(true);
    expect(first.result.status).toBe("completed");
    expect(first.result.outputs).toEqual({});
    expect(first.result).not.toHaveProperty("rows");
    // The event's lock_timeout for the reads, and the job's statement_timeout (the role sets none).
    expect(first.result.timeouts).toEqual({
      statement_timeout_ms: 120_000,
      statement_timeout_from: "job",
      lock_timeout_ms: 5000,
      lock_timeout_from: "job",
    });
    expect(first.result.metrics).toMatchObject({
      gaps_found: (truth as GroundTruth).windowRows.length,
      still_missing: (truth as GroundTruth).byVerdict.afterRefresh.STILL_MISSING ?? 0,
      resolved_after_refresh: (truth as GroundTruth).byVerdict.afterRefresh.RESOLVED ?? 0,
      amount_still_missing: (truth as GroundTruth).amountStillMissing,
    });
    expect(second).toEqual({
      ok: false,
      name: "InputError",
      message: "invalid parameters: daysBack must be at least 0",
    });
    // The same process wrote structured logs and EMF metrics, and never the connection string's password.
    expect(stdout).toContain('"_aws"');
    expect(stdout).toContain(
      `"StillMissing":${(truth as GroundTruth).byVerdict.afterRefresh.STILL_MISSING ?? 0}`,
    );
    expect(stdout + stderr).not.toContain(password);
    // For the closing note: size of the artefact and time to import it in this fresh process.
    const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    console.info(`bundle: index.mjs ${kib(bundle?.bytes ?? 0)}, import ${first.importMs.toFixed(0)} ms`);
  });

  it("a run that finds the lock taken returns skipped and its status, nothing else (§10.4)", async () => {
    // Prepare: another run holds the lock.
    const holder = await db().pool.connect();
    try {
      const { DEFAULT_LOCK_KEY } = await import("../../lambda/config.js");
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [DEFAULT_LOCK_KEY.toString()]);
      // Act
      const { stdout } = await run(process.execPath, ["--input-type=module", "-e", HARNESS], {
        env: {
          PATH: process.env.PATH,
          BUNDLE_URL: pathToFileURL(outfile).href,
          EVENTS: JSON.stringify([{ asOf: AS_OF }]),
          DATABASE_URL: db().url,
          DB_SSL_MODE: "disable",
          AWS_REGION: "us-east-1",
          POWERTOOLS_SERVICE_NAME: "reconcile-bundle-test",
          POWERTOOLS_METRICS_NAMESPACE: "Test/Bundle",
        },
        timeout: 30_000,
      });
      // Assess
      const [result] = stdout
        .split("\n")
        .filter((l) => l.startsWith("RESULT "))
        .map((l) => JSON.parse(l.slice("RESULT ".length)));
      expect(result.ok).toBe(true);
      expect(result.result).toMatchObject({ status: "skipped", outputs: {} });
      expect(result.result.metrics.processed).toBe(0);
    } finally {
      await holder.query("SELECT pg_advisory_unlock_all()");
      holder.release();
    }
  });

  it("is one file with its source map: pg, zod, the AWS SDK and the reconcile core inside, nothing loaded beside it", () => {
    const { files = [], inputs = [] } = bundle ?? {};
    expect(files).toEqual(["index.mjs", "index.mjs.map"]);
    for (const inside of [
      "@aws-lambda-powertools/logger",
      "lambda/aws/handler.ts",
      "node_modules/pg/",
      "node_modules/zod/",
      "node_modules/@aws-sdk/client-s3/",
      "lambda/reconcile.ts",
    ]) {
      expect(
        inputs.some((p) => p.includes(inside)),
        inside,
      ).toBe(true);
    }
  });

  it("tree-shakes zod through the Powertools parser: no locale but English is bundled", () => {
    const locales = (bundle?.inputs ?? []).filter((p) => p.includes("zod/v4/locales/"));
    expect(locales.filter((p) => !/locales\/(en|index)\.js$/.test(p))).toEqual([]);
  });
});
