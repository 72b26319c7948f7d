import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { text } from "node:stream/consumers";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import type { Report, ReportHead, ReportRow } from "../../lambda/core/types.js";
import { parseRunParameters } from "../../lambda/params.js";
import { csvSink } from "../../lambda/report/csv-sink.js";
import { fileSink } from "../../lambda/report/file-sink.js";
import { jsonSink } from "../../lambda/report/json-sink.js";

const head: ReportHead = {
  run_id: "r-1",
  as_of: "2026-11-24",
  parameters: parseRunParameters({}),
  started_at: "2026-11-24T10:00:00.000Z",
  row_columns: ["ord", "driver_id", "lead_date", "milestone_value", "detail", "reclassified", "amount"],
};
const row = (ord: number, over: Partial<ReportRow> = {}): ReportRow => ({
  ord,
  driver_id: `d${ord}`,
  lead_date: "2026-11-01",
  milestone_value: 5,
  gap_reason: null,
  claim_status: "MISSING",
  classification: "SHOULD_EXIST",
  verdict: "STILL_MISSING",
  invalid_reason: null,
  diagnosis: "TRIPS_OUTSIDE_WINDOW",
  detail: 'trips in window [2026-11-01, 2026-11-15): 4 < 5, "quoted", line\nbreak',
  reclassified: false,
  amount: "35.00",
  ...over,
});
const report = (rows: number): Report => ({
  ...head,
  status: "completed",
  metrics: {
    processed: rows,
    gaps_found: rows,
    claims_should_exist: rows,
    claims_already_exist: 0,
    invalid_conditions: 0,
    refreshed_views: 2,
    resolved_after_refresh: 0,
    still_missing: rows,
    amount_still_missing: (35 * rows).toFixed(2),
    refresh_failures: 0,
    duration_ms: 12,
  },
  gap_status_counts: { MISSING: rows },
  refreshed_views: [],
  refresh_plan: [],
  refresh_skipped: null,
  breakdown: [],
  warnings: [],
  phases: [],
  finished_at: "2026-11-24T10:00:01.000Z",
});

async function run(sinkOf: (out: PassThrough) => ReturnType<typeof jsonSink>, rows: number) {
  const out = new PassThrough();
  const collected = text(out);
  const sink = sinkOf(out);
  await sink.start(head);
  for (let i = 1; i <= rows; i++) await sink.row(row(i));
  await sink.finish(report(rows));
  return collected;
}

describe("jsonSink", () => {
  it.each([0, 1, 3])("streams a valid report with %i rows, head first and results last", async (n) => {
    const parsed = JSON.parse(await run(jsonSink, n));
    expect(parsed.run_id).toBe("r-1");
    expect(parsed.rows).toHaveLength(n);
    expect(parsed.metrics.amount_still_missing).toBe((35 * n).toFixed(2));
    expect(parsed.status).toBe("completed");
    if (n > 0) expect(parsed.rows[0].detail).toContain('"quoted"');
  });
});

describe("csvSink", () => {
  it("writes a header and one quoted line per row", async () => {
    const csv = await run(csvSink, 2);
    const records = parse(csv, { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(records[0] ?? {})).toEqual(head.row_columns);
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({
      ord: "2",
      driver_id: "d2",
      lead_date: "2026-11-01",
      reclassified: "false",
      amount: "35.00",
    });
    expect(records[0]?.detail).toBe(row(1).detail);
  });

  it("writes only the header when there are no rows", async () => {
    expect((await run(csvSink, 0)).trim()).toBe(head.row_columns.join(","));
  });
});

describe("fileSink", () => {
  it("presents the file only when finished, and leaves nothing behind when aborted", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sink-"));
    const done = fileSink(join(dir, "done.json"), "json");
    await done.start(head);
    await done.row(row(1));
    expect(await readdir(dir)).toEqual(["done.json.partial"]);
    await done.finish(report(1));
    expect(JSON.parse(await readFile(join(dir, "done.json"), "utf8")).rows).toHaveLength(1);

    const aborted = fileSink(join(dir, "aborted.csv"), "csv");
    await aborted.start(head);
    await aborted.row(row(1));
    await aborted.abort(new Error("connection lost"));
    expect((await readdir(dir)).sort()).toEqual(["done.json"]);
  });
});
