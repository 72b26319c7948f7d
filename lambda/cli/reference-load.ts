/**
 * `reference load`: puts a profile's schema and generated data into the operator's own PostgreSQL, so the
 * job can be tried there (docs/reference.md). Idempotent: the migrations record what they applied
 * (`reference_meta.migrations`) and the data load replaces the reference tables' rows. A database that
 * holds anything else is refused unless `--force`, because the load empties tables of the same names.
 */
import type pg from "pg";
import { asReconcileError, ConfigurationError } from "../errors.js";
import { type CliIo, EXIT, NAME, type ReferenceLoadFlags } from "./command.js";
import { connectionFromUrl, openPool, probe } from "./connection.js";

export interface LoadedProfile {
  profile: string;
  asOf: string;
  /** Migrations applied by this load (empty when the schema was already there). */
  applied: string[];
  /** Rows per table. */
  rows: Record<string, number>;
  loadMs: number;
  /** The run flags that point the job at this profile's views (none: the defaults). */
  jobFlags: string[];
}

/**
 * A profile: the views a database gets and how its data is generated. `reference` is the schema of
 * `sql/reference/`; `deployment` the views built the way the deployment builds them (`sql/deployment/`).
 */
export interface Profile {
  describe: string;
  /** Names of the profile's migrations, to tell its own earlier load from another profile's. */
  migrations: () => Promise<readonly string[]>;
  load: (
    client: pg.ClientBase,
    options: { seed: number; scale: number; asOf: string },
  ) => Promise<LoadedProfile>;
}

/**
 * The profiles `reference load` knows. Each imports its migrations and generator when chosen: they are
 * large and only this command needs them.
 */
export const PROFILES: Readonly<Record<string, Profile>> = {
  reference: {
    describe: "the reference schema of sql/reference/ with generated data",
    migrations: async () =>
      (await import("../../reference/schema.generated.js")).MIGRATIONS.map((m) => m.name),
    async load(client, { seed, scale, asOf }) {
      const [{ migrate }, { generate }] = await Promise.all([
        import("../../reference/migrate.js"),
        import("../../reference/generator.js"),
      ]);
      const { applied } = await migrate(client);
      const truth = await generate(client, { seed, scale, asOf });
      return { profile: "reference", asOf, applied, rows: truth.counts, loadMs: truth.loadMs, jobFlags: [] };
    },
  },
  deployment: {
    describe:
      "the deployment's own view shapes of sql/deployment/ (docs/deployment-profile.md), claims view live",
    migrations: async () =>
      (await import("../../reference/deployment-schema.js")).DEPLOYMENT_MIGRATIONS.map((m) => m.name),
    async load(client, { seed, scale, asOf }) {
      const [{ migrateDeployment }, { generateDeployment }] = await Promise.all([
        import("../../reference/deployment-schema.js"),
        import("../../reference/deployment-generator.js"),
      ]);
      const { applied } = await migrateDeployment(client);
      const truth = await generateDeployment(client, { seed, scale, asOf });
      return {
        profile: "deployment",
        asOf,
        applied,
        rows: truth.counts,
        loadMs: truth.load.loadMs,
        jobFlags: [],
      };
    },
  },
};

/** The system's schemas (with `pg_*`): an object outside them was put there by a load or by someone else. */
const SYSTEM_SCHEMAS = ["pg_catalog", "information_schema"];

/**
 * Up to `limit` objects (relations, functions, types) outside the system schemas, by qualified name, and
 * whether a previous load left its record (and which migrations). An empty `public` schema counts as empty.
 */
