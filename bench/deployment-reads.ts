/**
 * `npm run bench:deployment -- [--scales 1,10] [--state live,drift]`: the job on the deployment profile
 * (docs/contract.md §10.3), for each scale and claims-view state, on two clones of one generated database:
 * the job as it is (a first run, then a steady second run) beside today's behaviour (`forceRefresh`, first
 * and second run) in the same process. For each run: wall time, the views the job's statements read and how
 * often, the refreshes, the staleness checks' time, and the longest wait of a reader of the claims view and
 * of each copy querying every 20 ms during the run. Then the floor: EXPLAIN ANALYZE of one read of each view
 * the job needs, plus the steady run's staleness checks. Prints markdown tables; writes no file.
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { ReconcileCabinetClaims14d } from "../lambda/reconcile.js";
import { generateDeployment } from "../reference/deployment-generator.js";
import { DEPLOYMENT_MVS, type DeploymentState, migrateDeployment } from "../reference/deployment-schema.js";
import { startBenchServer, withClient } from "./db.js";
import { explain } from "./explain.js";
import { ms } from "./stats.js";

const { values: args } = parseArgs({
  options: {
    scales: { type: "string", default: "1" },
    state: { type: "string", default: "live,drift" },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  process.stdout.write(
    "usage: npm run bench:deployment -- [--scales 1,10] [--state live,drift]\n" +
      "Generates the deployment profile at each scale and state on an embedded PostgreSQL, runs the job (first\n" +
      "and steady second run) beside --force-refresh, with readers of the claims view and its copies, and\n" +
      "prints wall times, reads, refreshes, reader waits and the floor of one read of each view. Writes no file.\n",
  );
  process.exit(0);
}
const scales = (args.scales as string).split(",").map(Number);
const states = (args.state as string).split(",") as DeploymentState[];
const AS_OF = "2026-11-24";

/**
 * One read of each view a run needs, each as the job makes it (the analysed drivers bound as one array, as
 * the job's temp table gives them): the floor a steady run is measured against.
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
      label: "claims view, analysed drivers (first look)",
      times: 2,
      sql: `SELECT driver_id, milestone_value, lead_date FROM ops.v_claims_payment_status_cabinet WHERE driver_id = ANY(${drivers})`,
      values: [ids],
    },
    {
      label: "achieved view, analysed drivers (first look)",
      times: 2,
      sql: `SELECT * FROM ops.v_cabinet_milestones_achieved_from_payment_calc WHERE driver_id = ANY(${drivers})`,
      values: [ids],
    },
    {
      label: "payment calculation, analysed drivers (final facts)",
      times: 1,
      sql: `SELECT * FROM ops.v_payment_calculation WHERE origin_tag = 'cabinet' AND rule_scope = 'partner' AND driver_id = ANY(${drivers})`,
      values: [ids],
    },
    {
      label: "trips, analysed drivers (trip dates)",
      times: 2,
      sql: `SELECT * FROM public.summary_daily WHERE driver_id = ANY(${drivers})`,
      values: [ids],
    },
  ];
}

/** The relations whose reads are counted in the job's statements (quotes removed, lower case). */
const WATCHED = [
  "ops.v_cabinet_claims_gap_14d",
  "ops.v_claims_payment_status_cabinet",
  "ops.v_cabinet_milestones_achieved_from_payment_calc",
  "ops.v_payment_calculation",
  "public.summary_daily",
  ...DEPLOYMENT_MVS.payments,
  DEPLOYMENT_MVS.receivable,
  ...DEPLOYMENT_MVS.downstream,
];

/** Counts, per watched relation, the job's statements that name it (REFRESH statements apart). */
function countReads(pool: pg.Pool): Map<string, number> {
  const counts = new Map<string, number>();
  pool.on("connect", (client) => {
    const original = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const first = args[0] as string | { text?: string } | undefined;
      const text = (typeof first === "string" ? first : (first?.text ?? "")).replace(/"/g, "").toLowerCase();
      if (!/^\s*refresh materialized view/.test(text)) {
        for (const name of WATCHED) if (text.includes(name)) counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      return original(...args);
    };
  });
  return counts;
}

/**
 * A reader querying `sql` every 20 ms; `stop()` returns the longest query it saw (ms). `pid` lets the lock
 * monitor tell a query slowed by the machine from one waiting on a lock.
 */
async function reader(
  url: string,
  sql: string,
  values: unknown[],
): Promise<{ pid: number; stop: () => Promise<number> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const pid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid as number;
  let running = true;
  let longest = 0;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      await client.query(sql, values);
      const took = performance.now() - t0;
      longest = Math.max(longest, took);
      await new Promise((r) => setTimeout(r, Math.max(0, 20 - took)));
    }
  })();
  return {
    pid,
    stop: async () => {
      running = false;
      await loop;
      await client.end();
      return longest;
    },
  };
}

