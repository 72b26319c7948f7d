/**
 * Names of the environment variables the Lambda reads at cold start. The CDK stack imports the same
 * constants, so the function and its infrastructure cannot drift apart.
 */
import { REPORT_LANG_ENV } from "../i18n/lang.js";

export const ENV = {
  /** Secrets Manager secret (name or ARN) holding the RDS-shaped JSON credentials. */
  dbSecretId: "DB_SECRET_ID",
  /** Alternative to the secret, for running outside AWS (never set in the stack). */
  databaseUrl: "DATABASE_URL",
  /** TLS to the database: `verify-full` (default), `require` (encrypt, no verification) or `disable`. */
  dbSslMode: "DB_SSL_MODE",
  outputBucket: "OUTPUT_BUCKET",
  /** Key prefix for reports: `<prefix>/dt=YYYY-MM-DD/<run_id>.json|csv|html`. */
  outputPrefix: "OUTPUT_PREFIX",
  gapView: "GAP_VIEW",
  claimsView: "CLAIMS_VIEW",
  achievedView: "ACHIEVED_VIEW",
  paymentCalcView: "PAYMENT_CALC_VIEW",
  tripsTable: "TRIPS_TABLE",
  /** The claims ledger a run with `recordClaims` writes (default `canon.claims_yango_cabinet_14d`). */
  claimsLedger: "CLAIMS_LEDGER",
  /** Comma-separated `claim_status` words that mean "gap" (default `MISSING,CLAIM_NOT_GENERATED`). */
  gapStatuses: "GAP_STATUSES",
  /** IANA zone the business day is counted in (default `America/Lima`). */
  timeZone: "REPORT_TIME_ZONE",
  /** Language of the HTML report, `en` (default) or `es` (the operators'); same variable as the CLI's. */
  reportLang: REPORT_LANG_ENV,
  refreshLockTimeoutMs: "REFRESH_LOCK_TIMEOUT_MS",
  refreshStatementTimeoutMs: "REFRESH_STATEMENT_TIMEOUT_MS",
  statementTimeoutMs: "STATEMENT_TIMEOUT_MS",
  /** `lock_timeout` of the reads (default 30 s); an event's `lockTimeoutMs` overrides it for one run. */
  lockTimeoutMs: "LOCK_TIMEOUT_MS",
  /** Powertools conventions. */
  serviceName: "POWERTOOLS_SERVICE_NAME",
  metricsNamespace: "POWERTOOLS_METRICS_NAMESPACE",
  logLevel: "POWERTOOLS_LOG_LEVEL",
} as const;

export const DEFAULT_SERVICE_NAME = "reconcile-cabinet-claims-14d";
export const DEFAULT_METRICS_NAMESPACE = "ReconcileCabinetClaims14d";

/** CloudWatch metric names (one dimension: `service`). Alarms and the dashboard use these. */
export const METRIC = {
  processed: "Processed",
  gapsFound: "GapsFound",
  claimsShouldExist: "ClaimsShouldExist",
  claimsAlreadyExist: "ClaimsAlreadyExist",
  invalidConditions: "InvalidConditions",
  refreshedViews: "RefreshedViews",
  resolvedAfterRefresh: "ResolvedAfterRefresh",
  stillMissing: "StillMissing",
  amountStillMissing: "AmountStillMissing",
  /** Money of STILL_MISSING and WOULD_REFRESH rows, once per claim key (a dry run shows it too). */
  amountAtRisk: "AmountAtRisk",
  /**
   * The part of `AmountAtRisk` 15+ days overdue (collect now). Published only by a run whose window reaches
   * that far (`coversCollectNow(aging_reach_days)`, i.e. `daysBack` 29 or more): a shorter window's zero
   * would be the window's blindness, not the debtors' payment, and would keep the alarm quiet for ever.
   */
  amountAtRisk15Plus: "AmountAtRisk15Plus",
  refreshFailures: "RefreshFailures",
  /** Claims this run recorded in the claims ledger (§10.2), and their money once per key. */
  claimsRecorded: "ClaimsRecorded",
  amountRecorded: "AmountRecorded",
  durationMs: "DurationMs",
  /** 1 per run that ended `completed` or `skipped`; its absence for 2 hours raises the "no run" alarm. */
  runSucceeded: "RunSucceeded",
} as const;

/**
 * Names of errors the handler throws (the class names in `lambda/errors.ts`, which the Lambda reports as
 * `errorType`); Step Functions `Retry`/`Catch` match on these. Every subclass of `ReconcileError` is here
 * (test/infra/stack.test.ts checks it), so a workflow can name each one.
 */
export const ERROR_NAMES = {
  input: "InputError",
  contract: "ContractError",
  databaseUnavailable: "DatabaseUnavailableError",
  configuration: "ConfigurationError",
  output: "OutputError",
  timeBudget: "TimeBudgetError",
  credentials: "CredentialsError",
  secretUnavailable: "SecretUnavailableError",
  sourceData: "SourceDataError",
  lockWait: "LockWaitError",
  statementTimeout: "StatementTimeoutError",
} as const;
