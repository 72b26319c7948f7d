import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from "../lambda/aws/env-names.js";
import { isTimeZone } from "../lambda/core/dates.js";
import { LANGS, type Lang } from "../lambda/i18n/lang.js";
import { parseRunParameters } from "../lambda/params.js";

/**
 * The stack's configuration, typed. It is filled from CDK context (`cdk.json` defaults, `-c key=value` on
 * the command line) by `configFromContext`, which fails synth with the key's name when a value is wrong,
 * so that a typo never deploys a job that fails at 3 a.m.
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
  metricNamespace: string;
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
  alarms: {
    /** Consecutive hourly periods with `StillMissing > 0` before the alarm fires. */
    stillMissingPeriods: number;
    /** Soles still missing (S/) above which the amount alarm fires. */
    amountStillMissingThreshold: number;
    /** Hours without a `RunSucceeded` data point before the "no run" alarm fires. */
    noRunHours: number;
  };
}

export type ObjectNameKey = "gapView" | "claimsView" | "achievedView" | "paymentCalcView" | "tripsTable";
const OBJECT_NAME_KEYS: readonly ObjectNameKey[] = [
  "gapView",
  "claimsView",
  "achievedView",
  "paymentCalcView",
  "tripsTable",
];

export const DEFAULTS = {
  envName: "dev",
  scheduleExpression: "cron(0 * * * ? *)",
  scheduleTimeZone: "America/Lima",
  scheduleInput: { daysBack: 21, limit: 1000 },
  outputPrefix: "reports",
  outputRetentionDays: 90,
  logRetentionDays: 30,
  reportTimeZone: "America/Lima",
  // The deployed page is read by the operators in Lima, in Spanish (the job's own default is English).
  reportLang: "es" as Lang,
  dbSslMode: "verify-full",
  logLevel: "INFO",
  stillMissingPeriods: 3,
  amountStillMissingThreshold: 5000,
  noRunHours: 2,
} as const;

/** Every context key the stack reads; anything else in `-c` is ignored by CDK, so list them for the README. */
export const CONTEXT_KEYS = [
  "envName",
  "dbSecretName",
  "dbSecretArn",
  "vpcId",
  "subnetIds",
  "securityGroupId",
  "scheduleExpression",
  "scheduleTimeZone",
  "scheduleInput",
  "scheduleEnabled",
  "outputPrefix",
  "outputRetentionDays",
  "logRetentionDays",
  "alarmEmail",
  "metricNamespace",
  "serviceName",
  "reportTimeZone",
  "reportLang",
  "dbSslMode",
  "logLevel",
  ...OBJECT_NAME_KEYS,
  "gapStatuses",
  "stillMissingPeriods",
  "amountStillMissingThreshold",
  "noRunHours",
] as const;

export type ContextKey = (typeof CONTEXT_KEYS)[number];

/** Thrown at synth time; the message names the context key. */
export class ConfigError extends Error {
  constructor(key: string, message: string) {
    super(`context "${key}": ${message}`);
    this.name = "ConfigError";
  }
}

type Lookup = (key: ContextKey) => unknown;

const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");

function str(get: Lookup, key: ContextKey): string | undefined {
  const v = get(key);
  if (isBlank(v)) return undefined;
  if (typeof v !== "string") throw new ConfigError(key, `must be a string, got ${JSON.stringify(v)}`);
  return v.trim();
}

