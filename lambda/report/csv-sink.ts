/**
 * Streams one CSV line per analysed row (csv-stringify does the quoting: commas, quotes and newlines in
 * `detail` or a driver id are safe). Columns are the report's `row_columns`; null is an empty cell. Rows
 * are quoted a batch at a time (the library's per-record stream costs far more than its work) and written
 * with backpressure, so memory holds at most one batch.
 */
import { once } from "node:events";
import type { Writable } from "node:stream";
import { stringify } from "csv-stringify/sync";
import type { ReportRow, ReportSink } from "../core/types.js";

/** Rows per `stringify` call and write: as in the JSON sink, larger batches only raise the peak RSS. */
const BATCH = 200;

export function csvSink(out: Writable): ReportSink {
  let columns: string[] | undefined;
  let pending: ReportRow[] = [];
  let headerWritten = false;

  const write = async (chunk: string) => {
    if (chunk !== "" && !out.write(chunk)) await once(out, "drain");
  };
  const flush = async () => {
    if (!columns) throw new Error("csvSink: row() or finish() before start()");
    const names = columns;
    // Arrays in column order: the library's lookup of object keys by path costs more than the quoting.
    const records = pending.map((row) =>
      names.map((name) => (row as unknown as Record<string, unknown>)[name]),
    );
    pending = [];
    if (records.length === 0 && headerWritten) return;
    await write(stringify(records, { header: !headerWritten, columns, cast: { boolean: (v) => String(v) } }));
    headerWritten = true;
  };

  return {
    async start(head) {
      columns = head.row_columns;
    },
    async row(row: ReportRow) {
      pending.push(row);
      if (pending.length >= BATCH) await flush();
    },
    async finish() {
      await flush();
      out.end();
      await once(out, "finish");
    },
    async abort(error: unknown) {
      pending = [];
      out.destroy(error instanceof Error ? error : new Error(String(error)));
    },
  };
}
