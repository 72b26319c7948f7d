/**
 * `npm run bench:deployment -- [--scales 1,10] [--runs 3] [--state live|drift]`: the job on the
 * deployment profile, against the floor of the view reads it must make. For each scale: the job's wall
 * time (median of `runs` real runs, after one warm-up), and EXPLAIN ANALYZE of each read it makes, the way it
 * makes it (the gap view's window; the claims, canonical achieved and payment calculation views and the
 * trips for the analysed drivers), weighted by how often a run makes it, plus its refreshes as the run
 * itself timed them. Prints a table and the ratio job / sum; writes no file.
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { ReconcileCabinetClaims14d } from "../lambda/reconcile.js";
import { generateDeployment } from "../reference/deployment-generator.js";
import { type DeploymentState, migrateDeployment } from "../reference/deployment-schema.js";
import { startBenchServer, withClient } from "./db.js";
import { explain } from "./explain.js";
import { median, ms } from "./stats.js";

const { values: args } = parseArgs({
  options: {
    scales: { type: "string", default: "1" },
    runs: { type: "string", default: "3" },
    state: { type: "string", default: "live" },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  process.stdout.write(
    "usage: npm run bench:deployment -- [--scales 1,10] [--runs 3] [--state live|drift]\n" +
      "Generates the deployment profile at each scale on an embedded PostgreSQL, runs the job, and prints its\n" +
      "wall time against EXPLAIN ANALYZE of each view read it makes. Writes no file.\n",
  );
  process.exit(0);
}
const scales = (args.scales as string).split(",").map(Number);
const runs = Number(args.runs);
const state = args.state as DeploymentState;
const AS_OF = "2026-11-24";

/**
 * The reads a run makes, each as the job makes it (the analysed drivers bound as one array, as the job's
 * temp table gives them), and how many times one run makes it.
 */
function reads(
  asOf: string,
  ids: string[],
): Array<{ label: string; times: number; sql: string; values: unknown[] }> {
  const drivers = "$1::text[]";
  return [
    {
      label: "gap view, 21-day window (identify)",
      times: 1,
      sql: "SELECT * FROM ops.v_cabinet_claims_gap_14d WHERE lead_date >= $1::date - 21",
      values: [asOf],
    },
    {
      label: "claims view, analysed drivers (first look, re-verify)",
      times: 2,
      sql: `SELECT driver_id, milestone_value, lead_date FROM ops.v_claims_payment_status_cabinet WHERE driver_id = ANY(${drivers})`,
      values: [ids],
    },
    {
      label: "achieved view, analysed drivers (first look, re-verify)",
      times: 2,
      sql: `SELECT * FROM ops.v_cabinet_milestones_achieved_from_payment_calc WHERE driver_id = ANY(${drivers})`,
      values: [ids],
    },
    {
      label: "payment calculation, analysed drivers (re-verify)",
      times: 1,
      sql: `SELECT * FROM ops.v_payment_calculation WHERE origin_tag = 'cabinet' AND rule_scope = 'partner' AND driver_id = ANY(${drivers})`,
      values: [ids],
    },
    {
      label: "trips, analysed drivers (trip dates, re-verify)",
      times: 2,
      sql: `SELECT * FROM public.summary_daily WHERE driver_id = ANY(${drivers})`,
      values: [ids],
    },
  ];
}

const server = await startBenchServer();
try {
  for (const scale of scales) {
    const db = `deployment_${String(scale).replace(".", "_")}`;
    await withClient(server.url, (c) => c.query(`CREATE DATABASE ${db}`));
    const url = new URL(server.url);
    url.pathname = `/${db}`;
    const started = performance.now();
    const truth = await withClient(url.toString(), async (client) => {
      await migrateDeployment(client);
      const t = await generateDeployment(client, { seed: 7, scale, asOf: AS_OF, state });
      await client.query("VACUUM ANALYZE");
      return t;
    });
    const generatedMs = performance.now() - started;
    const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    try {
      const job = new ReconcileCabinetClaims14d(pool);
      await job.runReconcile({ asOf: AS_OF });
      const walls: number[] = [];
      let last: Awaited<ReturnType<typeof job.runReconcile>> | undefined;
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        last = await job.runReconcile({ asOf: AS_OF });
        walls.push(performance.now() - t0);
      }
      const report = last as NonNullable<typeof last>;
      const explained = await withClient(url.toString(), async (client) => {
        const out: Array<{ label: string; times: number; ms: number }> = [];
        const ids = [...new Set((report.rows ?? []).flatMap((r) => (r.driver_id ? [r.driver_id] : [])))];
        for (const r of reads(AS_OF, ids)) {
          const plan = await explain(client, r.label, r.sql, r.values, { runs: 3 });
          out.push({ label: r.label, times: r.times, ms: plan.executionMs });
        }
        return out;
      });
      const refreshes = report.refreshed_views.map((v) => ({
        label: `refresh ${v.name} (${v.stage}, ${v.mode})`,
        times: 1,
        ms: v.duration_ms,
      }));
      const all = [...explained, ...refreshes];
      const sum = all.reduce((s, r) => s + r.ms * r.times, 0);
      const wall = median(walls);
      const lines = [
        `\nscale ${scale}, ${state} state: ${truth.counts.summary_daily} trip rows, ${truth.counts.drivers} drivers, ` +
          `${truth.windowRows} gap rows in the window (generated in ${ms(generatedMs)})`,
        `  ${"read".padEnd(66)} ${"each".padStart(9)} ${"x".padStart(2)} ${"total".padStart(9)}`,
        ...all.map(
          (r) =>
            `  ${r.label.padEnd(66)} ${ms(r.ms).padStart(9)} ${String(r.times).padStart(2)} ${ms(r.ms * r.times).padStart(9)}`,
        ),
        `  ${"sum of the reads and refreshes".padEnd(66)} ${"".padStart(12)} ${ms(sum).padStart(9)}`,
        `  ${"job wall time (median of runs)".padEnd(66)} ${"".padStart(12)} ${ms(wall).padStart(9)}`,
        `  job / sum: ${(wall / sum).toFixed(2)}x   (runs: ${walls.map((w) => ms(w)).join(", ")})`,
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    } finally {
      await pool.end();
    }
  }
} finally {
  await server.stop();
}
