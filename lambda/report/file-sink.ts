/**
 * Writes a report file so that a reader never sees a half-written one as complete: rows stream into
 * `<path>.partial`, renamed to `<path>` only when the report is finished; an aborted run deletes it.
 */
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { ReportSink } from "../core/types.js";
import { OutputError } from "../errors.js";
import type { Lang } from "../i18n/lang.js";
import { csvSink } from "./csv-sink.js";
import { htmlSink } from "./html-sink.js";
import { jsonSink } from "./json-sink.js";

export function fileSink(
  path: string,
  format: "json" | "csv" | "html",
  options: { lang?: Lang } = {},
): ReportSink {
  const partial = `${path}.partial`;
  let inner: ReportSink | undefined;
  const fail = (error: unknown) =>
    new OutputError(`cannot write ${path}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  return {
    async start(head) {
      try {
        await mkdir(dirname(path), { recursive: true });
        // The default buffer: the JSON and CSV sinks already write a thousand rows at a time.
        const out = createWriteStream(partial);
        await new Promise<void>((resolve, reject) => {
          out.once("open", () => resolve());
          out.once("error", reject);
        });
        inner =
          format === "json"
            ? jsonSink(out)
            : format === "csv"
              ? csvSink(out)
              : htmlSink(out, { lang: options.lang });
        await inner.start(head);
      } catch (error) {
        throw fail(error);
      }
    },
    async row(row) {
      await (inner as ReportSink).row(row);
    },
    async finish(report) {
      try {
        await (inner as ReportSink).finish(report);
        await rename(partial, path);
      } catch (error) {
        await rm(partial, { force: true });
        throw fail(error);
      }
    },
    async abort(error) {
      await inner?.abort(error);
      await rm(partial, { force: true });
    },
  };
}