/**
 * Polls every 10 ms which of `pids` wait on a lock (`pg_stat_activity.wait_event_type = 'Lock'`); `stop()`
 * returns, per pid, the longest stretch it was seen waiting (ms; 0 when never).
 */
async function lockMonitor(
  url: string,
  pids: number[],
): Promise<{ stop: () => Promise<Map<number, number>> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const since = new Map<number, number>();
  const longest = new Map<number, number>(pids.map((p) => [p, 0]));
  let running = true;
  const loop = (async () => {
    while (running) {
      const now = performance.now();
      const { rows } = await client.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[]) AND wait_event_type = 'Lock'",
        [pids],
      );
      const waiting = new Set(rows.map((r) => r.pid));
      for (const pid of pids) {
        if (waiting.has(pid)) {
          const start = since.get(pid) ?? now;
          since.set(pid, start);
          longest.set(pid, Math.max(longest.get(pid) ?? 0, now - start));
        } else since.delete(pid);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      await client.end();
      return longest;
    },
  };
}

interface RunFigures {
  label: string;
  wallMs: number;
  reads: Map<string, number>;
  refreshed: string[];
  refreshMs: number;
  stalenessMs: number;
  waits: Map<string, number>;
  lockWaits: Map<string, number>;
  wouldRefresh: number;
  phases: string;
}

const READERS = [
  { label: "claims view", rel: "ops.v_claims_payment_status_cabinet" },
  { label: "claims copy", rel: DEPLOYMENT_MVS.downstream[0] },
  { label: "collection", rel: DEPLOYMENT_MVS.downstream[1] },
];

async function measuredRun(
  url: string,
  label: string,
  params: Record<string, unknown>,
  driver: string,
): Promise<RunFigures> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const reads = countReads(pool);
  try {
    const readers = await Promise.all(
      READERS.map((r) => reader(url, `SELECT count(*) FROM ${r.rel} WHERE driver_id = $1`, [driver])),
    );
    const monitor = await lockMonitor(
      url,
      readers.map((r) => r.pid),
    );
    const t0 = performance.now();
    const report = await new ReconcileCabinetClaims14d(pool).runReconcile({ asOf: AS_OF, ...params });
    const wallMs = performance.now() - t0;
    const locked = await monitor.stop();
    const waits = new Map<string, number>();
    const lockWaits = new Map<string, number>();
    for (const [i, r] of readers.entries()) {
      waits.set(READERS[i]?.label as string, await r.stop());
      lockWaits.set(READERS[i]?.label as string, locked.get(r.pid) ?? 0);
    }
    const ok = report.refreshed_views.filter((r) => r.ok);
    return {
      label,
      wallMs,
      reads,
      refreshed: ok.map((r) => r.name.replace(/^ops\./, "")),
      refreshMs: ok.reduce((sum, r) => sum + r.duration_ms, 0),
      stalenessMs: report.phases
        .filter((p) => p.phase.startsWith("staleness"))
        .reduce((sum, p) => sum + p.duration_ms, 0),
      waits,
      lockWaits,
      phases: report.phases
        .filter((p) => !p.phase.startsWith("refresh ops."))
        .map((p) => `${p.phase} ${ms(p.duration_ms)}`)
        .join(", "),
      wouldRefresh: (report.rows ?? []).filter((r) => r.verdict === "WOULD_REFRESH").length,
    };
  } finally {
    await pool.end();
  }
}

const short = (name: string) =>
  name
    .replace(/^(ops|public)\./, "")
    .replace(/^v_cabinet_milestones_achieved_from_payment_calc$/, "achieved view");

