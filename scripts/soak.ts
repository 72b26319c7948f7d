/**
 * Soak: many consecutive runs of the job, as a warm Lambda container would make them (one pool of two
 * connections, reports streamed to an output, rows not kept), against the reference schema with generated
 * data while a background writer keeps adding leads and trips. After every run it checks the report's
 * invariants; across runs it watches the job's sessions on the server and the process's memory.
 *
 *   npm run soak                     200 runs on a fresh embedded PostgreSQL (scale 0.25)
 *   npx tsx scripts/soak.ts --runs 500 --scale 1
 *   DATABASE_URL=postgres://... npx tsx scripts/soak.ts   an existing, migrated, empty database
 *
 * Run with `node --expose-gc` (the npm script does) so memory is sampled after a full collection. Exits 1
 * if any invariant failed, a session leaked, or the heap grew beyond noise.
 */
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import type { Report, ReportRow, ReportSink } from "../lambda/core/types.js";
import { ReconcileCabinetClaims14d } from "../lambda/reconcile.js";
import { startEmbeddedPostgres } from "../reference/embedded.js";
import { generate } from "../reference/generator.js";
import { migrate } from "../reference/migrate.js";

export interface SoakOptions {
  /** A migrated database the soak may fill (its reference tables are truncated by the generator). */
  url: string;
  runs: number;
  scale?: number;
  seed?: number;
  asOf?: string;
  /** Pause between two batches of the background writer (ms). */
  writerIntervalMs?: number;
  /** Called after each run (progress). */
  onRun?: (i: number, sample: RunSample) => void;
}

export interface RunSample {
  status: string;
  ms: number;
  processed: number;
  gapsFound: number;
  rssMb: number;
  heapMb: number;
  /** Sessions on the database after the run (the pool's idle ones). */
  sessions: number;
}

export interface SoakResult {
  runs: number;
  statuses: Record<string, number>;
  /** One line per broken invariant: `run 17: processed 12 != ...`. */
  failures: string[];
  durationMs: number;
  perRunMs: { p50: number; p95: number; max: number };
  gapsFound: { first: number; last: number };
  writer: { batches: number; leads: number; trips: number; errors: number };
  /** MB, sampled after a full GC when available: median of the first and of the last tenth of the runs. */
  rssMb: { start: number; end: number; max: number };
  heapMb: { start: number; end: number; max: number };
  /**
   * Sessions on the soak database besides the soak's admin and writer: before the soak; the job's busy ones
   * at the start of each run (at most); all of them between runs (at most: the pool's idle ones); after
   * the pool is closed.
   */
  sessions: { before: number; jobMaxDuring: number; betweenRunsMax: number; after: number };
  gcExposed: boolean;
}

const JOB_APPLICATION = "reconcile-cabinet-claims-14d";
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.floor((s.length - 1) / 2)] as number);
};
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.min(s.length - 1, Math.floor(p * s.length))] as number);
};
/** Non-negative decimal text to cents, exactly (amounts are never summed as floating point). */
const cents = (amount: string) => {
  const [whole = "0", frac = ""] = amount.split(".");
  return BigInt(whole) * 100n + BigInt(`${frac}00`.slice(0, 2));
};
const centsText = (c: bigint) => `${c / 100n}.${String(c % 100n).padStart(2, "0")}`;

/** What an output saw of a run: its rows, tallied by verdict, and the amount still missing. */
export interface SeenRows {
  rows: number;
  verdicts: Record<string, number>;
  stillMissingCents: bigint;
  finished: boolean;
}

/** A sink like the S3 one: sees every decided row, keeps none. */
export function countingSink(): { sink: ReportSink; seen: SeenRows } {
  const seen: SeenRows = { rows: 0, verdicts: {}, stillMissingCents: 0n, finished: false };
  const sink: ReportSink = {
    async start() {},
    async row(row: ReportRow) {
      seen.rows += 1;
      seen.verdicts[row.verdict] = (seen.verdicts[row.verdict] ?? 0) + 1;
      if (row.verdict === "STILL_MISSING") seen.stillMissingCents += cents(row.amount);
    },
    async finish() {
      seen.finished = true;
    },
    async abort() {},
  };
  return { sink, seen };
}

/**
 * The report's invariants (docs/contract.md §5) against the rows the output received, as messages for the ones
 * that do not hold: metrics count verdicts, processed = should + already + invalid, amounts add up exactly.
 */
