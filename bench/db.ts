/**
 * The benchmark's databases: one embedded server, one template database per scale (migrated, generated,
 * loaded once), and a throw-away clone per measured run, so every run starts from the same bytes with the
 * planted gaps fresh (the claims MVs stale exactly as the generator left them).
 */
import { randomBytes } from "node:crypto";
import { DEFAULT_TIME_ZONE } from "../lambda/config.js";
import { type EmbeddedServer, startEmbeddedPostgres } from "../reference/embedded.js";
import { type GroundTruth, generate } from "../reference/generator.js";
import { migrate } from "../reference/migrate.js";
import { withClient } from "../reference/with-client.js";

/**
 * Server settings for the benchmark (said in RESULTS.md): buffers large enough to hold scale 10 and
 * work_mem for the set-based hash joins; durability off because nothing here must survive a crash.
 */
export const BENCH_PG_FLAGS = [
  "-c",
  "shared_buffers=2GB",
  "-c",
  "work_mem=64MB",
  "-c",
  "maintenance_work_mem=512MB",
  "-c",
  "synchronous_commit=off",
  "-c",
  "max_wal_size=8GB",
  "-c",
  "checkpoint_timeout=30min",
  // Autovacuum would analyze a clone at a random moment of a measured run; the template is vacuumed and
  // analyzed once instead, so every run starts from the same statistics.
  "-c",
  "autovacuum=off",
];

export async function startBenchServer(): Promise<EmbeddedServer> {
  return startEmbeddedPostgres({ postgresFlags: BENCH_PG_FLAGS });
}

export { withClient };

export interface Template {
  name: string;
  scale: number;
  truth: Omit<GroundTruth, "windowRows">;
  windowRows: number;
  /** Wall time of build + COPY + snapshot refresh + ground truth (ms). */
  generateMs: number;
  sizeBytes: number;
}

/** Creates `tpl_s<scale>`: reference schema, generated data (stale claims MVs), ready to clone. */
export async function makeTemplate(
  server: EmbeddedServer,
  scale: number,
  asOf: string,
  seed = 1,
): Promise<Template> {
  const name = `tpl_s${String(scale).replace(/\W/g, "_")}`;
  await withClient(server.url, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  });
  const started = performance.now();
  const result = await withClient(server.urlFor(name), async (client) => {
    await client.query("SELECT set_config('TimeZone', $1, false)", [DEFAULT_TIME_ZONE]);
    await migrate(client);
    const { dataset: _dataset, windowRows, ...truth } = await generate(client, { seed, scale, asOf });
    await client.query("VACUUM (ANALYZE)"); // what autovacuum would have done by the next hourly run
    const size = await client.query<{ b: string }>("SELECT pg_database_size(current_database())::text AS b");
    return { truth, windowRows: windowRows.length, sizeBytes: Number(size.rows[0]?.b ?? 0) };
  });
  return { name, scale, generateMs: Math.round(performance.now() - started), ...result };
}

/** A fresh copy of `template` (FILE_COPY: a file-level copy, seconds even at scale 10). */
export async function cloneDatabase(server: EmbeddedServer, template: string): Promise<string> {
  const name = `run_${randomBytes(5).toString("hex")}`;
  await withClient(server.url, (admin) =>
    admin.query(`CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY FILE_COPY`),
  );
  return name;
}

export async function dropDatabase(server: EmbeddedServer, name: string): Promise<void> {
  await withClient(server.url, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** Runs `fn` on a fresh clone of `template` and drops the clone afterwards. */
export async function onClone<T>(
  server: EmbeddedServer,
  template: string,
  fn: (url: string) => Promise<T>,
): Promise<T> {
  const name = await cloneDatabase(server, template);
  try {
    return await fn(server.urlFor(name));
  } finally {
    await dropDatabase(server, name);
  }
}
