import { RetentionDays } from "aws-cdk-lib/aws-logs";
import * as z from "zod";
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from "../lambda/aws/env-names.js";
import { DEFAULT_TIME_ZONE } from "../lambda/config.js";
import { isTimeZone } from "../lambda/core/dates.js";
import { DEFAULT_MAX_RECORD } from "../lambda/core/ledger.js";
import { LANGS, type Lang } from "../lambda/i18n/lang.js";
import { parseRunParameters } from "../lambda/params.js";

/**
 * The stack's configuration, typed. It is filled from CDK context (`cdk.json`, `-c key=value` on the
 * command line; defaults in `DEFAULTS` below) by `configFromContext`, which fails synth with the key's name
 * when a value is wrong, so that a typo never deploys a job that fails at 3 a.m.
 */
export interface ReconcileConfig {
  /** Short environment name (`dev`, `prod`): part of the stack name. */
  envName: string;
  /** The database secret (RDS JSON shape), imported by name or by ARN; never created here. */
  dbSecret: { kind: "name"; name: string } | { kind: "arn"; arn: string };
  /**
   * Optional VPC placement, imported from ids (no lookup, so synth needs no AWS credentials). Without
   * security groups the stack creates one (egress only) whose id it outputs, for the database's rules.
   */
  vpc?: { vpcId: string; subnetIds: string[]; securityGroupIds?: string[] };
  schedule: {
    /** `rate(...)`, `cron(...)` or `at(...)` in EventBridge Scheduler syntax. */
    expression: string;
    /** IANA zone the cron/at expression is read in. */
    timeZone: string;
    /** The payload each scheduled run receives (contract.md §3, camelCase). */
    input: Record<string, unknown>;
    enabled: boolean;
  };
  outputPrefix: string;
  outputRetentionDays: number;
  logRetention: RetentionDays;
  alarmEmail?: string;
  /** Concurrent executions reserved for the function; 0 reserves none (the advisory lock still applies). */
  reservedConcurrency: number;
  metricsNamespace: string;
  serviceName: string;
  /** Business-day zone the job counts dates in (REPORT_TIME_ZONE). */
  reportTimeZone: string;
  /** Language of the HTML report (REPORT_LANG): `es` for the operators in Lima, or `en`. */
  reportLang: Lang;
  dbSslMode: "verify-full" | "require" | "disable";
  logLevel: string;
  /** Object name overrides (contract.md §2); absent keys keep the job's defaults. */
  objectNames: Partial<Record<ObjectNameKey, string>>;
  gapStatuses?: string[];
  /** The scheduled run records proven claims in the claims ledger (its input carries `recordClaims`). */
  recordClaims: boolean;
  /** The claims ledger's name, also given to the function (`CLAIMS_LEDGER`). */
  claimsLedger?: string;
  alarms: {
    /** Consecutive hourly periods with `StillMissing > 0` before the alarm fires. */
    stillMissingPeriods: number;
    /** Soles still missing (S/) above which the amount alarm fires. */
    amountStillMissingThreshold: number;
    /** Hours without a `RunSucceeded` data point before the "no run" alarm fires. */
    noRunHours: number;
    /**
     * Soles 15+ days overdue (`AmountAtRisk15Plus`, collect now) above which the collect-now alarm fires;
     * 0 fires on any such money. The alarm exists only when the schedule's window reaches that far.
     */
    collectNowAlarmAmount: number;
  };
}

export type ObjectNameKey = "gapView" | "claimsView" | "achievedView" | "paymentCalcView" | "tripsTable";

