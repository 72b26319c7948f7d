import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";

/** A private copy of the migrated reference schema (no data), dropped when the test file ends. */
export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** A small pool for the test's own set-up and assertions. */
  readonly pool: pg.Pool;
  /** Drops the database (forcing out any connection left behind). Idempotent. */
  drop(): Promise<void>;
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject("pgAdminUrl") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Which schema a test database holds: `reference` (sql/reference, the default) or `deployment`
 * (sql/deployment, the deployment's own view shapes, claims view in the live state).
 */
export type SchemaProfile = "reference" | "deployment";

export interface TestDatabaseOptions {
  profile?: SchemaProfile;
}

/** Clones the profile's template into a randomly named database. */
export async function createTestDatabase(opts: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const name = `reconcile_test_${randomBytes(6).toString("hex")}`;
  const template = opts.profile === "deployment" ? inject("pgTemplateDeployment") : inject("pgTemplate");
  await withAdmin((admin) =>
    admin.query(
      `CREATE DATABASE ${admin.escapeIdentifier(name)} TEMPLATE ${admin.escapeIdentifier(template)}`,
    ),
  );
  const target = new URL(inject("pgAdminUrl"));
  target.pathname = `/${name}`;
  const url = target.toString();
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // DROP ... WITH (FORCE) terminates whatever is still connected; an idle client dying then is expected.
  pool.on("error", () => undefined);
  let dropped = false;
  return {
    name,
    url,
    pool,
    async drop() {
      if (dropped) return;
      dropped = true;
      await pool.end();
      await withAdmin((admin) =>
        admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`),
      );
    },
  };
}

/**
 * Registers a per-file database: cloned in `beforeAll`, dropped in `afterAll`. Call the returned getter
 * inside tests.
 */
export function useTestDatabase(opts: TestDatabaseOptions = {}): () => TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(opts);
  });
  afterAll(async () => {
    await db?.drop();
  });
  return () => {
    if (!db) throw new Error("test database not ready: call inside a test or hook");
    return db;
  };
}
