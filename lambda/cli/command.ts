/**
 * What the CLI's entry (`main.ts`) hands a command and what a command returns: the program's name, the
 * exit codes, the output streams and the parsed flags of each command. A module of its own so that the
 * commands (`run.ts`, `reference-load.ts`) need not import the entry that imports them.
 */
import type { Lang } from "../i18n/lang.js";

export const NAME = "reconcile-cabinet-claims-14d";

/** Exit codes (docs/contract.md §9.6, docs/cli.md). */
export const EXIT = {
  /** Completed with no refresh failure, or skipped because another run holds the lock. */
  ok: 0,
  /** The run failed (database, contract, source data...). */
  failed: 1,
  /** Bad input or configuration: a flag, the URL, the database name, the credentials. */
  usage: 2,
  /**
   * Completed with refresh failures, partial (time budget exhausted), or with proven claims it could not
   * record (no INSERT, over --max-record, refused): look at the warnings.
   */
  attention: 3,
} as const;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface RunFlags {
  daysBack: number;
  limit: number;
  onlyGaps: boolean;
  dryRun: boolean;
  onlyMilestone?: number;
  weekStart?: string;
  forceRefresh: boolean;
  refreshDependents: boolean;
  asOf?: string;
  recordClaims: boolean;
  claimsLedger: string;
  maxRecord: number;
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
  lockTimeout?: number;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
}

export interface LedgerUndoFlags {
  databaseUrl?: string;
  runId: string;
  claimsLedger: string;
  dryRun: boolean;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
}

export interface ReferenceLoadFlags {
  databaseUrl?: string;
  profile: string;
  seed: number;
  scale: number;
  asOf?: string;
  timeZone: string;
  force: boolean;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
}