function int(get: Lookup, key: ContextKey, fallback: number, min: number, max: number): number {
  const v = get(key);
  if (isBlank(v)) return fallback;
  const n = typeof v === "number" ? v : Number(String(v).trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(key, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return n;
}

function bool(get: Lookup, key: ContextKey, fallback: boolean): boolean {
  const v = get(key);
  if (isBlank(v)) return fallback;
  if (v === true || v === "true") return true;
  if (v === false || v === "false") return false;
  throw new ConfigError(key, `must be true or false, got ${JSON.stringify(v)}`);
}

/** A list given as a JSON array (cdk.json) or a comma-separated string (`-c subnetIds=a,b`). */
function list(get: Lookup, key: ContextKey): string[] | undefined {
  const v = get(key);
  if (isBlank(v)) return undefined;
  const items = Array.isArray(v) ? v : String(v).split(",");
  const out = items.map((item) => String(item).trim()).filter((item) => item !== "");
  return out.length > 0 ? out : undefined;
}

/** An object given as JSON (cdk.json) or a JSON string (`-c 'scheduleInput={"daysBack":7}'`). */
function object(get: Lookup, key: ContextKey): Record<string, unknown> | undefined {
  let v = get(key);
  if (isBlank(v)) return undefined;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      throw new ConfigError(key, `must be a JSON object, got ${v}`);
    }
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new ConfigError(key, `must be a JSON object, got ${JSON.stringify(v)}`);
  }
  return v as Record<string, unknown>;
}

