import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { checksum, migrate } from "../../reference/migrate.js";
import { MIGRATIONS } from "../../reference/schema.generated.js";
import { withClient } from "../../reference/with-client.js";

const created: string[] = [];

/** A new, empty database on the test server (not a clone of the migrated template). */
async function emptyDatabase(): Promise<string> {
  const name = `reference_migrate_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: inject("pgAdminUrl") });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  created.push(name);
  const url = new URL(inject("pgAdminUrl"));
  url.pathname = `/${name}`;
  return url.toString();
}

/** Everything migrate() creates, in a comparable form: relations, columns, indexes, functions, view text. */
async function catalogSnapshot(c: pg.Client): Promise<unknown> {
  const q = async (sql: string) => (await c.query(sql)).rows;
  return {
    relations: await q(`SELECT n.nspname, c.relname, c.relkind, c.oid::regclass::text AS oid_name
                          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname IN ('public', 'ops', 'reference_meta') ORDER BY 1, 2`),
    columns: await q(`SELECT table_schema, table_name, column_name, data_type, ordinal_position
                        FROM information_schema.columns WHERE table_schema IN ('public', 'ops', 'reference_meta')
                       ORDER BY 1, 2, 5`),
    indexes: await q(`SELECT schemaname, indexname, indexdef FROM pg_indexes
                       WHERE schemaname IN ('public', 'ops', 'reference_meta') ORDER BY 1, 2`),
    views: await q(`SELECT c.oid::regclass::text AS name, pg_get_viewdef(c.oid) AS def FROM pg_class c
                     JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'ops' AND c.relkind IN ('v', 'm') ORDER BY 1`),
    functions: await q(`SELECT p.oid::regprocedure::text AS f, md5(p.prosrc) AS src FROM pg_proc p
                         JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'ops' ORDER BY 1`),
    migrations: await q("SELECT name, checksum, applied_at FROM reference_meta.migrations ORDER BY name"),
  };
}

afterAll(async () => {
  const admin = new pg.Client({ connectionString: inject("pgAdminUrl") });
  await admin.connect();
  try {
    for (const name of created)
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
});

describe("reference migrations", () => {
  it("apply every migration once; applying again changes nothing", async () => {
    const url = await emptyDatabase();
    await withClient(url, async (c) => {
      const first = await migrate(c);
      expect(first.applied).toEqual(MIGRATIONS.map((m) => m.name));
      const before = await catalogSnapshot(c);
      const second = await migrate(c);
      expect(second.applied).toEqual([]);
      expect(await catalogSnapshot(c)).toEqual(before);
      const { rows } = await c.query("SELECT name, checksum FROM reference_meta.migrations ORDER BY name");
      expect(rows).toEqual(MIGRATIONS.map((m) => ({ name: m.name, checksum: checksum(m.sql) })));
    });
  });

  it("re-running the SQL files themselves is harmless (IF NOT EXISTS / OR REPLACE)", async () => {
    const url = await emptyDatabase();
    await withClient(url, async (c) => {
      await migrate(c);
      const before = await catalogSnapshot(c);
      for (const m of MIGRATIONS) await c.query(m.sql);
      expect(await catalogSnapshot(c)).toEqual(before);
    });
  });

  it("two concurrent applies both succeed and apply each migration exactly once", async () => {
    const url = await emptyDatabase();
    const [a, b] = await Promise.all([withClient(url, migrate), withClient(url, migrate)]);
    expect([...(a?.applied ?? []), ...(b?.applied ?? [])].sort()).toEqual(
      MIGRATIONS.map((m) => m.name).sort(),
    );
    expect([a?.applied.length, b?.applied.length].sort()).toEqual([0, MIGRATIONS.length]);
    await withClient(url, async (c) => {
      const { rows } = await c.query("SELECT count(*)::int AS n FROM reference_meta.migrations");
      expect(rows[0].n).toBe(MIGRATIONS.length);
    });
  });

  it("refuses a migration edited after it was applied, and rolls back", async () => {
    const url = await emptyDatabase();
    await withClient(url, async (c) => {
      await migrate(c);
      const edited = MIGRATIONS.map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- edited` } : m));
      await expect(migrate(c, edited)).rejects.toThrow(/001_functions changed after it was applied/);
      const { rows } = await c.query("SELECT 1 AS ok");
      expect(rows[0].ok).toBe(1);
    });
  });
});