const server = await startBenchServer();
try {
  for (const scale of scales) {
    for (const state of states) {
      const base = `dep_${String(scale).replace(".", "_")}_${state}`;
      await withClient(server.url, (c) => c.query(`CREATE DATABASE ${base}`));
      const urlOf = (db: string) => {
        const url = new URL(server.url);
        url.pathname = `/${db}`;
        return url.toString();
      };
      const started = performance.now();
      const truth = await withClient(urlOf(base), async (client) => {
        await migrateDeployment(client);
        const t = await generateDeployment(client, { seed: 7, scale, asOf: AS_OF, state });
        await client.query("VACUUM ANALYZE");
        return t;
      });
      const generatedMs = performance.now() - started;
      // Today's behaviour runs on a clone, so both start from the same bytes.
      await withClient(server.url, (c) => c.query(`CREATE DATABASE ${base}_forced TEMPLATE ${base}`));
      const driver = truth.states[state].rows.find((r) => r.expected.classification === "ALREADY_EXISTS")
        ?.driver_id as string;
      const runs: RunFigures[] = [];
      runs.push(await measuredRun(urlOf(base), "first run", { limit: 5000 }, driver));
      runs.push(await measuredRun(urlOf(base), "steady second run", { limit: 5000 }, driver));
      const dry = await measuredRun(urlOf(base), "steady dry run", { limit: 5000, dryRun: true }, driver);
      runs.push(dry);
      runs.push(
        await measuredRun(
          urlOf(`${base}_forced`),
          "--force-refresh, first",
          { limit: 5000, forceRefresh: true },
          driver,
        ),
      );
      runs.push(
        await measuredRun(
          urlOf(`${base}_forced`),
          "--force-refresh, second",
          { limit: 5000, forceRefresh: true },
          driver,
        ),
      );
      // The floor: one read of each view the job needs, as it makes it, for the analysed drivers.
      const floor = await withClient(urlOf(base), async (client) => {
        const ids = [...new Set(truth.states[state].rows.map((r) => r.driver_id).filter((d) => d !== ""))];
        const out: Array<{ label: string; ms: number }> = [];
        for (const r of reads(AS_OF, ids)) {
          const plan = await explain(client, r.label, r.sql, r.values, { runs: 3 });
          out.push({ label: r.label, ms: plan.executionMs });
        }
        return out;
      });
      const steady = runs[1] as RunFigures;
      const floorMs = floor.reduce((s, r) => s + r.ms, 0) + steady.stalenessMs;
      const forcedSteady = runs[4] as RunFigures;
      const lines = [
        `\n### scale ${scale}, ${state}: ${truth.counts.summary_daily} trip rows, ${truth.counts.drivers} drivers, ${truth.windowRows} gap rows in the window (generated in ${ms(generatedMs)})`,
        "",
        `| run | wall | refreshes | refresh time | staleness checks | longest query: ${READERS.map((r) => r.label).join(" / ")} | longest lock wait: same readers | WOULD_REFRESH rows | statements reading each view |`,
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ...runs.map(
          (r) =>
            `| ${r.label} | ${ms(r.wallMs)} | ${r.refreshed.length}${r.refreshed.length ? ` (${r.refreshed.join(", ")})` : ""} | ${ms(r.refreshMs)} | ${ms(r.stalenessMs)} | ${READERS.map((x) => ms(r.waits.get(x.label) ?? 0)).join(" / ")} | ${READERS.map((x) => ms(r.lockWaits.get(x.label) ?? 0)).join(" / ")} | ${r.wouldRefresh} | ${[...r.reads].map(([k, v]) => `${short(k)} ${v}`).join(", ")} |`,
        ),
        "",
        `Phases of the steady run: ${steady.phases}.`,
        "",
        `Floor of the steady run: one read of each view it needs ${ms(floor.reduce((s, r) => s + r.ms, 0))} (${floor.map((f) => `${f.label.split(",")[0]} ${ms(f.ms)}`).join("; ")}) + staleness checks ${ms(steady.stalenessMs)} = ${ms(floorMs)}; steady wall / floor: ${(steady.wallMs / floorMs).toFixed(2)}x (target <= 1.10).`,
        `Staleness checks ${ms(steady.stalenessMs)} against the refreshes they replace (--force-refresh, second run) ${ms(forcedSteady.refreshMs)}: ${(steady.stalenessMs / Math.max(1, forcedSteady.refreshMs)).toFixed(3)}x; steady wall ${ms(steady.wallMs)} against forced ${ms(forcedSteady.wallMs)}.`,
        `Targets: steady run refreshes nothing: ${steady.refreshed.length === 0 ? "yes" : "**NO**"}; no reader query > 100 ms (steady): ${[...steady.waits.values()].every((w) => w <= 100) ? "yes" : "**NO**"}; no reader waits on a lock > 100 ms (steady): ${[...steady.lockWaits.values()].every((w) => w <= 100) ? "yes" : "**NO**"}; steady dry run has no WOULD_REFRESH: ${dry.wouldRefresh === 0 ? "yes" : "**NO**"}.`,
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
      await withClient(server.url, async (c) => {
        await c.query(`DROP DATABASE ${base}_forced`);
        await c.query(`DROP DATABASE ${base}`);
      });
    }
  }
} finally {
  await server.stop();
}