/** Every default of the stack, here only (cdk.json carries just the database secret's name). */
export const DEFAULTS = {
  envName: "dev",
  scheduleExpression: "cron(0 * * * ? *)",
  scheduleTimeZone: DEFAULT_TIME_ZONE,
  // Not the job's own default (21 days back, which the library and the CLI keep: docs/contract.md §3). A
  // 21-day window reaches only 7 days overdue (`days_back - 14`): a gap older than 21 days silently leaves
  // the scheduled run's view, and the collect-now alarm (15+ days overdue) could never see anything. 60
  // days back reaches 46 days overdue, well past "collect now", at the cost of a larger gap view read.
  // The limit must hold the whole window (the job's 1,000 would cut it, dropping the oldest, most overdue
  // rows): 60 days are ~1,500 rows at the reference volume and ~14,700 at 10x, so 20,000 (a run at 10x
  // stays far inside the Lambda's timeout: bench/RESULTS.md); the WindowCut alarm says when a window outgrows it.
  scheduleInput: { daysBack: 60, limit: 20_000 },
  scheduleEnabled: true,
  outputPrefix: "reports",
  outputRetentionDays: 90,
  logRetentionDays: 30,
  reservedConcurrency: 1,
  metricsNamespace: DEFAULT_METRICS_NAMESPACE,
  serviceName: DEFAULT_SERVICE_NAME,
  reportTimeZone: DEFAULT_TIME_ZONE,
  // The deployed page is read by the operators in Lima, in Spanish (the job's own default is English).
  reportLang: "es" as Lang,
  dbSslMode: "verify-full",
  logLevel: "INFO",
  stillMissingPeriods: 3,
  amountStillMissingThreshold: 5000,
  noRunHours: 2,
  // Any money 15+ days overdue is worth a page: the collectors act on it now (docs/report.md).
  collectNowAlarmAmount: 0,
} as const;

/** Thrown at synth time; the message names the context key. */
export class ConfigError extends Error {
  constructor(key: string, message: string) {
    super(`context "${key}": ${message}`);
    this.name = "ConfigError";
  }
}

// --- One schema per context key. A value comes as a string from `-c key=value`, or as typed JSON from
// cdk.json; a blank one counts as absent (its default applies).

const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");
const show = (v: unknown) => JSON.stringify(v);

/** `schema` with blank values read as absent. */
const context = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (isBlank(v) ? undefined : v), schema);

const text = z.string({ error: (iss) => `must be a string, got ${show(iss.input)}` }).trim();

function wholeNumber(min: number, max: number) {
  const error = (iss: { input?: unknown }) =>
    `must be a whole number from ${min} to ${max}, got ${show(iss.input)}`;
  return z
    .union(
      [
        z.number(),
        z
          .string()
          .trim()
          .regex(/^[+-]?\d+$/)
          .transform(Number),
      ],
      { error },
    )
    .pipe(z.int({ error }).min(min, { error }).max(max, { error }));
}

/** A list given as a JSON array (cdk.json) or a comma-separated string (`-c subnetIds=a,b`). */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => {
    if (isBlank(v)) return undefined;
    const items = (Array.isArray(v) ? v : String(v).split(",")).map((i) => String(i).trim()).filter(Boolean);
    return items.length > 0 ? items : undefined;
  }, z.array(item).optional());

/** An object given as JSON (cdk.json) or a JSON string (`-c 'scheduleInput={"daysBack":7}'`). */
const jsonObject = z.preprocess(
  (v) => {
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  },
  z.record(z.string(), z.unknown(), { error: (iss) => `must be a JSON object, got ${show(iss.input)}` }),
);

const oneOf = <const T extends readonly [string, ...string[]]>(allowed: T) =>
  text.pipe(
    z.enum(allowed, { error: (iss) => `must be one of ${allowed.join(", ")}, got ${show(iss.input)}` }),
  );

const matching = (pattern: RegExp, what: string) =>
  text.regex(pattern, { error: (iss) => `is not ${what}: ${iss.input}` });

