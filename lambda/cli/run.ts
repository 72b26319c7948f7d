/**
 * The CLI's run: connects (checking the URL, TLS and credentials first: `connection.ts`), runs the job
 * once, prints the summary or the report on stdout and every warning on stderr, and maps the outcome to an
 * exit code (docs/cli.md).
 */
import type { ReconcileOptions } from "../config.js";
import { ledgerNeedsAttention } from "../core/ledger.js";
import type { Report, ReportSink } from "../core/types.js";
import { parseRunParameters } from "../params.js";
import { ReconcileCabinetClaims14d, type RunLogger } from "../reconcile.js";
import { fileSink } from "../report/file-sink.js";
import { type CliIo, EXIT, type LedgerUndoFlags, NAME, type RunFlags } from "./command.js";
import { connectionFromUrl, openPool, probe } from "./connection.js";
import { formatSummary, formatWarnings } from "./summary.js";

/**
 * Exit code of a run that returned a report: 3 when it needs a look (refresh failures, partial, or a real
 * run that proved claims it could not record).
 */
export function exitCodeOfReport(report: Report): number {
  if (report.status === "partial") return EXIT.attention;
  if (!report.parameters.dryRun && ledgerNeedsAttention(report.ledger?.outcome)) return EXIT.attention;
  return report.metrics.refresh_failures > 0 ? EXIT.attention : EXIT.ok;
}

/** Why a run exits 3, in one line. */
function attentionReason(report: Report): string {
  if (report.status === "partial") return "the run ended partial (time budget exhausted)";
  if (report.metrics.refresh_failures > 0)
    return `the run completed with ${report.metrics.refresh_failures} refresh failure(s)`;
  const ledger = report.ledger;
  return `the run proved ${ledger?.to_record ?? 0} claim(s) it did not record (${ledger?.outcome})`;
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
    // Like the object names, an option (flag, CLAIMS_LEDGER or the default), not a run parameter.
    claimsLedger: flags.claimsLedger,
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
    recordClaims: flags.recordClaims,
    maxRecord: flags.maxRecord,
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
    if (code === EXIT.attention) io.stderr(`${NAME}: ${attentionReason(report)}: exit 3\n`);
    return code;
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/**
 * `ledger undo --run-id ID [--dry-run]`: deletes the claims that run recorded and nobody changed since.
 * Prints how many were deleted (or would be) and how many a person changed and were kept.
 */
export async function ledgerUndoCommand(
  flags: LedgerUndoFlags,
  databaseUrl: string,
  io: CliIo,
): Promise<number> {
  const connection = connectionFromUrl(databaseUrl);
  const pool = openPool(connection, 1, NAME);
  try {
    await probe(pool, connection.target);
    const result = await new ReconcileCabinetClaims14d(pool, {
      claimsLedger: flags.claimsLedger,
    }).undoRecordedClaims(flags.runId, { dryRun: flags.dryRun });
    if (flags.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else if (!flags.quiet) {
      if (result.status === "skipped") {
        io.stdout(`ledger undo  SKIPPED  another run holds the lock; nothing was touched\n`);
      } else {
        const verb = result.dry_run ? "would delete" : "deleted";
        io.stdout(
          `ledger undo  ${result.table}  run ${result.run_id}: ${verb} ${result.deleted} claim(s) (S/ ${result.amount}); kept ${result.kept} a person or a payment changed since\n`,
        );
      }
    }
    return EXIT.ok;
  } finally {
    await pool.end().catch(() => undefined);
  }
}
