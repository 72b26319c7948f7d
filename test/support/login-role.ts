/**
 * A dedicated login role for the handler tests, privileged as the job's database user is in production:
 * it reads the schemas it is given and refreshes materialized views through the MAINTAIN privilege
 * (PostgreSQL 17+ `pg_maintain`) instead of owning them. Its password can be changed (`ALTER ROLE`) to play
 * a secret rotation.
 */
import { randomBytes } from "node:crypto";
import { withClient } from "../../reference/with-client.js";

export interface LoginRole {
  readonly name: string;
  /** Sets the role's password in the database. */
  setPassword(password: string): Promise<void>;
  /** Read access to every table and view of these schemas (after they were (re)created). */
  grantRead(schemas: readonly string[]): Promise<void>;
  /** Ends the role's sessions (connections of warm pools die, as at a failover). */
  terminateSessions(): Promise<void>;
  /** Revokes, disconnects and drops the role. */
  drop(): Promise<void>;
}

/**
 * Creates the role from a superuser connection to the test database (`db().url`). `maintain: false` gives
 * a role that can read but not refresh: it neither owns the views nor holds MAINTAIN.
 */
export async function createLoginRole(
  adminUrl: string,
  password: string,
  { maintain = true }: { maintain?: boolean } = {},
): Promise<LoginRole> {
  const name = `reconcile_lambda_${randomBytes(4).toString("hex")}`;
  await withClient(adminUrl, async (client) => {
    const role = client.escapeIdentifier(name);
    await client.query(`CREATE ROLE ${role} LOGIN PASSWORD ${client.escapeLiteral(password)}`);
    if (maintain) await client.query(`GRANT pg_maintain TO ${role}`);
  });
  return {
    name,
    setPassword: (next) =>
      withClient(adminUrl, async (client) => {
        await client.query(
          `ALTER ROLE ${client.escapeIdentifier(name)} PASSWORD ${client.escapeLiteral(next)}`,
        );
      }),
    grantRead: (schemas) =>
      withClient(adminUrl, async (client) => {
        const role = client.escapeIdentifier(name);
        for (const schema of schemas) {
          const s = client.escapeIdentifier(schema);
          await client.query(`GRANT USAGE ON SCHEMA ${s} TO ${role}`);
          await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${role}`);
        }
      }),
    terminateSessions: () =>
      withClient(adminUrl, async (client) => {
        await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", [
          name,
        ]);
      }),
    drop: () =>
      withClient(adminUrl, async (client) => {
        const role = client.escapeIdentifier(name);
        await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", [
          name,
        ]);
        await client.query(`DROP OWNED BY ${role}`);
        await client.query(`DROP ROLE ${role}`);
      }),
  };
}