const awsId = (prefix: string) => new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`);
const timeZone = text.refine(isTimeZone, { error: (iss) => `is not an IANA time zone: ${iss.input}` });
const VALID_RETENTIONS = Object.values(RetentionDays).filter(
  (v): v is RetentionDays => typeof v === "number",
);

const ContextSchema = z
  .object({
    envName: context(
      text
        .regex(/^[a-z][a-z0-9-]{0,19}$/, {
          error: "must be 1-20 lower-case letters, digits or hyphens, starting with a letter",
        })
        .default(DEFAULTS.envName),
    ),
    dbSecretName: context(text.optional()),
    dbSecretArn: context(
      matching(
        /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
        "a Secrets Manager secret ARN",
      ).optional(),
    ),
    vpcId: context(matching(awsId("vpc"), "a VPC id").optional()),
    subnetIds: list(matching(awsId("subnet"), "a subnet id")),
    securityGroupId: list(matching(awsId("sg"), "a security group id")),
    scheduleExpression: context(
      text
        .regex(/^(rate|cron|at)\(.+\)$/, {
          error: (iss) => `must be rate(...), cron(...) or at(...), got ${iss.input}`,
        })
        .default(DEFAULTS.scheduleExpression),
    ),
    scheduleTimeZone: context(timeZone.default(DEFAULTS.scheduleTimeZone)),
    scheduleInput: context(
      jsonObject
        // The handler's own schema: a typo in cdk.json fails here, not in every scheduled run.
        .superRefine((input, ctx) => {
          try {
            parseRunParameters(input);
          } catch (error) {
            ctx.addIssue({ code: "custom", message: (error as Error).message });
          }
        })
        .default(() => ({ ...DEFAULTS.scheduleInput })),
    ),
    // The claims ledger (docs/contract.md §10.2): off unless asked for. When on, the scheduled input records
    // the claims each run proves, at most `maxRecord` per run; `claimsLedger` also reaches the function's
    // environment, so a manual invoke with `recordClaims` writes the same table.
    recordClaims: context(
      z
        .union([z.boolean(), z.stringbool({ truthy: ["true"], falsy: ["false"] })], {
          error: (iss) => `must be true or false, got ${show(iss.input)}`,
        })
        .default(false),
    ),
    claimsLedger: context(text.optional()),
    maxRecord: context(wholeNumber(0, 10_000_000).default(DEFAULT_MAX_RECORD)),
    scheduleEnabled: context(
      z
        .union([z.boolean(), z.stringbool({ truthy: ["true"], falsy: ["false"] })], {
          error: (iss) => `must be true or false, got ${show(iss.input)}`,
        })
        .default(DEFAULTS.scheduleEnabled),
    ),
    outputPrefix: context(
      text
        .transform((prefix) => prefix.replace(/^\/+|\/+$/g, ""))
        .pipe(
          z.string().regex(/^[A-Za-z0-9!_.*'()/-]+$/, {
            error: (iss) => `must be a plain S3 key prefix, got ${show(iss.input)}`,
          }),
        )
        .default(DEFAULTS.outputPrefix),
    ),
    outputRetentionDays: context(wholeNumber(1, 3650).default(DEFAULTS.outputRetentionDays)),
    logRetentionDays: context(
      wholeNumber(1, 3653)
        .pipe(z.literal(VALID_RETENTIONS, { error: `must be one of ${VALID_RETENTIONS.join(", ")}` }))
        .default(DEFAULTS.logRetentionDays),
    ),
    alarmEmail: context(
      text.pipe(z.email({ error: (iss) => `is not an e-mail address: ${iss.input}` })).optional(),
    ),
    reservedConcurrency: context(wholeNumber(0, 1000).default(DEFAULTS.reservedConcurrency)),
    metricsNamespace: context(
      matching(/^(?!AWS\/)[A-Za-z0-9._#:/-]{1,255}$/, "a valid custom CloudWatch namespace").default(
        DEFAULTS.metricsNamespace,
      ),
    ),
    // The key's name before it matched the job's `POWERTOOLS_METRICS_NAMESPACE` (one name per concept).
    // CDK ignores unknown context, so an old `-c metricNamespace=...` would silently deploy to the default
    // namespace: refuse it instead.
    metricNamespace: context(z.undefined({ error: "was renamed metricsNamespace" })),
    serviceName: context(text.default(DEFAULTS.serviceName)),
    reportTimeZone: context(timeZone.default(DEFAULTS.reportTimeZone)),
    reportLang: context(oneOf(LANGS).default(DEFAULTS.reportLang)),
    dbSslMode: context(oneOf(["verify-full", "require", "disable"]).default(DEFAULTS.dbSslMode)),
    logLevel: context(
      oneOf(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SILENT"]).default(DEFAULTS.logLevel),
    ),
    gapView: context(text.optional()),
    claimsView: context(text.optional()),
    achievedView: context(text.optional()),
    paymentCalcView: context(text.optional()),
    tripsTable: context(text.optional()),
    gapStatuses: list(text),
    stillMissingPeriods: context(wholeNumber(1, 24).default(DEFAULTS.stillMissingPeriods)),
    amountStillMissingThreshold: context(
      wholeNumber(0, 100_000_000).default(DEFAULTS.amountStillMissingThreshold),
    ),
    noRunHours: context(wholeNumber(1, 24).default(DEFAULTS.noRunHours)),
    collectNowAlarmAmount: context(wholeNumber(0, 100_000_000).default(DEFAULTS.collectNowAlarmAmount)),
  })
  .superRefine((c, ctx) => {
    const missing = (path: ContextKey, message: string) =>
      ctx.addIssue({ code: "custom", path: [path], message });
    if (c.dbSecretArn === undefined && c.dbSecretName === undefined) {
      missing("dbSecretName", "give the database secret: -c dbSecretName=NAME or -c dbSecretArn=ARN");
    }
    if (c.vpcId !== undefined && c.subnetIds === undefined) {
      missing("subnetIds", "is required when vpcId is given");
    }
    if (c.vpcId === undefined && (c.subnetIds !== undefined || c.securityGroupId !== undefined)) {
      missing("vpcId", "is required when subnetIds or securityGroupId is given");
    }
  });

/** Every context key the stack reads (anything else in `-c` is ignored by CDK). */
const CONTEXT_KEYS = Object.keys(ContextSchema.shape) as ContextKey[];
export type ContextKey = keyof z.input<typeof ContextSchema>;

const OBJECT_NAME_KEYS: readonly ObjectNameKey[] = [
  "gapView",
  "claimsView",
  "achievedView",
  "paymentCalcView",
  "tripsTable",
];

type Lookup = (key: ContextKey) => unknown;

/**
 * Reads and validates the configuration. `get` is `node.tryGetContext` (or a map in tests). The database
 * secret is the only setting without a usable default: `dbSecretArn` wins over `dbSecretName` when both are
 * given (cdk.json carries a default name so that a bare `cdk synth` works). The first problem found fails,
 * naming its key.
 */
export function configFromContext(get: Lookup): ReconcileConfig {
  const parsed = ContextSchema.safeParse(Object.fromEntries(CONTEXT_KEYS.map((key) => [key, get(key)])));
  if (!parsed.success) {
    const [issue] = parsed.error.issues as [z.core.$ZodIssue];
    throw new ConfigError(String(issue.path[0]), issue.message);
  }
  const c = parsed.data;
  const objectNames: ReconcileConfig["objectNames"] = {};
  for (const key of OBJECT_NAME_KEYS) {
    const value = c[key];
    if (value !== undefined) objectNames[key] = value;
  }
  return {
    envName: c.envName,
    dbSecret:
      c.dbSecretArn !== undefined
        ? { kind: "arn", arn: c.dbSecretArn }
        : { kind: "name", name: c.dbSecretName as string },
    ...(c.vpcId !== undefined && c.subnetIds !== undefined
      ? {
          vpc: {
            vpcId: c.vpcId,
            subnetIds: c.subnetIds,
            ...(c.securityGroupId ? { securityGroupIds: c.securityGroupId } : {}),
          },
        }
      : {}),
    schedule: {
      expression: c.scheduleExpression,
      timeZone: c.scheduleTimeZone,
      input: c.recordClaims
        ? {
            ...c.scheduleInput,
            recordClaims: true,
            maxRecord: c.maxRecord,
            ...(c.claimsLedger ? { claimsLedger: c.claimsLedger } : {}),
          }
        : c.scheduleInput,
      enabled: c.scheduleEnabled,
    },
    outputPrefix: c.outputPrefix,
    outputRetentionDays: c.outputRetentionDays,
    logRetention: c.logRetentionDays,
    ...(c.alarmEmail ? { alarmEmail: c.alarmEmail } : {}),
    reservedConcurrency: c.reservedConcurrency,
    metricsNamespace: c.metricsNamespace,
    serviceName: c.serviceName,
    reportTimeZone: c.reportTimeZone,
    reportLang: c.reportLang,
    dbSslMode: c.dbSslMode,
    logLevel: c.logLevel,
    objectNames,
    recordClaims: c.recordClaims,
    ...(c.claimsLedger ? { claimsLedger: c.claimsLedger } : {}),
    ...(c.gapStatuses ? { gapStatuses: c.gapStatuses } : {}),
    alarms: {
      stillMissingPeriods: c.stillMissingPeriods,
      amountStillMissingThreshold: c.amountStillMissingThreshold,
      noRunHours: c.noRunHours,
      collectNowAlarmAmount: c.collectNowAlarmAmount,
    },
  };
}
