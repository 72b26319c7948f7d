/**
 * The CLI: the original runbook's flags over the same core the Lambda uses, plus `reference load`. The
 * summary (or, with --json, the report) goes to stdout; warnings and errors go to stderr, errors as one
 * line (a stack trace only with --verbose). Exit codes are in `EXIT` (`command.ts`) and docs/cli.md.
 *
 * This module only declares the commands: the run and the loader are imported when chosen, so that
 * `--help` and a usage error start in a few tens of milliseconds (the bundle splits them into chunks).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import {
  DEFAULT_CLAIMS_LEDGER,
  DEFAULT_GAP_STATUSES,
  DEFAULT_LOCK_TIMEOUT_MS,
  DEFAULT_OBJECTS,
  DEFAULT_TIME_ZONE,
} from "../config.js";
import { DEFAULT_MAX_RECORD } from "../core/ledger.js";
import {
  ConfigurationError,
  ContractError,
  CredentialsError,
  InputError,
  ReconcileError,
} from "../errors.js";
import { DEFAULT_LANG, LANGS, parseLang, REPORT_LANG_ENV } from "../i18n/lang.js";
import {
  type CliIo,
  EXIT,
  type LedgerUndoFlags,
  NAME,
  type ReferenceLoadFlags,
  type RunFlags,
} from "./command.js";

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
  maxRecord: "--max-record",
  claimsLedger: "--claims-ledger",
  runId: "--run-id",
};

const integer = (flag: string) => (value: string) => {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`${flag} must be a whole number`);
  return Number(value);
};

const positive = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!/^\d*\.?\d+$/.test(value.trim()) || !(n > 0)) throw new InvalidArgumentError(`${flag} must be > 0`);
  return n;
};

const databaseUrlOption = () =>
  new Option("--database-url <url>", "PostgreSQL connection string (postgresql://user:pw@host:5432/db)").env(
    "DATABASE_URL",
  );
const timeZoneOption = () =>
  new Option("--time-zone <zone>", "business time zone for CURRENT_DATE")
    .env("REPORT_TIME_ZONE")
    .default(DEFAULT_TIME_ZONE);

const claimsLedgerOption = () =>
  new Option("--claims-ledger <name>", "claims ledger table")
    .env("CLAIMS_LEDGER")
    .default(DEFAULT_CLAIMS_LEDGER);

type Chosen =
  | { command: "run"; flags: RunFlags }
  | { command: "reference load"; flags: ReferenceLoadFlags }
  | { command: "ledger undo"; flags: LedgerUndoFlags };

function program(io: CliIo, choose: (chosen: Chosen) => void): Command {
  const root = new Command()
    .name(NAME)
    .description(
      "Find cabinet 14-day milestone claims (M1/M5/M25) that should exist but do not, refresh the " +
        "materialized views they depend on (in dependency order), check again, and explain what remains.",
    )
    // The run's options belong to the run: `reference load --database-url ...` gives the URL to the loader.
    .enablePositionalOptions()
    // Set before the subcommands are added: they inherit both.
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: () => undefined });

  root
    .addOption(
      new Option("--days-back <n>", "only leads with as-of minus N days <= lead_date <= as-of")
        .default(21)
        .argParser(integer("--days-back")),
    )
    .addOption(
      new Option("--limit <n>", "analyse at most N gap rows (newest lead first)")
        .default(1000)
        .argParser(integer("--limit")),
    )
    .option("--only-gaps", "only rows whose claim_status is a gap status", false)
    .option("--dry-run", "analyse and show what would be refreshed; refresh nothing, take no lock", false)
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
    .option(
      "--record-claims",
      "write the claims the run proves (ALREADY_EXISTS / RESOLVED, priced by their rule) into the claims ledger, once per key; never changes a ledger row",
      false,
    )
    .addOption(claimsLedgerOption())
    .addOption(
      new Option(
        "--max-record <n>",
        "with --record-claims: more claims to record than N records none (exit 3)",
      )
        .default(DEFAULT_MAX_RECORD)
        .argParser(integer("--max-record")),
    )
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
    .addOption(databaseUrlOption())
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
    .addOption(timeZoneOption())
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
    .addOption(
      new Option(
        "--lock-timeout <ms>",
        `lock_timeout of the job's reads (default ${DEFAULT_LOCK_TIMEOUT_MS}): a read waiting longer on a lock fails as LockWaitError`,
      )
        .env("LOCK_TIMEOUT_MS")
        .argParser(integer("--lock-timeout")),
    )
    .option("--json", "print the report (without rows) as JSON on stdout instead of the summary", false)
    .option("--quiet", "print nothing on stdout; warnings and errors still go to stderr", false)
    .option("--verbose", "log phases to stderr and print stack traces on errors", false)
    .action(function (this: Command) {
      choose({ command: "run", flags: this.opts<RunFlags>() });
    })
    .addHelpText(
      "after",
      `
Exit codes: 0 completed (no refresh failure) or skipped (another run holds the lock); 1 the run
failed; 2 bad input or configuration (flags, URL, database name, credentials); 3 completed with
refresh failures, partial (time budget exhausted), or with proven claims it could not record.
Warnings and errors go to stderr.

TLS: without sslmode in the URL, a server that is not on this machine must present a certificate
that verifies (sslmode=disable is the explicit way out; sslrootcert= or NODE_EXTRA_CA_CERTS for a
private CA).

Examples:
  reconcile-cabinet-claims-14d --dry-run
  reconcile-cabinet-claims-14d --days-back 21 --limit 1000 --output-json out/report.json --output-csv out/report.csv
  reconcile-cabinet-claims-14d --only-milestone 5 --week-start 2026-11-16 --only-gaps
  reconcile-cabinet-claims-14d --record-claims --dry-run      (what a recording run would write)
  reconcile-cabinet-claims-14d ledger undo --run-id <run_id> --dry-run
  reconcile-cabinet-claims-14d reference load --database-url postgresql://me@localhost/reconcile_demo

The connection string comes from --database-url or DATABASE_URL (never printed). Details: docs/cli.md.`,
    );

  root
    .command("ledger")
    .description("the claims ledger rows this job recorded")
    .command("undo")
    .description(
      "delete exactly the claims one run recorded and nobody changed since (status still generated, reason naming the run), in one transaction",
    )
    .requiredOption("--run-id <id>", "the run_id of the report whose recorded claims to delete")
    .option("--dry-run", "count what would be deleted; delete nothing", false)
    .addOption(claimsLedgerOption())
    .addOption(databaseUrlOption())
    .option("--json", "print the result as JSON on stdout", false)
    .option("--quiet", "print nothing on stdout", false)
    .option("--verbose", "print stack traces on errors", false)
    .action(function (this: Command) {
      choose({ command: "ledger undo", flags: this.opts<LedgerUndoFlags>() });
    });

  const reference = root
    .command("reference")
    .description("the reference schema and generated data (to try the job on your own PostgreSQL)");
  reference
    .command("load")
    .description(
      "create the reference schema in a database and fill it with generated data (idempotent: a second " +
        "load replaces the data); refuses a database that holds other objects unless --force",
    )
    .addOption(databaseUrlOption())
    .addOption(
      new Option("--profile <name>", "which views to build")
        .choices(["reference", "deployment"])
        .default("reference"),
    )
    .addOption(
      new Option("--seed <n>", "random seed of the generated data").default(1).argParser(integer("--seed")),
    )
    .addOption(
      new Option("--scale <s>", "data volume; 1 is about the deployment's size (126k drivers)")
        .default(0.1)
        .argParser(positive("--scale")),
    )
    .option("--as-of <date>", "the day the data is relative to (default: today in --time-zone)")
    .addOption(timeZoneOption())
    .option(
      "--force",
      "load even though the database holds other objects (same-named tables are emptied)",
      false,
    )
    .option("--json", "print what was loaded as JSON on stdout", false)
    .option("--quiet", "print nothing on stdout", false)
    .option("--verbose", "print stack traces on errors", false)
    .action(function (this: Command) {
      choose({ command: "reference load", flags: this.opts<ReferenceLoadFlags>() });
    })
    .addHelpText(
      "after",
      `
Example:
  createdb reconcile_demo
  reconcile-cabinet-claims-14d reference load --database-url postgresql://me@localhost/reconcile_demo
  reconcile-cabinet-claims-14d --database-url postgresql://me@localhost/reconcile_demo --dry-run`,
    );
  return root;
}

/** One option of one command as the program declares it (`run` is the root command). */
export interface CliOption {
  readonly command: string;
  readonly flag: string;
  readonly env: string | undefined;
}

