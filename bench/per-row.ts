/**
 * The baseline: the original job's approach, kept here only to measure against. It counts the window,
 * fetches the rows, then checks each row with its own queries (one for the canonical achieved view, one
 * for the claims view), refreshes the claims chain in order, and checks every row again the same way.
 * Same window, same order, same refresh statements as the job; only the per-row round trips differ. In
 * dry-run it stops after the first look, as the job does.
 */
import pg from "pg";
import { DEFAULT_OBJECTS } from "../lambda/config.js";
import { spin } from "./capture.js";

export interface PerRowResult {
  ms: number;
  rows: number;
  queries: number;
}

export async function runPerRow(
  url: string,
  p: {
    asOf: string;
    daysBack: number;
    limit: number;
    refresh: readonly string[];
    dryRun?: boolean;
    /** Simulated round-trip latency before each query (see `spin`). */
    rttMs?: number;
  },
): Promise<PerRowResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let queries = 0;
  const q = async <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => {
    queries++;
    spin(p.rttMs ?? 0);
    return client.query<R>(text, values);
  };
  try {
    const started = performance.now();
    const where = "g.lead_date >= $1::date - $2::int";
    await q(`SELECT count(*) AS n FROM ${DEFAULT_OBJECTS.gapView} g WHERE ${where}`, [p.asOf, p.daysBack]);
    const { rows } = await q<{ driver_id: string | null; lead_date: string | null; milestone_value: number }>(
      `SELECT g.driver_id, to_char(g.lead_date, 'YYYY-MM-DD') AS lead_date, g.milestone_value, g.gap_reason,
              g.claim_status
         FROM ${DEFAULT_OBJECTS.gapView} g WHERE ${where}
        ORDER BY g.lead_date DESC, g.driver_id, g.milestone_value LIMIT $3`,
      [p.asOf, p.daysBack, p.limit],
    );
    const check = async () => {
      for (const r of rows) {
        if (r.driver_id === null || r.lead_date === null) continue;
        await q(
          `SELECT achieved_flag, achieved_date FROM ${DEFAULT_OBJECTS.achievedView}
            WHERE driver_id = $1 AND milestone_value = $2`,
          [r.driver_id, r.milestone_value],
        );
        await q(
          `SELECT 1 FROM ${DEFAULT_OBJECTS.claimsView}
            WHERE driver_id = $1 AND milestone_value = $2 AND lead_date = $3::date`,
          [r.driver_id, r.milestone_value, r.lead_date],
        );
      }
    };
    await check();
    if (!p.dryRun) {
      for (const mv of p.refresh) await q(`REFRESH MATERIALIZED VIEW CONCURRENTLY ${mv}`);
      await check();
    }
    return { ms: performance.now() - started, rows: rows.length, queries };
  } finally {
    await client.end();
  }
}
