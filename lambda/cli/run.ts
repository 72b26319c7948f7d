/**
 * The CLI's run: connects (checking the URL, TLS and credentials first: `connection.ts`), runs the job
 * once, prints the summary or the report on stdout and every warning on stderr, and maps the outcome to an
 * exit code (docs/cli.md).
 */
import type { ReconcileOptions } from "../config.js";
import type { Report, ReportSink } from "../core/types.js";
import { parseRunParameters } from "../params.js";
import { ReconcileCabinetClaims14d, type RunLogger } from "../reconcile.js";
import { fileSink } from "../report/file-sink.js";
import { connectionFromUrl, openPool, probe } from "./connection.js";
import { type CliIo, EXIT, NAME, type RunFlags } from "./main.js";
import { formatSummary, formatWarnings } from "./summary.js";

/** Exit code of a run that returned a report: 3 when it needs a look (refresh failures, partial). */
export function exitCodeOfReport(report: Report): number {
  if (report.status === "partial") return EXIT.attention;
  return report.metrics.refresh_failures > 0 ? EXIT.attention : EXIT.ok;
}

export async function runCommand(flags: RunFlags, databaseUrl: string, io: CliIo): Promise<number> {
  const connection = connectionFromUrl(databaseUrl);
  const options: ReconcileOptions = {
    objects: {
      gapView: flags.gapView,
      claimsView: flags.claimsView,
      achievedView: flags.achievedView,
      paymentCalcView: flags.paymentCalcView,
      tripsTable: flags.tripsTable,
    },
    gapStatuses: flags.gapStatus
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    timeZone: flags.timeZone,
    refreshLockTimeoutMs: flags.refreshLockTimeout,
    refreshStatementTimeoutMs: flags.refreshStatementTimeout,
    statementTimeoutMs: flags.statementTimeout,
    lockTimeoutMs: flags.lockTimeout,
  };
  const params = {
    daysBack: flags.daysBack,
    limit: flags.limit,
    onlyGaps: flags.onlyGaps,
    dryRun: flags.dryRun,
    onlyMilestone: flags.onlyMilestone ?? null,
    weekStart: flags.weekStart ?? null,
    forceRefresh: flags.forceRefresh,
    refreshDependents: flags.refreshDependents,
    asOf: flags.asOf ?? null,
  };
  // Bad input is reported before anything dials (exit 2 without a network round trip).
  parseRunParameters(params);
  const sinks: ReportSink[] = [];
  const outputs: string[] = [];
  if (flags.outputJson) {
    sinks.push(fileSink(flags.outputJson, "json"));
    outputs.push(flags.outputJson);
  }
  if (flags.outputCsv) {
    sinks.push(fileSink(flags.outputCsv, "csv"));
    outputs.push(flags.outputCsv);
  }
  if (flags.outputHtml) {
    sinks.push(fileSink(flags.outputHtml, "html", { lang: flags.lang }));
    outputs.push(flags.outputHtml);
  }
  const line = (level: string, message: string, extra?: Record<string, unknown>) =>
    io.stderr(`${new Date().toISOString()} ${level}${message}${extra ? ` ${JSON.stringify(extra)}` : ""}\n`);
  const logger: RunLogger | undefined = flags.verbose
    ? {
        info: (message, extra) => line("", message, extra),
        warn: (message, extra) => line("WARN ", message, extra),
      }
    : undefined;
  if (flags.verbose) line("", `connecting to ${connection.target}; TLS: ${connection.tls}`);

  const pool = openPool(connection, 2, NAME);
  try {
    await probe(pool, connection.target);
    const report = await new ReconcileCabinetClaims14d(pool, options).runReconcile(params, {
      sinks,
      collectRows: false,
      logger,
    });
    if (flags.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    else if (!flags.quiet) io.stdout(formatSummary(report, outputs, flags.lang));
    for (const line of formatWarnings(report, NAME, flags.lang)) io.stderr(line);
    const code = exitCodeOfReport(report);
    if (code === EXIT.attention) {
      const why =
        report.status === "partial"
          ? "the run ended partial (time budget exhausted)"
          : `the run completed with ${report.metrics.refresh_failures} refresh failure(s)`;
      io.stderr(`${NAME}: ${why}: exit 3\n`);
    }
    return code;
  } finally {
    await pool.end().catch(() => undefined);
  }
}
