/**
 * The HTML report as a sink: rows are gathered as they stream (up to `HTML_MAX_ROWS`), and the page is
 * written once the report is finished, because its headline comes first and is known only at the end (its
 * figures are the finished report's, covering every row). Written in chunks with backpressure.
 */
import { once } from "node:events";
import type { Writable } from "node:stream";
import type { Report, ReportHead, ReportRow, ReportSink } from "../core/types.js";
import { DEFAULT_LANG, type Lang } from "../i18n/lang.js";
import { HtmlReportCollector, type HtmlRow } from "./html-collect.js";
import { renderHtmlReport } from "./html-render.js";

export interface HtmlSinkOptions {
  lang?: Lang;
  /** Rows listed on the page (default `HTML_MAX_ROWS`). */
  maxRows?: number;
}

export function htmlSink(out: Writable, options: HtmlSinkOptions = {}): ReportSink {
  let collector: HtmlReportCollector | undefined;
  return {
    async start(_head: ReportHead) {
      collector = new HtmlReportCollector(options.maxRows);
    },
    async row(row: ReportRow) {
      if (!collector) throw new Error("htmlSink: row() before start()");
      collector.add(row as HtmlRow);
    },
    async finish(report: Report) {
      if (!collector) throw new Error("htmlSink: finish() before start()");
      for (const chunk of renderHtmlReport(report, collector, { lang: options.lang ?? DEFAULT_LANG })) {
        if (!out.write(chunk)) await once(out, "drain");
      }
      out.end();
      await once(out, "finish");
    },
    async abort(error: unknown) {
      collector = undefined;
      out.destroy(error instanceof Error ? error : new Error(String(error)));
    },
  };
}

/** The page of a report that holds its rows (the library's default), as one string. */
export function htmlReport(report: Report, options: HtmlSinkOptions = {}): string {
  const collector = new HtmlReportCollector(options.maxRows);
  for (const row of report.rows ?? []) collector.add(row as HtmlRow);
  return [...renderHtmlReport(report, collector, { lang: options.lang ?? DEFAULT_LANG })].join("");
}
