import { PutObjectCommand, S3Client, UploadPartCommand } from "@aws-sdk/client-s3";
import { parse } from "csv-parse/sync";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { dateIn, reportKey, s3Sink } from "../../lambda/aws/s3-sink.js";
import { OutputError } from "../../lambda/errors.js";
import { sampleHead, sampleReport, sampleRow } from "../support/report-fixtures.js";
import { captureS3 } from "../support/s3-capture.js";

const head = sampleHead({
  run_id: "0b5e7c1e-run",
  // 03:30 UTC is still the 23rd in Lima (UTC-5): the partition is the business day, not UTC's.
  started_at: "2026-11-24T03:30:00.000Z",
});
const row = (ord: number) =>
  sampleRow(ord, {
    driver_id: `driver-${ord}`,
    detail: `trips in window [2026-11-01, 2026-11-15): 4 < 5; "quoted", comma ${"x".repeat(200)}`,
  });
const report = (rows: number) => sampleReport(head, rows, { refresh_skipped: "dry-run" });

describe("s3Sink", () => {
  const s3 = captureS3();
  const client = new S3Client({ region: "us-east-1" });
  const sink = (format: "json" | "csv") =>
    s3Sink({ client, bucket: "reports-bucket", prefix: "reports", format, timeZone: "America/Lima" });

  beforeEach(() => s3.reset());
  afterAll(() => s3.mock.restore());

  it("names the object <prefix>/dt=<business day>/<run_id>.<format>", () => {
    expect(dateIn(new Date(head.started_at), "America/Lima")).toBe("2026-11-23");
    expect(dateIn(new Date(head.started_at), "UTC")).toBe("2026-11-24");
    expect(reportKey("reports", head, "json", "America/Lima")).toBe(
      "reports/dt=2026-11-23/0b5e7c1e-run.json",
    );
    expect(reportKey("", head, "csv", "UTC")).toBe("dt=2026-11-24/0b5e7c1e-run.csv");
  });

  it("uploads a small report with one PutObject and the right content types", async () => {
    // Prepare
    const json = sink("json");
    const csv = sink("csv");
    // Act
    for (const s of [json, csv]) await s.start(head);
    for (let i = 1; i <= 3; i++) for (const s of [json, csv]) await s.row(row(i));
    for (const s of [json, csv]) await s.finish(report(3));
    // Assess
    expect(json.uri).toBe("s3://reports-bucket/reports/dt=2026-11-23/0b5e7c1e-run.json");
    const j = s3.read(json.uri as string);
    expect(j.object).toMatchObject({ via: "put", contentType: "application/json; charset=utf-8" });
    const parsed = JSON.parse(j.text);
    expect(parsed.run_id).toBe(head.run_id);
    expect(parsed.rows).toHaveLength(3);
    expect(parsed.metrics.amount_still_missing).toBe("105.00");
    const c = s3.read(csv.uri as string);
    expect(c.object.contentType).toBe("text/csv; charset=utf-8");
    const records = parse(c.text, { columns: true }) as Array<Record<string, string>>;
    expect(records.map((r) => r.driver_id)).toEqual(["driver-1", "driver-2", "driver-3"]);
    expect(records[0]?.detail).toBe(row(1).detail);
  });

  it("streams a large report as a multipart upload in 5 MiB parts", async () => {
    const json = sink("json");
    await json.start(head);
    const rows = 25_000; // ~10 MiB of JSON
    for (let i = 1; i <= rows; i++) await json.row(row(i));
    await json.finish(report(rows));
    const { text, object } = s3.read(json.uri as string);
    expect(object.via).toBe("multipart");
    expect(object.parts).toBeGreaterThanOrEqual(2);
    const parsed = JSON.parse(text);
    expect(parsed.rows).toHaveLength(rows);
    expect(parsed.rows[rows - 1].driver_id).toBe(`driver-${rows}`);
    expect(s3.openUploads()).toBe(0);
  });

  it("aborts a multipart upload when the run fails: no object, no open upload", async () => {
    const json = sink("json");
    await json.start(head);
    for (let i = 1; i <= 20_000; i++) await json.row(row(i));
    await json.abort(new Error("run failed"));
    expect(s3.objects.size).toBe(0);
    expect(s3.aborted).toEqual(["reports-bucket/reports/dt=2026-11-23/0b5e7c1e-run.json"]);
    expect(s3.openUploads()).toBe(0);
  });

  it("sends nothing for a small report when the run fails", async () => {
    const csv = sink("csv");
    await csv.start(head);
    await csv.row(row(1));
    await csv.abort(new Error("run failed"));
    expect(s3.objects.size).toBe(0);
    expect(s3.mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it("abort before start is a no-op", async () => {
    await expect(sink("json").abort(new Error("input"))).resolves.toBeUndefined();
  });

  it("an S3 failure mid-stream becomes an OutputError instead of a stalled writer", async () => {
    s3.mock
      .on(UploadPartCommand)
      .rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
    const json = sink("json");
    await json.start(head);
    const write = async () => {
      for (let i = 1; i <= 40_000; i++) await json.row(row(i));
      await json.finish(report(40_000));
    };
    const error = await write().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputError);
    expect((error as Error).name).toBe("OutputError");
    expect((error as Error).message).toMatch(/s3:\/\/reports-bucket\/reports\/dt=2026-11-23\/.*AccessDenied/);
    await json.abort(error);
    expect(s3.objects.size).toBe(0);
  });

  it("a failed PutObject at the end is an OutputError", async () => {
    s3.mock.on(PutObjectCommand).rejects(Object.assign(new Error("Slow Down"), { name: "SlowDown" }));
    const csv = sink("csv");
    await csv.start(head);
    await csv.row(row(1));
    await expect(csv.finish(report(1))).rejects.toThrow(OutputError);
  });
});
