/**
 * Database credentials from a Secrets Manager secret in the RDS JSON shape, read through Powertools
 * Parameters so that warm invocations reuse the value. After a rotation the cached password is stale: the
 * caller asks again with `forceFetch` when PostgreSQL rejects it (see `database.ts`).
 *
 * Nothing here ever puts a secret value in a message: a malformed secret names the key that is wrong.
 */
import { GetParameterError, TransformParameterError } from "@aws-lambda-powertools/parameters/errors";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import * as z from "zod";
import { CredentialsError, SecretUnavailableError } from "../errors.js";

export interface DbCredentials {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** How long a fetched secret is reused (seconds). A rotation is caught sooner, by the 28P01 refetch. */
export const SECRET_MAX_AGE_SECONDS = 900;

/**
 * The RDS secret shape: `host`, `port`, `username`, `password`, `dbname`. `port` may be a number or a
 * numeric string; `dbname` defaults to `postgres` as in PostgreSQL itself. Other keys RDS writes
 * (`engine`, `dbInstanceIdentifier`, `dbClusterIdentifier`...) are accepted and ignored.
 */
const RdsSecretSchema = z.looseObject({
  host: z.string().trim().min(1),
  port: z
    .union([z.number(), z.string().trim().regex(/^\d+$/).transform(Number)])
    .pipe(z.number().int().min(1).max(65535))
    .optional(),
  username: z.string().min(1),
  password: z.string().min(1),
  dbname: z.string().min(1).optional(),
  engine: z.string().optional(),
  dbInstanceIdentifier: z.string().optional(),
});

/** Checks a parsed secret; the error names each missing or wrong key, never a value. */
export function parseSecret(value: unknown, secretId: string): DbCredentials {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CredentialsError(
      `secret ${secretId} is not a JSON object with host, port, username, password, dbname`,
    );
  }
  const result = RdsSecretSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.join(".");
      const present = Object.hasOwn(value, String(issue.path[0]));
      return present ? `key "${key}" has a wrong type or value` : `key "${key}" is missing`;
    });
    throw new CredentialsError(`secret ${secretId} is malformed: ${[...new Set(problems)].join("; ")}`);
  }
  const secret = result.data;
  return redacted({
    host: secret.host,
    port: secret.port ?? 5432,
    user: secret.username,
    password: secret.password,
    database: secret.dbname ?? "postgres",
  });
}

/** Keeps the password out of `JSON.stringify` and `console.log`, should the object ever be logged. */
function redacted(credentials: DbCredentials): DbCredentials {
  const hidden = { ...credentials };
  Object.defineProperty(hidden, "password", { enumerable: false, value: credentials.password });
  Object.defineProperty(hidden, "toJSON", {
    enumerable: false,
    value: () => ({ ...credentials, password: "[redacted]" }),
  });
  return hidden;
}

/**
 * Secrets Manager's answers that say "not now" rather than "no": throttling, its own server errors, and a
 * network that failed on the way. Retried here (`SECRET_RETRY_DELAYS_MS`), then `SecretUnavailableError`.
 */
const TRANSIENT_AWS_ERRORS = new Set([
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "InternalServiceError",
  "InternalServiceErrorException",
  "InternalFailure",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "NetworkingError",
]);
const TRANSIENT_NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"]);

/** Whether an error from the SDK (the cause Powertools wraps) is worth asking again for. */
export function isTransientAwsError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const e = error as Error & {
    code?: unknown;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  if (TRANSIENT_AWS_ERRORS.has(e.name)) return true;
  if (typeof e.code === "string" && TRANSIENT_NETWORK_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  return (typeof status === "number" && (status === 429 || status >= 500)) || e.$retryable !== undefined;
}

/**
 * Waits before each new attempt after a transient failure (the SDK's own retries come first, inside each
 * attempt): about 1.5 s in all, small beside the run's budget, long enough to let a throttle pass.
 */
export const SECRET_RETRY_DELAYS_MS: readonly number[] = [250, 1_000];

/** One secret, cached by the provider for `maxAgeSeconds`. One instance per container. */
export class SecretCredentials {
  readonly #secretId: string;
  readonly #provider: SecretsProvider;
  readonly #maxAgeSeconds: number;

  constructor(secretId: string, provider?: SecretsProvider, maxAgeSeconds = SECRET_MAX_AGE_SECONDS) {
    this.#secretId = secretId;
    this.#provider = provider ?? new SecretsProvider();
    this.#maxAgeSeconds = maxAgeSeconds;
  }

  get secretId(): string {
    return this.#secretId;
  }

  /**
   * The credentials, from the cache unless `forceFetch` (after PostgreSQL rejected the cached ones).
   * Throttling and server errors are asked again, then `SecretUnavailableError` (transient); a refusal
   * (access denied, no such secret) or a malformed secret is `CredentialsError` at once.
   */
  async get(options: { forceFetch?: boolean } = {}): Promise<DbCredentials> {
    let value: unknown;
    for (let attempt = 0; ; attempt++) {
      try {
        value = await this.#provider.get(this.#secretId, {
          transform: "json",
          maxAge: this.#maxAgeSeconds,
          forceFetch: options.forceFetch ?? false,
        });
        break;
      } catch (error) {
        if (error instanceof TransformParameterError) {
          // Its message quotes the parser's, which can quote the secret: keep neither message nor cause.
          throw new CredentialsError(`secret ${this.#secretId} is not valid JSON`);
        }
        const reason =
          error instanceof GetParameterError && error.cause instanceof Error ? error.cause : error;
        const name = reason instanceof Error ? reason.name : "Error";
        const message = reason instanceof Error ? reason.message : String(reason);
        if (isTransientAwsError(reason)) {
          const delay = SECRET_RETRY_DELAYS_MS[attempt];
          if (delay !== undefined) {
            await new Promise((resolve) => setTimeout(resolve, delay));
            continue;
          }
          throw new SecretUnavailableError(
            `cannot read secret ${this.#secretId} (Secrets Manager did not answer, ${attempt + 1} attempts): ${name}: ${message}`,
            { cause: error },
          );
        }
        throw new CredentialsError(`cannot read secret ${this.#secretId}: ${name}: ${message}`, {
          cause: error,
        });
      }
    }
    if (value === undefined) throw new CredentialsError(`secret ${this.#secretId} has no value`);
    return parseSecret(value, this.#secretId);
  }
}
