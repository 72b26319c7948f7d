/**
 * The refresh-permission check (`readDependencyGraph`'s `permitted`, contract 9.4) on both sides of the
 * line PostgreSQL 17 drew: on 16 only the owner (or a member of the owner role) may refresh a materialized
 * view, on 17 a role holding MAINTAIN (`pg_maintain`) may too. Each side runs on its own embedded server
 * (`withEmbeddedMajor`), whatever server the rest of the suite uses, and the check must agree with what
 * PostgreSQL itself then does with the REFRESH.
 */
import { describe, expect, it } from "vitest";
import { readDependencyGraph } from "../../lambda/db/catalog.js";
import { withClient } from "../../reference/with-client.js";
import { EMBEDDED_MAJOR_TIMEOUT_MS, withEmbeddedMajor } from "../support/embedded-major.js";
import { hasMaintainPrivilege, readServerVersionNum } from "../support/postgres-version.js";

const INSUFFICIENT_PRIVILEGE = "42501";

/** As the superuser: a populated materialized view it owns, and a login role that does not own it. */
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

/** As `url`'s role: what the job's check says about `mv`, and what REFRESH then does ("ok" or SQLSTATE). */
async function checkThenRefresh(
  url: string,
  versionNum: number,
): Promise<{ permitted?: boolean; refresh: string }> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ oid: number }>("SELECT 'mv'::regclass::oid::int AS oid");
    const graph = await readDependencyGraph(client, [rows[0]?.oid as number], versionNum);
    const permitted = graph.find((node) => node.relname === "mv")?.permitted;
    try {
      await client.query("REFRESH MATERIALIZED VIEW mv");
      return { permitted, refresh: "ok" };
    } catch (error) {
      return { permitted, refresh: (error as { code?: string }).code ?? String(error) };
    }
  });
}

describe("the refresh-permission check on PostgreSQL 16 and 17", () => {
  it(
    "16 (no MAINTAIN): a non-owner is not permitted and cannot refresh; once it owns the view it is and can",
    async () => {
      const outcome = await withEmbeddedMajor(16, async (url, versionNum) => {
        const reported = await withClient(url, readServerVersionNum);
        const refresher = await prepare(url);
        const nonOwner = await checkThenRefresh(refresher, versionNum);
        await withClient(url, (c) => c.query("ALTER MATERIALIZED VIEW mv OWNER TO refresher"));
        const owner = await checkThenRefresh(refresher, versionNum);
        return { versionNum, reported, nonOwner, owner };
      });
      expect(Math.floor(outcome.versionNum / 10_000)).toBe(16);
      expect(outcome.reported).toBe(outcome.versionNum);
      expect(hasMaintainPrivilege(outcome.versionNum)).toBe(false);
      expect(outcome.nonOwner).toEqual({ permitted: false, refresh: INSUFFICIENT_PRIVILEGE });
      expect(outcome.owner).toEqual({ permitted: true, refresh: "ok" });
    },
    EMBEDDED_MAJOR_TIMEOUT_MS,
  );

  it(
    "17 (MAINTAIN): a non-owner is not permitted and cannot refresh; holding pg_maintain it is and can",
    async () => {
      const outcome = await withEmbeddedMajor(17, async (url, versionNum) => {
        const refresher = await prepare(url);
        const without = await checkThenRefresh(refresher, versionNum);
        await withClient(url, (c) => c.query("GRANT pg_maintain TO refresher"));
        const withMaintain = await checkThenRefresh(refresher, versionNum);
        return { versionNum, without, withMaintain };
      });
      expect(Math.floor(outcome.versionNum / 10_000)).toBe(17);
      expect(hasMaintainPrivilege(outcome.versionNum)).toBe(true);
      expect(outcome.without).toEqual({ permitted: false, refresh: INSUFFICIENT_PRIVILEGE });
      expect(outcome.withMaintain).toEqual({ permitted: true, refresh: "ok" });
    },
    EMBEDDED_MAJOR_TIMEOUT_MS,
  );
});
