/**
 * The CLI: the original runbook's flags over the same core the Lambda uses. Prints the human summary on
 * stdout; errors are one line on stderr (a stack trace only with --verbose). Exit codes: 0 completed or
 * skipped, 1 run failed, 2 bad input or configuration, 3 partial or a refresh failed.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import pg from "pg";
import { DEFAULT_GAP_STATUSES, DEFAULT_OBJECTS, type ReconcileOptions } from "../config.js";
import type { ReportSink } from "../core/types.js";
import { ConfigurationError, InputError, ReconcileError } from "../errors.js";
import { DEFAULT_LANG, LANGS, type Lang, parseLang, REPORT_LANG_ENV } from "../i18n/lang.js";
import { ReconcileCabinetClaims14d, type RunLogger } from "../reconcile.js";
import { fileSink } from "../report/file-sink.js";
import { formatSummary } from "./summary.js";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Flag of each run parameter, so a validation message names what the operator typed. */
const FLAG: Readonly<Record<string, string>> = {
  daysBack: "--days-back",
  limit: "--limit",
  onlyMilestone: "--only-milestone",
  weekStart: "--week-start",
  asOf: "--as-of",
  gapStatuses: "--gap-status",
};

const integer = (flag: string) => (value: string) => {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`${flag} must be a whole number`);
  return Number(value);
};

function program(io: CliIo): Command {
  return new Command()
    .name("reconcile-cabinet-claims-14d")
    .description(
      "Find cabinet 14-day milestone claims (M1/M5/M25) that should exist but do not, refresh the " +
        "materialized views they depend on (in dependency order), check again, and explain what remains.",
    )
    .addOption(
      new Option("--days-back <n>", "only leads with lead_date >= as-of minus N days")
        .default(21)
        .argParser(integer("--days-back")),
    )
    .addOption(
      new Option("--limit <n>", "analyse at most N gap rows (newest lead first)")
        .default(1000)
        .argParser(integer("--limit")),
    )
    .option("--only-gaps", "only rows whose claim_status is a gap status", false)
    .option("--dry-run", "analyse and show what would be refreshed; refresh nothing", false)
    .addOption(
      new Option("--only-milestone <m>", "one milestone: 1, 5 or 25").argParser(integer("--only-milestone")),
    )
    .option("--week-start <date>", "one ISO week, given by its Monday (YYYY-MM-DD)")
    .option("--force-refresh", "refresh even when no analysed row needs it", false)
    .option(
      "--no-refresh-dependents",
      "do not refresh the materialized views built on the claims view after the re-verify",
    )
    .option("--as-of <date>", "day the window is counted from (default: the database's CURRENT_DATE)")
    .option("--output-json <path>", "write the full report as JSON")
    .option("--output-csv <path>", "write one CSV line per analysed row")
    .option("--output-html <path>", "write the report a person reads: one self-contained HTML page")
    .addOption(
      new Option("--lang <lang>", "language of the summary and the HTML page: en or es")
        .env(REPORT_LANG_ENV)
        .default(DEFAULT_LANG)
        .argParser((value) => {
          const lang = parseLang(value);
          if (!lang) throw new InvalidArgumentError(`--lang must be one of ${LANGS.join(", ")}`);
          return lang;
        }),
    )
    .addOption(new Option("--database-url <url>", "PostgreSQL connection string").env("DATABASE_URL"))
    .addOption(new Option("--gap-view <name>", "gap view").env("GAP_VIEW").default(DEFAULT_OBJECTS.gapView))
    .addOption(
      new Option("--claims-view <name>", "claims view")
        .env("CLAIMS_VIEW")
        .default(DEFAULT_OBJECTS.claimsView),
    )
    .addOption(
      new Option("--achieved-view <name>", "canonical achieved view")
        .env("ACHIEVED_VIEW")
        .default(DEFAULT_OBJECTS.achievedView),
    )
    .addOption(
      new Option("--payment-calc-view <name>", "payment calculation view")
        .env("PAYMENT_CALC_VIEW")
        .default(DEFAULT_OBJECTS.paymentCalcView),
    )
    .addOption(
      new Option("--trips-table <name>", "daily trips table")
        .env("TRIPS_TABLE")
        .default(DEFAULT_OBJECTS.tripsTable),
    )
    .addOption(
      new Option("--gap-status <words>", "comma-separated claim_status words that mean gap")
        .env("GAP_STATUSES")
        .default(DEFAULT_GAP_STATUSES.join(",")),
    )
    .addOption(
      new Option("--time-zone <zone>", "business time zone for CURRENT_DATE")
        .env("REPORT_TIME_ZONE")
        .default("America/Lima"),
    )
    .addOption(
      new Option("--refresh-lock-timeout <ms>", "lock_timeout of each refresh")
        .env("REFRESH_LOCK_TIMEOUT_MS")
        .argParser(integer("--refresh-lock-timeout")),
    )
    .addOption(
      new Option("--refresh-statement-timeout <ms>", "statement_timeout of each refresh")
        .env("REFRESH_STATEMENT_TIMEOUT_MS")
        .argParser(integer("--refresh-statement-timeout")),
    )
    .addOption(
      new Option("--statement-timeout <ms>", "statement_timeout of the job's reads")
        .env("STATEMENT_TIMEOUT_MS")
        .argParser(integer("--statement-timeout")),
    )
    .option("--json", "print the report (without rows) as JSON instead of the summary", false)
    .option("--verbose", "log phases to stderr and print stack traces on errors", false)
    .addHelpText(
      "after",
      `
Exit codes: 0 completed or skipped (another run holds the lock), 1 failed, 2 bad input or
configuration, 3 partial (time budget exhausted).

Examples:
  reconcile-cabinet-claims-14d --dry-run
  reconcile-cabinet-claims-14d --days-back 21 --limit 1000 --output-json out/report.json --output-csv out/report.csv
  reconcile-cabinet-claims-14d --only-milestone 5 --week-start 2026-11-16 --only-gaps

The connection string comes from --database-url or DATABASE_URL (never printed).`,
    )
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: () => undefined });
}

