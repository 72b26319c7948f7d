/**
 * Streams the JSON report: the head (known at start), then each row as it is decided, then the results
 * (status, metrics, refreshes...) known only at the end. Rows are written a batch at a time (one write
 * per 200 rows instead of one per row), so memory holds at most one batch; JSON parsers do not care about
 * key order. Honours backpressure.
 */
import { once } from "node:events";
import type { Writable } from "node:stream";
import type { Report, ReportHead, ReportRow, ReportSink } from "../core/types.js";

export async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, "drain");
}

/**
 * Rows per write. Larger batches bought no measurable speed and raised the peak RSS of a large run
 * (bench/RESULTS.md, "Memory").
 */
const BATCH = 200;

export function jsonSink(out: Writable): ReportSink {
  let rows = 0;
  let pending: string[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const chunk = pending.join("");
    pending = [];
    await write(out, chunk);
  };
  return {
    async start(head: ReportHead) {
      const opening = JSON.stringify(head, null, 2);
      // Re-open the object after the head's closing brace to append the row array.
      await write(out, `${opening.slice(0, opening.lastIndexOf("}")).trimEnd()},\n  "rows": [`);
    },
    async row(row: ReportRow) {
      pending.push(`${rows === 0 ? "\n    " : ",\n    "}${JSON.stringify(row)}`);
      rows += 1;
      if (pending.length >= BATCH) await flush();
    },
    async finish(report: Report) {
      await flush();
      const { run_id, as_of, parameters, started_at, row_columns, rows: _rows, ...tail } = report;
      const body = JSON.stringify(tail, null, 2);
      await write(
        out,
        `${rows === 0 ? "" : "\n  "}],\n${body.slice(body.indexOf("{") + 1).replace(/^\n/, "")}\n`,
      );
      out.end();
      await once(out, "finish");
    },
    async abort(error: unknown) {
      pending = [];
      out.destroy(error instanceof Error ? error : new Error(String(error)));
    },
  };
}