export function checkInvariants(report: Report, seen: SeenRows, limit: number): string[] {
  const m = report.metrics;
  const v = (verdict: string) => seen.verdicts[verdict] ?? 0;
  const problems: string[] = [];
  const expect = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  expect(report.status === "completed", `status ${report.status}`);
  expect(seen.finished, "output not finished");
  expect(
    m.processed === m.claims_should_exist + m.claims_already_exist + m.invalid_conditions,
    `processed ${m.processed} != should ${m.claims_should_exist} + already ${m.claims_already_exist} + invalid ${m.invalid_conditions}`,
  );
  expect(seen.rows === m.processed, `${seen.rows} rows streamed for processed ${m.processed}`);
  expect(m.processed <= limit, `processed ${m.processed} > limit ${limit}`);
  // Counted and snapshotted from one read of the gap view: a concurrent writer cannot split them.
  expect(m.processed <= m.gaps_found, `processed ${m.processed} > gaps_found ${m.gaps_found}`);
  expect(
    m.claims_already_exist === v("ALREADY_EXISTS"),
    `claims_already_exist ${m.claims_already_exist} != rows ${v("ALREADY_EXISTS")}`,
  );
  expect(
    m.invalid_conditions === v("INVALID"),
    `invalid_conditions ${m.invalid_conditions} != rows ${v("INVALID")}`,
  );
  expect(
    m.resolved_after_refresh === v("RESOLVED"),
    `resolved_after_refresh ${m.resolved_after_refresh} != rows ${v("RESOLVED")}`,
  );
  expect(
    m.still_missing === v("STILL_MISSING"),
    `still_missing ${m.still_missing} != rows ${v("STILL_MISSING")}`,
  );
  expect(
    m.claims_should_exist === v("RESOLVED") + v("STILL_MISSING") + v("WOULD_REFRESH"),
    `claims_should_exist ${m.claims_should_exist} != rows ${v("RESOLVED") + v("STILL_MISSING") + v("WOULD_REFRESH")}`,
  );
  expect(report.parameters.dryRun || v("WOULD_REFRESH") === 0, "WOULD_REFRESH outside dry-run");
  expect(
    cents(m.amount_still_missing) === seen.stillMissingCents,
    `amount_still_missing ${m.amount_still_missing} != sum of rows ${centsText(seen.stillMissingCents)}`,
  );
  expect(m.refresh_failures === 0, `${m.refresh_failures} refresh failures`);
  const statusTotal = Object.values(report.gap_status_counts).reduce((a, b) => a + b, 0);
  expect(
    report.parameters.onlyGaps || statusTotal === m.gaps_found,
    `gap_status_counts sum ${statusTotal} != gaps_found ${m.gaps_found}`,
  );
  return problems;
}

/**
 * Adds, per batch, in one transaction: a new cabinet lead inside the window with its person, driver and
 * lead event, and trips for it and for a few existing drivers. Everything a real feed would add between
 * two runs; nothing the job writes.
 */
