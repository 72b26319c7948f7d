/**
 * `npm run demo`: the job end to end on a throw-away PostgreSQL. Starts an embedded server, applies the
 * reference schema, generates a realistic history with every failure mode of domain.md planted, runs the
 * CLI for real (with the refresh), writes out/report.json and out/report.csv, and stops the server.
 */
import pg from "pg";
import { main } from "../lambda/cli/main.js";
import { startEmbeddedPostgres } from "../reference/embedded.js";
import { generate } from "../reference/generator.js";
import { migrate } from "../reference/migrate.js";

const seed = Number(process.env.DEMO_SEED ?? 7);
const scale = Number(process.env.DEMO_SCALE ?? 1);

const server = await startEmbeddedPostgres();
let exitCode = 1;
try {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    // The business day is Lima's, as the job counts it; the data is generated around that day.
    await client.query("SET TIME ZONE 'America/Lima'");
    await migrate(client);
    const truth = await generate(client, { seed, scale });
    const stillMissing = truth.byVerdict.afterRefresh.STILL_MISSING ?? 0;
    process.stdout.write(
      `demo: embedded PostgreSQL on port ${server.port}; generated seed ${seed} scale ${scale} as of ${truth.asOf}: ` +
        `${truth.counts.summary_daily} trip rows, ${truth.windowRows.length} gap-view rows in the window, ` +
        `${truth.staleMvGaps} stale claims, ${stillMissing} gaps a refresh cannot fix (S/ ${truth.amountStillMissing})\n\n`,
    );
  } finally {
    await client.end();
  }
  exitCode = await main([
    "--database-url",
    server.url,
    "--output-json",
    "out/report.json",
    "--output-csv",
    "out/report.csv",
  ]);
} finally {
  await server.stop();
}
process.exitCode = exitCode;
