/**
 * Measures the reference database at given scales: generation, COPY rows/second, claims MV refreshes and the
 * queries the job and the runbook run. Starts an embedded PostgreSQL unless DATABASE_URL is set (then it
 * uses, and overwrites, that database's reference tables).
 *
 *   npx tsx reference/measure.ts [--scales 1,10] [--seed 1] [--runs 5]
 */
import pg from "pg";
import { type EmbeddedServer, startEmbeddedPostgres } from "./embedded.js";
import { buildDataset } from "./generator.js";
import { CLAIMS_MVS, loadDataset } from "./load.js";
import { migrate } from "./migrate.js";
import { RUNBOOK_QUERY_1, RUNBOOK_QUERY_2 } from "./runbook.js";

async function timeQuery(client: pg.Client, sql: string, values: unknown[], runs: number) {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = await client.query(sql, values);
    times.push(performance.now() - t);
    rows = r.rowCount ?? 0;
  }
  times.sort((a, b) => a - b);
  return { median_ms: Math.round((times[Math.floor(runs / 2)] as number) * 10) / 10, rows };
}

async function main(argv: string[]) {
  const arg = (name: string, dflt: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? (argv[i + 1] ?? dflt) : dflt;
  };
  const scales = arg("--scales", "1,10").split(",").map(Number);
  const seed = Number(arg("--seed", "1"));
  const runs = Number(arg("--runs", "5"));
  const server: EmbeddedServer | undefined = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres();
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL ?? server?.url });
  await client.connect();
  try {
    await migrate(client);
    const asOf = (await client.query("SELECT to_char(CURRENT_DATE, 'YYYY-MM-DD') AS d")).rows[0].d as string;
    for (const scale of scales) {
      let t = performance.now();
      const ds = buildDataset({ seed, scale, asOf });
      const buildMs = Math.round(performance.now() - t);
      const load = await loadDataset(client, ds);
      const window = "SELECT * FROM ops.v_cabinet_claims_gap_14d WHERE lead_date >= CURRENT_DATE - 21";
      const drivers = (
        await client.query(
          "SELECT array_agg(DISTINCT driver_id) AS d FROM ops.v_cabinet_claims_gap_14d WHERE lead_date >= CURRENT_DATE - 21",
        )
      ).rows[0].d as string[];
      await client.query("DROP TABLE IF EXISTS pg_temp.m_drivers");
      await client.query("CREATE TEMP TABLE m_drivers AS SELECT unnest($1::text[]) AS driver_id", [drivers]);
      await client.query("ANALYZE pg_temp.m_drivers");
      const queries = {
        gap_window: await timeQuery(client, window, [], runs),
        runbook_query_1: await timeQuery(client, RUNBOOK_QUERY_1, [], runs),
        runbook_query_2: await timeQuery(client, RUNBOOK_QUERY_2, [], runs),
        achieved_any_array: await timeQuery(
          client,
          "SELECT * FROM ops.v_cabinet_milestones_achieved_from_payment_calc WHERE driver_id = ANY($1::text[])",
          [drivers],
          runs,
        ),
        achieved_in_temp_table: await timeQuery(
          client,
          "SELECT * FROM ops.v_cabinet_milestones_achieved_from_payment_calc WHERE driver_id IN (SELECT driver_id FROM pg_temp.m_drivers)",
          [],
          runs,
        ),
        payment_calc_any_array: await timeQuery(
          client,
          "SELECT * FROM ops.v_payment_calculation WHERE driver_id = ANY($1::text[])",
          [drivers],
          runs,
        ),
        claims_any_array: await timeQuery(
          client,
          "SELECT * FROM ops.v_claims_payment_status_cabinet WHERE driver_id = ANY($1::text[])",
          [drivers],
          runs,
        ),
        gap_full: await timeQuery(client, "SELECT * FROM ops.v_cabinet_claims_gap_14d", [], 1),
        achieved_full: await timeQuery(
          client,
          "SELECT * FROM ops.v_cabinet_milestones_achieved_from_payment_calc",
          [],
          1,
        ),
      };
      const refresh: Record<string, number> = {};
      for (const mv of CLAIMS_MVS) {
        t = performance.now();
        await client.query(`REFRESH MATERIALIZED VIEW CONCURRENTLY ${mv}`);
        refresh[`${mv} concurrently`] = Math.round(performance.now() - t);
      }
      console.log(
        JSON.stringify(
          {
            scale,
            seed,
            asOf,
            buildMs,
            load,
            windowDrivers: drivers.length,
            queries,
            refreshAfterLateRows: refresh,
          },
          null,
          2,
        ),
      );
    }
  } finally {
    await client.end();
    await server?.stop();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
