/**
 * What the test support needs to know about the server's PostgreSQL version, read in one place. The suite
 * runs on every major of `POSTGRES_MAJORS` (`npm run test:pg`); where the set-up must differ (a privilege
 * that exists only from some major on), it branches on these, never on a version string.
 */
import type pg from "pg";
import { MAINTAIN_SINCE } from "../../lambda/db/catalog.js";

/** `server_version_num` of the server `client` is connected to, e.g. 160014 for 16.14. */
export async function readServerVersionNum(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  return Number(rows[0]?.v);
}

/** Whether a role can be let refresh a materialized view it does not own (`MAINTAIN`, PostgreSQL 17+). */
export function hasMaintainPrivilege(versionNum: number): boolean {
  // The job's own threshold (its refresh-permission check branches on it), so the two cannot drift.
  return versionNum >= MAINTAIN_SINCE;
}
