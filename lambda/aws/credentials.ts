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
import { CredentialsError } from "../errors.js";

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

  /** The credentials, from the cache unless `forceFetch` (after PostgreSQL rejected the cached ones). */
  async get(options: { forceFetch?: boolean } = {}): Promise<DbCredentials> {
    let value: unknown;
    try {
      value = await this.#provider.get(this.#secretId, {
        transform: "json",
        maxAge: this.#maxAgeSeconds,
        forceFetch: options.forceFetch ?? false,
      });
    } catch (error) {
      if (error instanceof TransformParameterError) {
        // Its message quotes the parser's, which can quote the secret: keep neither message nor cause.
        throw new CredentialsError(`secret ${this.#secretId} is not valid JSON`);
      }
      const reason = error instanceof GetParameterError && error.cause instanceof Error ? error.cause : error;
      const name = reason instanceof Error ? reason.name : "Error";
      const message = reason instanceof Error ? reason.message : String(reason);
      throw new CredentialsError(`cannot read secret ${this.#secretId}: ${name}: ${message}`, {
        cause: error,
      });
    }
    if (value === undefined) throw new CredentialsError(`secret ${this.#secretId} has no value`);
    return parseSecret(value, this.#secretId);
  }
}
