/**
 * `reference load`: puts a profile's schema and generated data into the operator's own PostgreSQL, so the
 * job can be tried there (docs/reference.md). Idempotent: the migrations record what they applied
 * (`reference_meta.migrations`) and the data load replaces the reference tables' rows. A database that
 * holds anything else is refused unless `--force`, because the load empties tables of the same names.
 */
import pg from "pg";
import { asReconcileError, ConfigurationError } from "../errors.js";
import { connectionFromUrl, probe } from "./connection.js";
import { type CliIo, EXIT, NAME, type ReferenceLoadFlags } from "./main.js";

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
 * `sql/reference/`; `deployment` (views built the way the deployment builds them) plugs in here when its
 * migrations are part of the build: until then `load` is undefined and the command says so.
 */
export interface Profile {
  describe: string;
  load?: (
    client: pg.ClientBase,
    options: { seed: number; scale: number; asOf: string },
  ) => Promise<LoadedProfile>;
}

export const PROFILES: Readonly<Record<string, Profile>> = {
  reference: {
    describe: "the reference schema of sql/reference/ with generated data",
    async load(client, { seed, scale, asOf }) {
      // Imported here: the generator is large and only this command needs it.
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
    describe: "views built the way the deployment builds them",
  },
};

/** Schemas whose objects the loaders own; anything else in the database is someone else's. */
const SYSTEM_SCHEMAS = ["pg_catalog", "information_schema"];

/**
 * Up to `limit` objects (relations, functions, types) outside the system schemas, by qualified name, and
 * whether a previous load left its record. An empty `public` schema counts as empty.
 */
async function inventory(
  client: pg.ClientBase,
  limit = 5,
): Promise<{ loadedBefore: boolean; others: string[] }> {
  const meta = await client.query<{ present: boolean }>(
    "SELECT to_regclass('reference_meta.migrations') IS NOT NULL AS present",
  );
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
  return { loadedBefore: meta.rows[0]?.present === true, others: rows.map((r) => r.name) };
}

export async function referenceLoadCommand(
  flags: ReferenceLoadFlags,
  databaseUrl: string,
  io: CliIo,
): Promise<number> {
  const profile = PROFILES[flags.profile];
  if (!profile?.load) {
    throw new ConfigurationError(
      `reference load: the ${flags.profile} profile (${profile?.describe ?? "unknown"}) is not available in this build; use --profile reference`,
    );
  }
  const connection = connectionFromUrl(databaseUrl);
  const pool = new pg.Pool({
    ...connection.config,
    max: 1,
    connectionTimeoutMillis: 15_000,
    application_name: NAME,
  });
  pool.on("error", () => undefined);
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
      await client.query("SELECT set_config('TimeZone', $1, false)", [flags.timeZone]);
      const asOf =
        flags.asOf ??
        (await client.query<{ d: string }>("SELECT to_char(CURRENT_DATE, 'YYYY-MM-DD') AS d")).rows[0]?.d ??
        "";
      // A failure while loading (no CREATE privilege, a migration changed since it was applied) says where.
      const loaded = await profile
        .load(client, { seed: flags.seed, scale: flags.scale, asOf })
        .catch((error) => {
          throw asReconcileError(error, {
            phase: "reference load",
            action: `loading the ${flags.profile} profile into`,
            object: connection.target,
          });
        });
      if (flags.json) io.stdout(`${JSON.stringify({ target: connection.target, ...loaded }, null, 2)}\n`);
      else if (!flags.quiet) io.stdout(formatLoaded(connection.target, loaded));
      return EXIT.ok;
    } catch (error) {
      // A failure while loading (no privilege on a schema, a migration changed since it was applied) says
      // where; the refusal above is already in the job's words and passes through.
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
