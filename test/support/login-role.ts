/**
 * A dedicated login role for the handler tests, privileged as the job's database user is in production:
 * it reads the schemas it is given and may refresh their materialized views. From PostgreSQL 17 it does so
 * through the MAINTAIN privilege (`pg_maintain`) instead of owning them; before 17 `REFRESH` needs the
 * owner, so there it is made the owner of those views (the deployment's way on 14 to 16). Its password can
 * be changed (`ALTER ROLE`) to play a secret rotation.
 */
import { randomBytes } from "node:crypto";
import { withClient } from "../../reference/with-client.js";
import { hasMaintainPrivilege, readServerVersionNum } from "./postgres-version.js";

export interface LoginRole {
  readonly name: string;
  /** Sets the role's password in the database. */
  setPassword(password: string): Promise<void>;
  /**
   * Read access to every table and view of these schemas (after they were (re)created); unless created
   * with `maintain: false`, before PostgreSQL 17 also the ownership of their materialized views.
   */
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
  // Before PostgreSQL 17 there is no MAINTAIN: the role is given the views themselves, in grantRead.
  const ownsViews = await withClient(adminUrl, async (client) => {
    const role = client.escapeIdentifier(name);
    await client.query(`CREATE ROLE ${role} LOGIN PASSWORD ${client.escapeLiteral(password)}`);
    if (!maintain) return false;
    if (hasMaintainPrivilege(await readServerVersionNum(client))) {
      await client.query(`GRANT pg_maintain TO ${role}`);
      return false;
    }
    return true;
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
        if (!ownsViews) return;
        const { rows } = await client.query<{ schemaname: string; matviewname: string }>(
          "SELECT schemaname, matviewname FROM pg_catalog.pg_matviews WHERE schemaname = ANY($1::text[])",
          [schemas],
        );
        for (const mv of rows) {
          const view = `${client.escapeIdentifier(mv.schemaname)}.${client.escapeIdentifier(mv.matviewname)}`;
          await client.query(`ALTER MATERIALIZED VIEW ${view} OWNER TO ${role}`);
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
        // The views it was given (before PostgreSQL 17) go back to the admin; its grants go.
        await client.query(`REASSIGN OWNED BY ${role} TO CURRENT_USER`);
        await client.query(`DROP OWNED BY ${role}`);
        await client.query(`DROP ROLE ${role}`);
      }),
  };
}
