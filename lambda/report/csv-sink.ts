/**
 * Streams one CSV line per analysed row (csv-stringify does the quoting: commas, quotes and newlines in
 * `detail` or a driver id are safe). Columns are the report's `row_columns`; null is an empty cell.
 */
import { once } from "node:events";
import type { Writable } from "node:stream";
import { stringify } from "csv-stringify";
import type { ReportRow, ReportSink } from "../core/types.js";

export function csvSink(out: Writable): ReportSink {
  let stringifier: ReturnType<typeof stringify> | undefined;
  return {
    async start(head) {
      stringifier = stringify({
        header: true,
        columns: head.row_columns,
        cast: { boolean: (v) => String(v) },
      });
      stringifier.on("error", (error) => out.destroy(error));
      stringifier.pipe(out);
    },
    async row(row: ReportRow) {
      if (!stringifier) throw new Error("csvSink: row() before start()");
      if (!stringifier.write(row)) await once(stringifier, "drain");
    },
    async finish() {
      if (!stringifier) throw new Error("csvSink: finish() before start()");
      stringifier.end();
      await once(out, "finish");
    },
    async abort(error: unknown) {
      stringifier?.unpipe(out);
      stringifier?.destroy();
      out.destroy(error instanceof Error ? error : new Error(String(error)));
    },
  };
}