async function inventory(
  client: pg.ClientBase,
  limit = 5,
): Promise<{ loadedBefore: boolean; applied: string[]; others: string[] }> {
  const meta = await client.query<{ present: boolean }>(
    "SELECT to_regclass('reference_meta.migrations') IS NOT NULL AS present",
  );
  const loadedBefore = meta.rows[0]?.present === true;
  // The record the migrations keep: which profile loaded this database before.
  const applied = loadedBefore
    ? (
        await client.query<{ name: string }>("SELECT name FROM reference_meta.migrations ORDER BY name")
      ).rows.map((r) => r.name)
    : [];
  const { rows } = await client.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, o.name) AS name
       FROM (SELECT relnamespace AS ns, relname AS name FROM pg_class
             UNION ALL SELECT pronamespace, proname FROM pg_proc
             UNION ALL SELECT typnamespace, typname FROM pg_type t
              WHERE t.typrelid = 0 AND t.typelem = 0) o
       JOIN pg_namespace n ON n.oid = o.ns
      WHERE NOT (n.nspname = ANY ($1::text[])) AND n.nspname NOT LIKE 'pg\\_%'
      ORDER BY 1
      LIMIT $2`,
    [SYSTEM_SCHEMAS, limit],
  );
  return { loadedBefore, applied, others: rows.map((r) => r.name) };
}

export async function referenceLoadCommand(
  flags: ReferenceLoadFlags,
  databaseUrl: string,
  io: CliIo,
): Promise<number> {
  const profile = PROFILES[flags.profile];
  if (!profile) throw new ConfigurationError(`reference load: no profile ${flags.profile} in this build`);
  const connection = connectionFromUrl(databaseUrl);
  const pool = openPool(connection, 1, NAME);
  try {
    await probe(pool, connection.target);
    const client = await pool.connect();
    try {
      const found = await inventory(client);
      if (!found.loadedBefore && found.others.length > 0 && !flags.force) {
        throw new ConfigurationError(
          `reference load: ${connection.target} already holds other objects (${found.others.join(", ")}${found.others.length >= 5 ? ", ..." : ""}); use an empty database (createdb) or pass --force, which empties tables of the same names`,
        );
      }
      // Two profiles build objects of the same names differently: one database holds one profile.
      const own = new Set(await profile.migrations());
      const foreign = found.applied.filter((name) => !own.has(name));
      if (foreign.length > 0 && !flags.force) {
        throw new ConfigurationError(
          `reference load: ${connection.target} holds another profile (migrations ${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""}); load --profile ${flags.profile} into its own empty database`,
        );
      }
      await client.query("SELECT set_config('TimeZone', $1, false)", [flags.timeZone]);
      const asOf =
        flags.asOf ??
        (await client.query<{ d: string }>("SELECT to_char(CURRENT_DATE, 'YYYY-MM-DD') AS d")).rows[0]?.d ??
        "";
      const loaded = await profile.load(client, { seed: flags.seed, scale: flags.scale, asOf });
      if (flags.json) io.stdout(`${JSON.stringify({ target: connection.target, ...loaded }, null, 2)}\n`);
      else if (!flags.quiet) io.stdout(formatLoaded(connection.target, loaded));
      return EXIT.ok;
    } catch (error) {
      // A failure while loading (no CREATE privilege, a migration changed since it was applied) says where;
      // the refusals above are already in the job's words and pass through.
      throw asReconcileError(error, {
        phase: "reference load",
        action: `loading the ${flags.profile} profile into`,
        object: connection.target,
      });
    } finally {
      client.release();
    }
  } finally {
    await pool.end().catch(() => undefined);
  }
}

function formatLoaded(target: string, loaded: LoadedProfile): string {
  const total = Object.values(loaded.rows).reduce((a, b) => a + b, 0);
  const lines = [
    `${NAME} reference load  ${loaded.profile}  into ${target}  as of ${loaded.asOf}`,
    `  migrations applied: ${loaded.applied.length > 0 ? loaded.applied.join(", ") : "none (already there)"}`,
    `  rows loaded: ${total} in ${(loaded.loadMs / 1000).toFixed(1)} s (${Object.entries(loaded.rows)
      .map(([table, n]) => `${table} ${n}`)
      .join(", ")})`,
    "",
    "next: see what the job would do (nothing is refreshed, no lock is taken):",
    `  ${NAME} --database-url <the same URL> --as-of ${loaded.asOf} --dry-run${loaded.jobFlags.map((f) => ` ${f}`).join("")}`,
  ];
  return `${lines.join("\n")}\n`;
}