function oneOf<T extends string>(get: Lookup, key: ContextKey, allowed: readonly T[], fallback: T): T {
  const v = str(get, key) ?? fallback;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(key, `must be one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;
const SCHEDULE = /^(rate|cron|at)\(.+\)$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const VALID_RETENTIONS = Object.values(RetentionDays).filter(
  (v): v is RetentionDays => typeof v === "number",
);

function timeZone(get: Lookup, key: ContextKey, fallback: string): string {
  const zone = str(get, key) ?? fallback;
  if (!isTimeZone(zone)) throw new ConfigError(key, `is not an IANA time zone: ${zone}`);
  return zone;
}

/**
 * Reads and validates the configuration. `get` is `node.tryGetContext` (or a map in tests). The database
 * secret is the only setting without a usable default: `dbSecretArn` wins over `dbSecretName` when both are
 * given (cdk.json carries a default name so that a bare `cdk synth` works).
 */
export function configFromContext(get: Lookup): ReconcileConfig {
  const envName = str(get, "envName") ?? DEFAULTS.envName;
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(envName)) {
    throw new ConfigError(
      "envName",
      "must be 1-20 lower-case letters, digits or hyphens, starting with a letter",
    );
  }

  const arn = str(get, "dbSecretArn");
  const name = str(get, "dbSecretName");
  if (arn !== undefined && !SECRET_ARN.test(arn)) {
    throw new ConfigError("dbSecretArn", `is not a Secrets Manager secret ARN: ${arn}`);
  }
  if (arn === undefined && name === undefined) {
    throw new ConfigError(
      "dbSecretName",
      "give the database secret: -c dbSecretName=NAME or -c dbSecretArn=ARN",
    );
  }
  const dbSecret: ReconcileConfig["dbSecret"] =
    arn !== undefined ? { kind: "arn", arn } : { kind: "name", name: name as string };

  const vpcId = str(get, "vpcId");
  const subnetIds = list(get, "subnetIds");
  const securityGroupIds = list(get, "securityGroupId");
  let vpc: ReconcileConfig["vpc"];
  if (vpcId !== undefined) {
    if (!/^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/.test(vpcId))
      throw new ConfigError("vpcId", `is not a VPC id: ${vpcId}`);
    if (subnetIds === undefined) throw new ConfigError("subnetIds", "is required when vpcId is given");
    for (const id of subnetIds) {
      if (!/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id))
        throw new ConfigError("subnetIds", `is not a subnet id: ${id}`);
    }
    for (const id of securityGroupIds ?? []) {
      if (!/^sg-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id))
        throw new ConfigError("securityGroupId", `is not a security group id: ${id}`);
    }
    vpc = { vpcId, subnetIds, ...(securityGroupIds ? { securityGroupIds } : {}) };
  } else if (subnetIds !== undefined || securityGroupIds !== undefined) {
    throw new ConfigError("vpcId", "is required when subnetIds or securityGroupId is given");
  }

  const expression = str(get, "scheduleExpression") ?? DEFAULTS.scheduleExpression;
  if (!SCHEDULE.test(expression)) {
    throw new ConfigError("scheduleExpression", `must be rate(...), cron(...) or at(...), got ${expression}`);
  }
  const input = object(get, "scheduleInput") ?? { ...DEFAULTS.scheduleInput };
  try {
    // The handler's own schema: a typo in cdk.json fails here, not in every scheduled run.
    parseRunParameters(input);
  } catch (error) {
    throw new ConfigError("scheduleInput", (error as Error).message);
  }

  const alarmEmail = str(get, "alarmEmail");
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) {
    throw new ConfigError("alarmEmail", `is not an e-mail address: ${alarmEmail}`);
  }

  const logRetentionDays = int(get, "logRetentionDays", DEFAULTS.logRetentionDays, 1, 3653);
  if (!VALID_RETENTIONS.includes(logRetentionDays)) {
    throw new ConfigError("logRetentionDays", `must be one of ${VALID_RETENTIONS.join(", ")}`);
  }

  const outputPrefix = (str(get, "outputPrefix") ?? DEFAULTS.outputPrefix).replace(/^\/+|\/+$/g, "");
  if (!/^[A-Za-z0-9!_.*'()/-]+$/.test(outputPrefix)) {
    throw new ConfigError(
      "outputPrefix",
      `must be a plain S3 key prefix, got ${JSON.stringify(outputPrefix)}`,
    );
  }

  const metricNamespace = str(get, "metricNamespace") ?? DEFAULT_METRICS_NAMESPACE;
  if (!/^[A-Za-z0-9._#:/-]{1,255}$/.test(metricNamespace) || metricNamespace.startsWith("AWS/")) {
    throw new ConfigError(
      "metricNamespace",
      `is not a valid custom CloudWatch namespace: ${metricNamespace}`,
    );
  }

  const objectNames: ReconcileConfig["objectNames"] = {};
  for (const key of OBJECT_NAME_KEYS) {
    const value = str(get, key);
    if (value !== undefined) objectNames[key] = value;
  }

  const gapStatuses = list(get, "gapStatuses");
  return {
    envName,
    dbSecret,
    ...(vpc ? { vpc } : {}),
    schedule: {
      expression,
      timeZone: timeZone(get, "scheduleTimeZone", DEFAULTS.scheduleTimeZone),
      input,
      enabled: bool(get, "scheduleEnabled", true),
    },
    outputPrefix,
    outputRetentionDays: int(get, "outputRetentionDays", DEFAULTS.outputRetentionDays, 1, 3650),
    logRetention: logRetentionDays as RetentionDays,
    ...(alarmEmail ? { alarmEmail } : {}),
    metricNamespace,
    serviceName: str(get, "serviceName") ?? DEFAULT_SERVICE_NAME,
    reportTimeZone: timeZone(get, "reportTimeZone", DEFAULTS.reportTimeZone),
    reportLang: oneOf(get, "reportLang", LANGS, DEFAULTS.reportLang),
    dbSslMode: oneOf(get, "dbSslMode", ["verify-full", "require", "disable"] as const, DEFAULTS.dbSslMode),
    logLevel: oneOf(
      get,
      "logLevel",
      ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SILENT"] as const,
      DEFAULTS.logLevel,
    ),
    objectNames,
    ...(gapStatuses ? { gapStatuses } : {}),
    alarms: {
      stillMissingPeriods: int(get, "stillMissingPeriods", DEFAULTS.stillMissingPeriods, 1, 24),
      amountStillMissingThreshold: int(
        get,
        "amountStillMissingThreshold",
        DEFAULTS.amountStillMissingThreshold,
        0,
        100_000_000,
      ),
      noRunHours: int(get, "noRunHours", DEFAULTS.noRunHours, 1, 24),
    },
  };
}
