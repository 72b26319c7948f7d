import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { parseSecret, SecretCredentials } from "../../lambda/aws/credentials.js";
import { sslOptions } from "../../lambda/aws/database.js";
import { CredentialsError } from "../../lambda/errors.js";

const PASSWORD = "s3cr3t-Pa55-do-not-print";
const RDS_SECRET = {
  username: "reconcile",
  password: PASSWORD,
  engine: "postgres",
  host: "fleet.cluster-abc.us-east-1.rds.amazonaws.com",
  port: 5432,
  dbname: "fleet",
  dbInstanceIdentifier: "fleet-1",
};

function credentialsError(fn: () => unknown): CredentialsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).name).toBe("CredentialsError");
    return error as CredentialsError;
  }
  throw new Error("expected a CredentialsError");
}

describe("parseSecret (RDS JSON shape)", () => {
  it("maps the RDS keys and ignores the extra ones", () => {
    const c = parseSecret(RDS_SECRET, "db");
    expect({ ...c, password: c.password }).toEqual({
      host: RDS_SECRET.host,
      port: 5432,
      user: "reconcile",
      password: PASSWORD,
      database: "fleet",
    });
  });

  it("accepts a string port and defaults port and dbname", () => {
    const { port: _p, dbname: _d, ...minimal } = RDS_SECRET;
    expect(parseSecret({ ...minimal, port: "6432" }, "db").port).toBe(6432);
    expect(parseSecret(minimal, "db")).toMatchObject({ port: 5432, database: "postgres" });
  });

  it("names the missing or wrong key, never a value", () => {
    const { password: _pw, ...noPassword } = RDS_SECRET;
    const missing = credentialsError(() => parseSecret(noPassword, "reconcile/db"));
    expect(missing.message).toBe('secret reconcile/db is malformed: key "password" is missing');
    const wrong = credentialsError(() => parseSecret({ ...RDS_SECRET, port: "fivefour", host: 7 }, "db"));
    expect(wrong.message).toMatch(/key "host" has a wrong type or value/);
    expect(wrong.message).toMatch(/key "port" has a wrong type or value/);
    expect(wrong.message).not.toContain(PASSWORD);
    expect(credentialsError(() => parseSecret([PASSWORD], "db")).message).not.toContain(PASSWORD);
  });

  it("keeps the password out of JSON and inspection", () => {
    const c = parseSecret(RDS_SECRET, "db");
    expect(JSON.stringify(c)).not.toContain(PASSWORD);
    expect(JSON.stringify({ c })).toContain("[redacted]");
    expect(Object.keys(c)).not.toContain("password");
  });
});

describe("SecretCredentials (Secrets Manager through Powertools Parameters)", () => {
  const sm = mockClient(SecretsManagerClient);
  beforeEach(() => sm.reset());
  afterAll(() => sm.restore());

  it("caches across calls and fetches again on forceFetch (rotation)", async () => {
    // Prepare
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ ...RDS_SECRET, password: "old" }) })
      .resolves({ SecretString: JSON.stringify(RDS_SECRET) });
    const credentials = new SecretCredentials("reconcile/db");
    // Act
    const first = await credentials.get();
    const cached = await credentials.get();
    const rotated = await credentials.get({ forceFetch: true });
    // Assess
    expect(first.password).toBe("old");
    expect(cached.password).toBe("old");
    expect(rotated.password).toBe(PASSWORD);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(sm.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: "reconcile/db" });
  });

  it("a secret that is not JSON is reported without quoting it", async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: `password=${PASSWORD}` });
    const error = await new SecretCredentials("db").get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toBe("secret db is not valid JSON");
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(PASSWORD);
    expect((error as Error).cause).toBeUndefined();
  });

  it("an SDK failure names the secret and the AWS error", async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error("Secrets Manager can't find the specified secret."), {
        name: "ResourceNotFoundException",
      }),
    );
    await expect(new SecretCredentials("missing/db").get()).rejects.toThrow(
      /cannot read secret missing\/db: ResourceNotFoundException/,
    );
  });
});

describe("sslOptions", () => {
  it("verify-full verifies, require only encrypts, disable is plain", () => {
    expect(sslOptions("verify-full")).toEqual({ rejectUnauthorized: true });
    expect(sslOptions("require")).toEqual({ rejectUnauthorized: false });
    expect(sslOptions("disable")).toBe(false);
  });
});