/** Every option of every command, in declaration order: what docs/cli.md must name (its test checks). */
export function cliOptions(): CliOption[] {
  const options: CliOption[] = [];
  const walk = (command: Command, path: readonly string[]) => {
    for (const o of command.options) {
      options.push({ command: path.join(" ") || "run", flag: o.long ?? o.flags, env: o.envVar });
    }
    for (const sub of command.commands) walk(sub, [...path, sub.name()]);
  };
  const silent: CliIo = { stdout: () => undefined, stderr: () => undefined };
  walk(
    program(silent, () => undefined),
    [],
  );
  return options;
}

export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let chosen: Chosen | undefined;
  try {
    await program(io, (c) => {
      chosen = c;
    }).parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return EXIT.ok;
      // `help` as a command (or no subcommand for `reference`) prints help and "exits" 0 or 1.
      if (error.code === "commander.help") return EXIT.ok;
      io.stderr(`${NAME}: ${error.message.replace(/^error: /, "")}\n`);
      return EXIT.usage;
    }
    throw error;
  }
  if (!chosen) return EXIT.usage;
  const verbose = chosen.flags.verbose;
  try {
    if (!chosen.flags.databaseUrl) {
      throw new ConfigurationError("no database: pass --database-url or set DATABASE_URL");
    }
    if (chosen.command === "run") {
      const { runCommand } = await import("./run.js");
      return await runCommand(chosen.flags, chosen.flags.databaseUrl, io);
    }
    if (chosen.command === "ledger undo") {
      const { ledgerUndoCommand } = await import("./run.js");
      return await ledgerUndoCommand(chosen.flags, chosen.flags.databaseUrl, io);
    }
    const { referenceLoadCommand } = await import("./reference-load.js");
    return await referenceLoadCommand(chosen.flags, chosen.flags.databaseUrl, io);
  } catch (error) {
    io.stderr(`${NAME}: ${describe(error)}\n`);
    if (verbose && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    return exitCodeOf(error);
  }
}

/**
 * 2 for what a person must fix before trying again (input, configuration, credentials, a database privilege
 * the role lacks); 1 otherwise.
 */
export function exitCodeOf(error: unknown): number {
  return error instanceof InputError ||
    error instanceof ConfigurationError ||
    error instanceof CredentialsError ||
    (error instanceof ContractError && error.privilege !== undefined)
    ? EXIT.usage
    : EXIT.failed;
}

/** One line: the error's name and message, with run parameters renamed to the flags the operator typed. */
export function describe(error: unknown): string {
  if (error instanceof InputError && error.issues.length > 0) {
    return `InputError: ${error.issues.map((i) => `${FLAG[i.field] ?? i.field} ${i.message}`).join("; ")}`;
  }
  const line =
    error instanceof ReconcileError || error instanceof Error
      ? `${error.name}: ${error.message}`
      : String(error);
  // One line, whatever PostgreSQL or a library put in the message.
  return line.replace(/\s*\n\s*/g, " ");
}
