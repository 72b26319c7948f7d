/**
 * The result example of docs/lambda.md ("## Result") is the shape of a real result: the handler runs on the
 * toy schema with its claims ledger (a real run that refreshes, records and warns, so every part of the
 * result is filled), and the example must have exactly the same keys, recursively, as what it returned. The
 * values in the document are illustrative; the keys are the contract a Step Functions state or a script
 * reads, and this test fails, naming each path, when a field is added, renamed or removed without the
 * document following.
 */
import { readFile } from "node:fs/promises";
import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createHandler, type HandlerResult } from "../../lambda/aws/handler.js";
import { captureOutput } from "../support/captured-output.js";
import { useTestDatabase } from "../support/db.js";
import { lambdaContext } from "../support/lambda-events.js";
import { captureS3 } from "../support/s3-capture.js";
import { createToyLedger, TOY_LEDGER } from "../support/toy-ledger.js";
import { TOY_OBJECTS } from "../support/toy-schema.js";

const DOC = new URL("../../docs/lambda.md", import.meta.url);

/** The first JSON block under the "## Result" heading of docs/lambda.md, parsed. */
async function documentedResult(): Promise<unknown> {
  const text = await readFile(DOC, "utf8");
  const section = text.split(/^## Result$/m)[1];
  const block = section?.match(/```json\n([\s\S]*?)\n```/)?.[1];
  if (block === undefined) throw new Error('docs/lambda.md has no ```json block under "## Result"');
  return JSON.parse(block);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
const keysOf = (v: Record<string, unknown>) => Object.keys(v).sort().join(", ");

/** Objects whose keys are data (status words), not fields: only their being objects is compared. */
const DATA_KEYED = /^result\.(gap_status_counts|warning_details\[\]\.byStatus)$/;

/**
 * Where the example's keys differ from the real value's, one line per path. Objects must have the same keys
 * (except `DATA_KEYED` ones);
 * an object must not be null (or a list) on the other side. A list of objects is shown by at least one
 * element when the run's is not empty, and each element shown must have the keys of one of the run's
 * elements (a list of warnings holds several shapes). Scalars are not compared: the values are examples.
 */
function keyDrift(example: unknown, real: unknown, path = "result"): string[] {
  if (DATA_KEYED.test(path.replace(/\[\d+\]/g, "[]"))) {
    return isObject(example) && isObject(real)
      ? []
      : [`${path}: the example has ${kind(example)}, a real result has ${kind(real)}`];
  }
  if (isObject(real) || isObject(example)) {
    if (!isObject(real) || !isObject(example)) {
      return [`${path}: the example has ${kind(example)}, a real result has ${kind(real)}`];
    }
    const drift: string[] = [];
    const missing = Object.keys(real).filter((k) => !(k in example));
    const extra = Object.keys(example).filter((k) => !(k in real));
    if (missing.length > 0) drift.push(`${path}: the example lacks ${missing.join(", ")}`);
    if (extra.length > 0)
      drift.push(`${path}: the example has ${extra.join(", ")}, which a real result has not`);
    for (const k of Object.keys(real))
      if (k in example) drift.push(...keyDrift(example[k], real[k], `${path}.${k}`));
    return drift;
  }
  if (Array.isArray(real) || Array.isArray(example)) {
    if (!Array.isArray(real) || !Array.isArray(example)) {
      return [`${path}: the example has ${kind(example)}, a real result has ${kind(real)}`];
    }
    const shapes = real.filter(isObject);
    if (shapes.length > 0 && example.length === 0) {
      return [`${path}: the example shows no element; a real one has { ${keysOf(shapes[0] ?? {})} }`];
    }
    return example.flatMap((element, i) => {
      if (!isObject(element))
        return shapes.length > 0 ? [`${path}[${i}]: the example has ${kind(element)}`] : [];
      const twin = shapes.find((s) => keysOf(s) === keysOf(element));
      if (twin) return keyDrift(element, twin, `${path}[${i}]`);
      const seen = [...new Set(shapes.map((s) => `{ ${keysOf(s)} }`))].join(" or ");
      return [
        `${path}[${i}]: the example has { ${keysOf(element)} }, a real result ${seen || "no object here"}`,
      ];
    });
  }
  return [];
}

describe("docs/lambda.md's result example", () => {
  captureOutput();
  const db = useTestDatabase();
  const s3 = captureS3();
  const client = () => db().pool as unknown as pg.ClientBase;

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

  it("names exactly the keys of a real result, recursively", async () => {
    // Prepare: the toy schema with its ledger; a run that refreshes, records claims and warns.
    const handler = createHandler({
      env: {
        DATABASE_URL: db().url,
        DB_SSL_MODE: "disable",
        OUTPUT_BUCKET: "reconcile-doc-test",
        GAP_VIEW: TOY_OBJECTS.gapView,
        CLAIMS_VIEW: TOY_OBJECTS.claimsView,
        ACHIEVED_VIEW: TOY_OBJECTS.achievedView,
        PAYMENT_CALC_VIEW: TOY_OBJECTS.paymentCalcView,
        TRIPS_TABLE: TOY_OBJECTS.tripsTable,
        CLAIMS_LEDGER: TOY_LEDGER,
      },
    });

    // Act
    const result = (await handler(
      { asOf: "2026-11-10", recordClaims: true, maxRecord: 10 },
      lambdaContext(120_000),
    )) as HandlerResult;

    // Assess: the run filled what the example shows, then the example's keys are the result's.
    expect(result.status).toBe("completed");
    expect(result.ledger?.outcome).toBe("recorded");
    expect(result.refreshed_views.length).toBeGreaterThan(0);
    expect(result.warning_details.length).toBeGreaterThan(0);
    const drift = keyDrift(await documentedResult(), JSON.parse(JSON.stringify(result)));
    expect(
      drift,
      `docs/lambda.md's result example has drifted from a real result; update the example:\n${drift.join("\n")}`,
    ).toEqual([]);
  }, 120_000);

  it("finds a renamed, a missing and a null-for-object key, and takes status words as data", () => {
    // Prepare
    const real = {
      a: 1,
      b: { c: 2 },
      list: [{ x: 1 }, { y: 2 }],
      ledger: { table: "t" },
      gap_status_counts: { OK: 1 },
    };
    const example = {
      a: 1,
      b: { d: 2 },
      list: [{ y: 0 }, { z: 0 }],
      ledger: null,
      gap_status_counts: { MISSING: 2 },
    };

    // Act
    const drift = keyDrift(example, real);

    // Assess
    expect(drift).toEqual([
      "result.b: the example lacks c",
      "result.b: the example has d, which a real result has not",
      "result.list[1]: the example has { z }, a real result { x } or { y }",
      "result.ledger: the example has null, a real result has object",
    ]);
    expect(keyDrift(real, real)).toEqual([]);
  });
});
