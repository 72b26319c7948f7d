/**
 * `withEmbeddedMajor` starts the major it is asked for, and the one version difference the refresh needs
 * is real: before PostgreSQL 17 only the owner of a materialized view can refresh it; from 17 a role
 * holding MAINTAIN (`pg_maintain`) can too. 16 and 17 are the two sides of that line.
 */
import { describe, expect, it } from "vitest";
import { withClient } from "../../reference/with-client.js";
import { EMBEDDED_MAJOR_TIMEOUT_MS, withEmbeddedMajor } from "../support/embedded-major.js";
import { hasMaintainPrivilege, readServerVersionNum } from "../support/postgres-version.js";

const INSUFFICIENT_PRIVILEGE = "42501";

/** As the superuser: a materialized view it owns, and a login role that does not own it. */
async function prepare(url: string): Promise<string> {
  return withClient(url, async (client) => {
    await client.query("CREATE TABLE src (id int PRIMARY KEY)");
    await client.query("INSERT INTO src VALUES (1), (2)");
    await client.query("CREATE MATERIALIZED VIEW mv AS SELECT id FROM src");
    await client.query("CREATE ROLE refresher LOGIN PASSWORD 'embedded-major-test'");
    await client.query("GRANT SELECT ON src, mv TO refresher");
    const target = new URL(url);
    target.username = "refresher";
    target.password = "embedded-major-test";
    return target.toString();
  });
}

/** Refreshes `mv` as the non-owner; the SQLSTATE of the failure, or "ok". */
async function refreshAsNonOwner(url: string): Promise<string> {
  return withClient(url, async (client) => {
    try {
      await client.query("REFRESH MATERIALIZED VIEW mv");
      return "ok";
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    }
  });
}

describe("withEmbeddedMajor", () => {
  it(
    "PostgreSQL 16: the server is 16, has no MAINTAIN, and a non-owner cannot refresh",
    async () => {
      const outcome = await withEmbeddedMajor(16, async (url, versionNum) => {
        const reported = await withClient(url, readServerVersionNum);
        const roles = await withClient(url, (c) =>
          c.query("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'pg_maintain'"),
        );
        const refresher = await prepare(url);
        return {
          versionNum,
          reported,
          pgMaintainRows: roles.rowCount,
          refresh: await refreshAsNonOwner(refresher),
        };
      });
      expect(Math.floor(outcome.versionNum / 10_000)).toBe(16);
      expect(outcome.reported).toBe(outcome.versionNum);
      expect(hasMaintainPrivilege(outcome.versionNum)).toBe(false);
      expect(outcome.pgMaintainRows).toBe(0);
      expect(outcome.refresh).toBe(INSUFFICIENT_PRIVILEGE);
    },
    EMBEDDED_MAJOR_TIMEOUT_MS,
  );

  it(
    "PostgreSQL 17: the server is 17, has MAINTAIN, and a non-owner holding it can refresh",
    async () => {
      const outcome = await withEmbeddedMajor(17, async (url, versionNum) => {
        const refresher = await prepare(url);
        const without = await refreshAsNonOwner(refresher);
        await withClient(url, (c) => c.query("GRANT pg_maintain TO refresher"));
        const withMaintain = await refreshAsNonOwner(refresher);
        return { versionNum, without, withMaintain };
      });
      expect(Math.floor(outcome.versionNum / 10_000)).toBe(17);
      expect(hasMaintainPrivilege(outcome.versionNum)).toBe(true);
      expect(outcome.without).toBe(INSUFFICIENT_PRIVILEGE);
      expect(outcome.withMaintain).toBe("ok");
    },
    EMBEDDED_MAJOR_TIMEOUT_MS,
  );
});
