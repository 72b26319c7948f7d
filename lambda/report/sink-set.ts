/**
 * The outputs of one run (files, S3 uploads) driven together: they write to independent places, so each
 * step runs on all of them at once and waits for all to settle before reporting the first failure, so an
 * abort never races a start or finish still running. A run with no output is a set with none.
 */
import type { Report, ReportHead, ReportRow, ReportSink } from "../core/types.js";

export class SinkSet {
  constructor(readonly sinks: readonly ReportSink[] = []) {}

  start(head: ReportHead): Promise<void> {
    return this.#all((sink) => sink.start(head));
  }

  /** One row to every output in turn, each with its own backpressure. */
  async row(row: ReportRow): Promise<void> {
    for (const sink of this.sinks) await sink.row(row);
  }

  finish(report: Report): Promise<void> {
    return this.#all((sink) => sink.finish(report));
  }

  /** Discards every half-written output; never throws (the run's own error is the one to report). */
  async abort(error: unknown): Promise<void> {
    await Promise.allSettled(this.sinks.map((sink) => sink.abort(error)));
  }

  async #all(fn: (sink: ReportSink) => Promise<void>): Promise<void> {
    const results = await Promise.allSettled(this.sinks.map(fn));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}
