import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { text } from "node:stream/consumers";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { csvSink } from "../../lambda/report/csv-sink.js";
import { fileSink } from "../../lambda/report/file-sink.js";
import { jsonSink } from "../../lambda/report/json-sink.js";
import { sampleHead, sampleReport, sampleRow } from "../support/report-fixtures.js";

const head = sampleHead({
  row_columns: ["ord", "driver_id", "lead_date", "milestone_value", "detail", "reclassified", "amount"],
});
const row = sampleRow;
const report = (rows: number) => sampleReport(head, rows);

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
  it.each([0, 1, 3, 2_500])(
    "streams a valid report with %i rows (batches of 200), head first and results last",
    async (n) => {
      const parsed = JSON.parse(await run(jsonSink, n));
      expect(parsed.run_id).toBe("r-1");
      expect(parsed.rows).toHaveLength(n);
      expect(parsed.metrics.amount_still_missing).toBe((35 * n).toFixed(2));
      expect(parsed.status).toBe("completed");
      if (n > 0) expect(parsed.rows[0].detail).toContain('"quoted"');
      expect(parsed.rows.map((r: { ord: number }) => r.ord)).toEqual(
        Array.from({ length: n }, (_, i) => i + 1),
      );
    },
  );
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

  it("keeps every row, in order, across batches of 200", async () => {
    const records = parse(await run(csvSink, 2_500), { columns: true }) as Array<Record<string, string>>;
    expect(records.map((r) => Number(r.ord))).toEqual(Array.from({ length: 2_500 }, (_, i) => i + 1));
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