interface Flags {
  daysBack: number;
  limit: number;
  onlyGaps: boolean;
  dryRun: boolean;
  onlyMilestone?: number;
  weekStart?: string;
  forceRefresh: boolean;
  refreshDependents: boolean;
  asOf?: string;
  outputJson?: string;
  outputCsv?: string;
  outputHtml?: string;
  lang: Lang;
  databaseUrl?: string;
  gapView: string;
  claimsView: string;
  achievedView: string;
  paymentCalcView: string;
  tripsTable: string;
  gapStatus: string;
  timeZone: string;
  refreshLockTimeout?: number;
  refreshStatementTimeout?: number;
  statementTimeout?: number;
  json: boolean;
  verbose: boolean;
}

export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const cli = program(io);
  let flags: Flags;
  try {
    cli.parse([...argv], { from: "user" });
    flags = cli.opts<Flags>();
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
      io.stderr(`reconcile-cabinet-claims-14d: ${error.message.replace(/^error: /, "")}\n`);
      return 2;
    }
    throw error;
  }

  if (!flags.databaseUrl) {
    io.stderr("reconcile-cabinet-claims-14d: no database: pass --database-url or set DATABASE_URL\n");
    return 2;
  }
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
  const logger: RunLogger | undefined = flags.verbose
    ? {
        info: (message, extra) =>
          io.stderr(`${new Date().toISOString()} ${message} ${extra ? JSON.stringify(extra) : ""}\n`),
        warn: (message, extra) =>
          io.stderr(`${new Date().toISOString()} WARN ${message} ${extra ? JSON.stringify(extra) : ""}\n`),
      }
    : undefined;

  const pool = new pg.Pool({ connectionString: flags.databaseUrl, max: 2, connectionTimeoutMillis: 15_000 });
  // An idle client that dies (server restart) must not crash the process with an unhandled 'error'.
  pool.on("error", () => undefined);
  try {
    const report = await new ReconcileCabinetClaims14d(pool, options).runReconcile(params, {
      sinks,
      collectRows: false,
      logger,
    });
    if (flags.json) {
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      for (const warning of report.warnings) io.stderr(`WARNING: ${warning}\n`);
    } else io.stdout(formatSummary(report, outputs, flags.lang));
    // 3: the run did not finish its work (partial), or a refresh failed (docs/contract.md §9.6): an
    // operator's cron must see both, since the report alone would look like a normal day.
    return report.status === "partial" || report.metrics.refresh_failures > 0 ? 3 : 0;
  } catch (error) {
    io.stderr(`reconcile-cabinet-claims-14d: ${describe(error)}\n`);
    if (flags.verbose && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    return error instanceof InputError || error instanceof ConfigurationError ? 2 : 1;
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/** One line: the error's name and message, with run parameters renamed to the flags the operator typed. */
function describe(error: unknown): string {
  if (error instanceof InputError && error.issues.length > 0) {
    return `InputError: ${error.issues.map((i) => `${FLAG[i.field] ?? i.field} ${i.message}`).join("; ")}`;
  }
  if (error instanceof ReconcileError) return `${error.name}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
