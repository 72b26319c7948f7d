/**
 * The Lambda's configuration: environment variables (names in `env-names.ts`, shared with the CDK stack),
 * read and validated once per container. A bad value is a `ConfigurationError` naming the variable; values
 * are never echoed for the connection string.
 */
import * as z from "zod";
import { DEFAULT_TIME_ZONE, type ReconcileOptions } from "../config.js";
import { isTimeZone } from "../core/dates.js";
import { ConfigurationError } from "../errors.js";
import { DEFAULT_LANG, LANGS, type Lang, parseLang } from "../i18n/lang.js";
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME, ENV } from "./env-names.js";

export type SslMode = "verify-full" | "require" | "disable";

/** Where the database credentials come from: a Secrets Manager secret (AWS) or a URL (outside AWS). */
export type DatabaseSource = { kind: "secret"; secretId: string } | { kind: "url"; url: string };

export interface LambdaConfig {
  database: DatabaseSource;
  sslMode: SslMode;
  /** Unset: the run writes no report objects (local runs); the result then has `outputs: {}`. */
  output: { bucket: string; prefix: string } | null;
  serviceName: string;
  metricsNamespace: string;
  /** IANA zone of the business day: the session's `CURRENT_DATE` and the `dt=` partition of outputs. */
  timeZone: string;
  /** Language of the HTML report (`REPORT_LANG`: en or es). */
  reportLang: Lang;
  reconcile: ReconcileOptions;
}

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === undefined || v === "" ? undefined : v));
const milliseconds = optionalText.pipe(
  z
    .string()
    .regex(/^\d+$/, { message: "must be a whole number of milliseconds" })
    .transform(Number)
    .pipe(z.number().int().min(1).max(900_000))
    .optional(),
);
const objectName = optionalText.pipe(
  z
    .string()
    .max(200)
    .regex(/^[^\s]+$/, { message: "must be an object name such as schema.view" })
    .optional(),
);

const EnvSchema = z.object({
  [ENV.dbSecretId]: optionalText,
  [ENV.databaseUrl]: optionalText,
  [ENV.dbSslMode]: optionalText.pipe(
    z
      .enum(["verify-full", "require", "disable"], { message: "must be verify-full, require or disable" })
      .default("verify-full"),
  ),
  [ENV.outputBucket]: optionalText.pipe(
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: "must be an S3 bucket name" })
      .optional(),
  ),
  [ENV.outputPrefix]: optionalText.transform((v) => (v ?? "reports").replace(/^\/+|\/+$/g, "")),
  [ENV.gapView]: objectName,
  [ENV.claimsView]: objectName,
  [ENV.achievedView]: objectName,
  [ENV.paymentCalcView]: objectName,
  [ENV.tripsTable]: objectName,
  [ENV.claimsLedger]: objectName,
  [ENV.gapStatuses]: optionalText.transform((v) =>
    v === undefined
      ? undefined
      : v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
  ),
  [ENV.timeZone]: optionalText.pipe(
    z
      .string()
      .refine(isTimeZone, { message: "must be an IANA time zone such as America/Lima" })
      .default(DEFAULT_TIME_ZONE),
  ),
  [ENV.reportLang]: optionalText
    .transform((v) => (v === undefined ? DEFAULT_LANG : parseLang(v)))
    .refine((v) => v !== null, { message: `must be one of ${LANGS.join(", ")}` }),
  [ENV.refreshLockTimeoutMs]: milliseconds,
  [ENV.refreshStatementTimeoutMs]: milliseconds,
  [ENV.statementTimeoutMs]: milliseconds,
  [ENV.lockTimeoutMs]: milliseconds,
  [ENV.serviceName]: optionalText.transform((v) => v ?? DEFAULT_SERVICE_NAME),
  [ENV.metricsNamespace]: optionalText.transform((v) => v ?? DEFAULT_METRICS_NAMESPACE),
});

/**
 * Reads the configuration from an environment (default `process.env`). Every bad variable is listed in
 * one `ConfigurationError` message, e.g. `REPORT_TIME_ZONE must be an IANA time zone such as America/Lima`.
 */
export function readConfig(env: NodeJS.ProcessEnv = process.env): LambdaConfig {
  const result = EnvSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
    throw new ConfigurationError(`invalid configuration: ${problems.join("; ")}`);
  }
  const e = result.data;
  const secretId = e[ENV.dbSecretId];
  const url = e[ENV.databaseUrl];
  if (secretId && url) {
    throw new ConfigurationError(
      `invalid configuration: set ${ENV.dbSecretId} or ${ENV.databaseUrl}, not both (the stack sets ${ENV.dbSecretId}; ${ENV.databaseUrl} is for runs outside AWS)`,
    );
  }
  let database: DatabaseSource;
  if (secretId) database = { kind: "secret", secretId };
  else if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new ConfigurationError(
        `invalid configuration: ${ENV.databaseUrl} must be a postgres:// connection string`,
      );
    }
    database = { kind: "url", url };
  } else {
    throw new ConfigurationError(
      `invalid configuration: ${ENV.dbSecretId} is not set (name or ARN of the database secret; ${ENV.databaseUrl} instead when running outside AWS)`,
    );
  }
  const bucket = e[ENV.outputBucket];
  const gapStatuses = e[ENV.gapStatuses];
  if (gapStatuses !== undefined && gapStatuses.length === 0) {
    throw new ConfigurationError(`invalid configuration: ${ENV.gapStatuses} lists no status word`);
  }
  return {
    database,
    sslMode: e[ENV.dbSslMode],
    output: bucket ? { bucket, prefix: e[ENV.outputPrefix] } : null,
    serviceName: e[ENV.serviceName],
    metricsNamespace: e[ENV.metricsNamespace],
    timeZone: e[ENV.timeZone],
    reportLang: e[ENV.reportLang] as Lang,
    reconcile: {
      objects: {
        gapView: e[ENV.gapView],
        claimsView: e[ENV.claimsView],
        achievedView: e[ENV.achievedView],
        paymentCalcView: e[ENV.paymentCalcView],
        tripsTable: e[ENV.tripsTable],
      },
      claimsLedger: e[ENV.claimsLedger],
      gapStatuses,
      timeZone: e[ENV.timeZone],
      refreshLockTimeoutMs: e[ENV.refreshLockTimeoutMs],
      refreshStatementTimeoutMs: e[ENV.refreshStatementTimeoutMs],
      statementTimeoutMs: e[ENV.statementTimeoutMs],
      lockTimeoutMs: e[ENV.lockTimeoutMs],
    },
  };
}
