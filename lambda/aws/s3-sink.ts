/**
 * Writes a report to S3 while the run decides its rows: the JSON or CSV serializer writes into a
 * PassThrough that `@aws-sdk/lib-storage` uploads (one PutObject when small, a multipart upload in 5 MiB
 * parts when large), so memory stays flat whatever the number of rows. The object appears only when the
 * upload completes; an aborted run aborts the multipart upload, so no half report is ever visible.
 */
import { PassThrough } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { Report, ReportHead, ReportRow, ReportSink } from "../core/types.js";
import { OutputError } from "../errors.js";
import type { Lang } from "../i18n/lang.js";
import { csvSink } from "../report/csv-sink.js";
import { htmlSink } from "../report/html-sink.js";
import { jsonSink } from "../report/json-sink.js";

export type ReportFormat = "json" | "csv" | "html";

const CONTENT_TYPE: Readonly<Record<ReportFormat, string>> = {
  json: "application/json; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  html: "text/html; charset=utf-8",
};

/** Parts in flight at once: with 5 MiB parts, at most ~10 MiB of report is held in memory. */
const QUEUE_SIZE = 2;

export interface S3SinkOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix without slashes at either end (`reports`); empty for the bucket root. */
  prefix: string;
  format: ReportFormat;
  /** IANA zone in which the run's date (`dt=`) is counted. */
  timeZone: string;
  /** Language of the HTML report. */
  lang?: Lang;
}

export interface S3ReportSink extends ReportSink {
  /** `s3://bucket/key` once the run started (the key needs its id and date), else undefined. */
  readonly uri: string | undefined;
}

/** The calendar date of an instant in a time zone, `YYYY-MM-DD`. */
export function dateIn(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(instant);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** `<prefix>/dt=YYYY-MM-DD/<run_id>.<format>`, the date being the run's start in the business time zone. */
export function reportKey(prefix: string, head: ReportHead, format: ReportFormat, timeZone: string): string {
  const dt = dateIn(new Date(head.started_at), timeZone);
  return `${prefix ? `${prefix}/` : ""}dt=${dt}/${head.run_id}.${format}`;
}

export function s3Sink(options: S3SinkOptions): S3ReportSink {
  let key: string | undefined;
  let body: PassThrough | undefined;
  let inner: ReportSink | undefined;
  let done: Promise<unknown> | undefined;
  /** Rejects as soon as the upload fails, so a writer waiting for `drain` does not wait forever. */
  let failed: Promise<never> | undefined;
  const where = () => `s3://${options.bucket}/${key}`;
  const fail = (error: unknown) =>
    error instanceof OutputError
      ? error
      : new OutputError(`cannot write ${where()}: ${describe(error)}`, { cause: error });
  const guarded = async (work: Promise<void>) => {
    try {
      await Promise.race([work, failed]);
    } catch (error) {
      throw fail(error);
    }
  };

  return {
    get uri() {
      return key === undefined ? undefined : where();
    },
    async start(head: ReportHead) {
      key = reportKey(options.prefix, head, options.format, options.timeZone);
      const stream = new PassThrough();
      // Errors reach the writer through `failed`; this listener only keeps them from being "unhandled".
      stream.on("error", () => undefined);
      body = stream;
      const upload = new Upload({
        client: options.client,
        queueSize: QUEUE_SIZE,
        leavePartsOnError: false,
        params: {
          Bucket: options.bucket,
          Key: key,
          Body: stream,
          ContentType: CONTENT_TYPE[options.format],
        },
      });
      let reject: (error: unknown) => void = () => undefined;
      failed = new Promise<never>((_, r) => {
        reject = r;
      });
      failed.catch(() => undefined);
      done = upload.done().catch((error: unknown) => {
        stream.destroy(error instanceof Error ? error : new Error(String(error)));
        reject(error);
        throw error;
      });
      done.catch(() => undefined);
      inner =
        options.format === "json"
          ? jsonSink(stream)
          : options.format === "csv"
            ? csvSink(stream)
            : htmlSink(stream, { lang: options.lang });
      await guarded(inner.start(head));
    },
    async row(row: ReportRow) {
      await guarded((inner as ReportSink).row(row));
    },
    async finish(report: Report) {
      await guarded((inner as ReportSink).finish(report));
      try {
        await done;
      } catch (error) {
        throw fail(error);
      }
    },
    async abort(error: unknown) {
      if (!inner || !body) return;
      // Ending the body with an error makes the upload stop reading, wait for parts in flight, send
      // AbortMultipartUpload (when it had started one) and reject; a small report was never sent at all.
      await inner.abort(error).catch(() => undefined);
      if (!body.destroyed) body.destroy(error instanceof Error ? error : new Error(String(error)));
      await done?.catch(() => undefined);
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