function startWriter(url: string, asOf: string, intervalMs: number) {
  const stats = { batches: 0, leads: 0, trips: 0, errors: 0 };
  const client = new pg.Client({ connectionString: url, application_name: "soak-writer" });
  let stopping = false;
  let n = 0;
  const prefix = randomBytes(3).toString("hex");
  const loop = (async () => {
    await client.connect();
    const base = await client.query<{ lead: string; event: string }>(
      `SELECT (COALESCE(max(id), 0) + 1000000)::text AS lead,
              (SELECT COALESCE(max(id), 0) + 1000000 FROM public.lead_events)::text AS event
         FROM public.module_ct_cabinet_leads`,
    );
    const leadBase = Number(base.rows[0]?.lead);
    const eventBase = Number(base.rows[0]?.event);
    while (!stopping) {
      n += 1;
      const driver = `soak-${prefix}-${n}`;
      const person = `soak-person-${prefix}-${n}`;
      const sourcePk = `SOAK-${prefix}-${n}`;
      const ageDays = n % 20;
      try {
        await client.query("BEGIN");
        await client.query(
          `INSERT INTO public.drivers (driver_id, full_name, hired_at) VALUES ($1, 'Soak Driver', $2::date - $3::int)`,
          [driver, asOf, ageDays],
        );
        await client.query(
          `INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at)
           VALUES ($1, $2, ($3::date - $4::int) + time '10:00')`,
          [leadBase + n, sourcePk, asOf, ageDays],
        );
        await client.query(
          `INSERT INTO public.identity_lead_person (lead_source_pk, person_key, linked_at)
           VALUES ($1, $2, ($3::date - $4::int) + time '10:05')`,
          [sourcePk, person, asOf, ageDays],
        );
        await client.query(
          `INSERT INTO public.identity_person_driver (person_key, driver_id, linked_at)
           VALUES ($1, $2, ($3::date - $4::int) + time '12:00')`,
          [person, driver, asOf, ageDays],
        );
        await client.query(
          `INSERT INTO public.lead_events (id, person_key, origin_tag, event_type, event_at, source_pk)
           VALUES ($1, $2, 'cabinet', 'cabinet_lead', ($3::date - $4::int) + time '10:00', $5)`,
          [eventBase + n, person, asOf, ageDays, sourcePk],
        );
        // Trips for the new driver (some reach M1/M5) and a day more for a few existing drivers.
        const trips = await client.query(
          `INSERT INTO public.summary_daily (driver_id, date_file, count_orders_completed)
           SELECT $1, to_char($2::date - $3::int + d, 'DD-MM-YYYY'), 1 + (d * 7 + $4::int) % 4
             FROM generate_series(0, LEAST($3::int - 1, 3)) d
           UNION ALL
           SELECT s.driver_id, to_char($2::date - 1 - ($4::int % 5), 'DD-MM-YYYY'), 1 + $4::int % 3
             FROM (SELECT DISTINCT driver_id FROM public.summary_daily
                    WHERE driver_id NOT LIKE 'soak-%' ORDER BY driver_id OFFSET ($4::int * 3) % 200 LIMIT 3) s`,
          [driver, asOf, ageDays, n],
        );
        await client.query("COMMIT");
        stats.batches += 1;
        stats.leads += 1;
        stats.trips += trips.rowCount ?? 0;
      } catch {
        stats.errors += 1;
        await client.query("ROLLBACK").catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    stats,
    async stop() {
      stopping = true;
      await loop.catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

/**
 * Backends connected to the soak database other than the soak's own admin and writer sessions: the job's
 * (`application` set: only those running a statement of the job, since DISCARD ALL resets the name of an
 * idle pooled session) or every other one (`application` unset: busy or idle, i.e. what could leak).
 */
async function databaseSessions(admin: pg.Client, database: string, application?: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name NOT IN ('soak-admin', 'soak-writer')
        AND ($2::text IS NULL OR application_name = $2)`,
    [database, application ?? null],
  );
  return rows[0]?.n ?? 0;
}

function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  gc();
  gc();
  return true;
}

/** Runs the soak on `url` (generated data loaded first) and returns what it measured. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const database = new URL(options.url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: options.url, application_name: "soak-admin" });
  await admin.connect();
  try {
    const asOf =
      options.asOf ??
      (await admin.query<{ d: string }>("SELECT to_char(CURRENT_DATE, 'YYYY-MM-DD') AS d")).rows[0]?.d ??
      "2026-11-24";
    await generate(admin, { seed: options.seed ?? 11, scale: options.scale ?? 0.25, asOf });
    await admin.query("VACUUM ANALYZE");
    const before = await databaseSessions(admin, database);

    const writer = startWriter(options.url, asOf, options.writerIntervalMs ?? 20);
    // Like a warm Lambda container: one pool of two connections kept across runs.
    const pool = new pg.Pool({ connectionString: options.url, max: 2, idleTimeoutMillis: 120_000 });
    pool.on("error", () => undefined);
    const job = new ReconcileCabinetClaims14d(pool);
    const samples: RunSample[] = [];
    const failures: string[] = [];
    const statuses: Record<string, number> = {};
    const gcExposed = collectGarbage();
    let jobMaxDuring = 0;
    let betweenRunsMax = 0;
    const started = performance.now();
    try {
      for (let i = 1; i <= options.runs; i++) {
        const dryRun = i % 10 === 0;
        const limit = i % 7 === 0 ? 50 : 1000;
        const { sink, seen } = countingSink();
        const t0 = performance.now();
        const watch = databaseSessions(admin, database, JOB_APPLICATION).then((n) => {
          jobMaxDuring = Math.max(jobMaxDuring, n);
        });
        let report: Report | undefined;
        try {
          report = await job.runReconcile({ asOf, limit, dryRun }, { sinks: [sink], collectRows: false });
        } catch (error) {
          failures.push(
            `run ${i}: threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
          );
        }
        await watch;
        const ms = Math.round(performance.now() - t0);
        if (report) {
          statuses[report.status] = (statuses[report.status] ?? 0) + 1;
          for (const problem of checkInvariants(report, seen, limit)) failures.push(`run ${i}: ${problem}`);
        }
        // Between runs the pool keeps at most its two idle sessions, none busy.
        const jobNow = await databaseSessions(admin, database);
        betweenRunsMax = Math.max(betweenRunsMax, jobNow);
        if (pool.totalCount > 2 || pool.waitingCount > 0 || pool.idleCount !== pool.totalCount) {
          failures.push(
            `run ${i}: pool total ${pool.totalCount}, idle ${pool.idleCount}, waiting ${pool.waitingCount}`,
          );
        }
        collectGarbage();
        const memory = process.memoryUsage();
        const sample: RunSample = {
          status: report?.status ?? "threw",
          ms,
          processed: report?.metrics.processed ?? 0,
          gapsFound: report?.metrics.gaps_found ?? 0,
          rssMb: mb(memory.rss),
          heapMb: mb(memory.heapUsed),
          sessions: jobNow,
        };
        samples.push(sample);
        options.onRun?.(i, sample);
      }
    } finally {
      await writer.stop();
      await pool.end();
    }
    const durationMs = Math.round(performance.now() - started);
    // Let the server notice the closed sockets.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await databaseSessions(admin, database);
    const tenth = Math.max(1, Math.floor(samples.length / 10));
    const head = samples.slice(Math.min(tenth, samples.length - tenth), 2 * tenth); // skip warm-up
    const tail = samples.slice(-tenth);
    return {
      runs: samples.length,
      statuses,
      failures,
      durationMs,
      perRunMs: {
        p50: percentile(
          samples.map((s) => s.ms),
          0.5,
        ),
        p95: percentile(
          samples.map((s) => s.ms),
          0.95,
        ),
        max: Math.max(...samples.map((s) => s.ms)),
      },
      gapsFound: { first: samples[0]?.gapsFound ?? 0, last: samples.at(-1)?.gapsFound ?? 0 },
      writer: writer.stats,
      rssMb: {
        start: median(head.map((s) => s.rssMb)),
        end: median(tail.map((s) => s.rssMb)),
        max: Math.max(...samples.map((s) => s.rssMb)),
      },
      heapMb: {
        start: median(head.map((s) => s.heapMb)),
        end: median(tail.map((s) => s.heapMb)),
        max: Math.max(...samples.map((s) => s.heapMb)),
      },
      sessions: { before, jobMaxDuring, betweenRunsMax, after },
      gcExposed,
    };
  } finally {
    await admin.end();
  }
}

/** Growth allowed between the start and the end of a soak before it counts as a leak (MB). */
export const HEAP_GROWTH_LIMIT_MB = 8;
export const RSS_GROWTH_LIMIT_MB = 40;

/** What makes a soak fail, as messages. */
export function verdictOf(result: SoakResult): string[] {
  const problems = [...result.failures];
  if (result.sessions.after !== result.sessions.before) {
    problems.push(`sessions: ${result.sessions.before} before, ${result.sessions.after} after`);
  }
  if (result.sessions.betweenRunsMax > 2)
    problems.push(`sessions between runs: ${result.sessions.betweenRunsMax} (pool max 2)`);
  if (result.heapMb.end - result.heapMb.start > HEAP_GROWTH_LIMIT_MB) {
    problems.push(`heap grew ${result.heapMb.start} -> ${result.heapMb.end} MB`);
  }
  if (result.rssMb.end - result.rssMb.start > RSS_GROWTH_LIMIT_MB) {
    problems.push(`RSS grew ${result.rssMb.start} -> ${result.rssMb.end} MB`);
  }
  if (result.writer.batches === 0 || result.writer.errors > 0) {
    problems.push(`writer: ${result.writer.batches} batches, ${result.writer.errors} errors`);
  }
  return problems;
}

const HELP = `Usage: npm run soak -- [--runs 200] [--scale 0.25] [--seed 11] [--as-of YYYY-MM-DD] [--quiet]

Runs the job many times in one process against generated data while a background writer adds rows,
checking every report's invariants, the server's sessions and the process's memory. Starts an embedded
PostgreSQL unless DATABASE_URL names a migrated, empty database (its reference tables are truncated).
Exits 1 if an invariant failed, a session leaked or the heap grew beyond noise.
`;

async function cli(): Promise<number> {
  const { values } = parseArgs({
    options: {
      help: { type: "boolean", short: "h", default: false },
      runs: { type: "string", default: "200" },
      scale: { type: "string", default: "0.25" },
      seed: { type: "string", default: "11" },
      "as-of": { type: "string" },
      quiet: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const server = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
  let url = process.env.DATABASE_URL as string;
  if (server) {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query("CREATE DATABASE soak");
    await admin.end();
    url = server.urlFor("soak");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await migrate(client);
    await client.end();
  }
  try {
    const runs = Number(values.runs);
    const result = await runSoak({
      url,
      runs,
      scale: Number(values.scale),
      seed: Number(values.seed),
      asOf: values["as-of"],
      onRun: (i, s) => {
        if (!values.quiet && (i % 20 === 0 || i === 1)) {
          process.stdout.write(
            `run ${String(i).padStart(4)}  ${s.status.padEnd(9)} ${String(s.ms).padStart(5)} ms  gaps ${s.gapsFound}  processed ${s.processed}  rss ${s.rssMb} MB  heap ${s.heapMb} MB  sessions ${s.sessions}\n`,
          );
        }
      },
    });
    const problems = verdictOf(result);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(problems.length === 0 ? "SOAK OK\n" : `SOAK FAILED\n  ${problems.join("\n  ")}\n`);
    if (!result.gcExposed) process.stdout.write("(run with node --expose-gc for memory after full GC)\n");
    return problems.length === 0 ? 0 : 1;
  } finally {
    await server?.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  cli().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
