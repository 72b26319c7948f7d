/**
 * The floor: the job's own statements, recorded during a real run, replayed back to back on one connection
 * with nothing in between but the driver. Recording wraps `query` on every client the pool hands out;
 * statements read through a cursor (pg-cursor) are replayed as plain queries that fetch every row.
 */
import pg from "pg";
import Cursor from "pg-cursor";
import type { Report, ReportSink } from "../lambda/core/types.js";
import { ReconcileCabinetClaims14d } from "../lambda/reconcile.js";

export interface Statement {
  text: string;
  values?: unknown[];
  cursor?: boolean;
}

/**
 * Simulated network latency: blocks the client for `ms` before a request goes out. Both clients measured
 * here (the job's and the per-row baseline's) send one request and wait for its answer, so waiting before
 * each request adds exactly one round trip's latency to each; a busy wait, because timers cannot wait
 * less than a millisecond. (This machine's kernel has no `netem` to delay loopback packets.)
 */
export function spin(ms: number): void {
  if (ms <= 0) return;
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // waiting on purpose
  }
}

/** Wraps `client.query` so every statement sent is appended to `log`, each after `rttMs` of latency. */
function record(client: pg.Client, log: Statement[], rttMs = 0): void {
  const original = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const first = args[0];
    spin(rttMs);
    if (typeof first === "string") {
      log.push({ text: first, values: Array.isArray(args[1]) ? (args[1] as unknown[]) : undefined });
    } else if (first instanceof Cursor) {
      const c = first as unknown as { text: string; values: unknown[] | null };
      log.push({ text: c.text, values: c.values ?? undefined, cursor: true });
      if (rttMs > 0) {
        // Every page after the first is one more round trip (the first goes out with the query).
        const cursor = first as unknown as { read: (...a: unknown[]) => unknown };
        const read = cursor.read.bind(first);
        let pages = 0;
        cursor.read = (...a: unknown[]) => {
          if (pages++ > 0) spin(rttMs);
          return read(...a);
        };
      }
    } else if (first && typeof first === "object" && "text" in first) {
      const q = first as { text: string; values?: unknown[] };
      log.push({ text: q.text, values: q.values });
    }
    return original(...args);
  };
}

export interface JobRun {
  ms: number;
  report: Report;
  statements: Statement[];
}

/**
 * One real `runReconcile` on `url`. The connection is opened before the clock starts (as the floor's is),
 * so both sides time the same work: from the first statement to the session given back clean.
 */
export async function runJob(
  url: string,
  params: Record<string, unknown>,
  opts: { sinks?: () => ReportSink[]; collectRows?: boolean; rttMs?: number } = {},
): Promise<JobRun> {
  const statements: Statement[] = [];
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on("connect", (client) => record(client, statements, opts.rttMs));
  try {
    (await pool.connect()).release();
    statements.length = 0; // nothing is sent on connect, but keep the log to the run alone
    const job = new ReconcileCabinetClaims14d(pool);
    const started = performance.now();
    const report = await job.runReconcile(params, {
      sinks: opts.sinks?.(),
      collectRows: opts.collectRows ?? false,
    });
    return { ms: performance.now() - started, report, statements };
  } finally {
    await pool.end();
  }
}

/** Replays `statements` on a new connection to `url`, back to back; returns the wall time of the replay. */
export async function replay(url: string, statements: readonly Statement[]): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const started = performance.now();
    for (const s of statements) {
      if (s.values) await client.query(s.text, s.values);
      else await client.query(s.text);
    }
    return performance.now() - started;
  } finally {
    await client.end();
  }
}
