/**
 * Loads a `Dataset` into the reference schema fast: TRUNCATE, one COPY FROM STDIN per table, VACUUM ANALYZE,
 * refresh the claims MVs (the "snapshot": the last refresh before the job runs), then COPY the late trips,
 * which arrive after that refresh, so the claims MVs are stale for exactly those.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { Dataset, TripRow } from "./dataset.js";

/** The claims MVs, lower first, then the collection MV built on the claims view (outside the closure). */
export const CLAIMS_MVS = ["ops.mv_cabinet_claims_base", "ops.mv_claims_payment_status_cabinet"] as const;
export const COLLECTION_MV = "ops.mv_yango_cabinet_claims_for_collection";

export interface LoadOptions {
  /** Refresh the claims MVs (and the collection MV) after the main load, before the late trips (default true). */
  snapshotRefresh?: boolean;
  /** VACUUM ANALYZE the loaded tables (default true): statistics, and the visibility map for index-only scans. */
  vacuum?: boolean;
}

export interface LoadResult {
  /** Rows COPYed per table (summary_daily includes the late rows). */
  rows: Record<string, number>;
  totalRows: number;
  /** Wall time of the COPYs alone. */
  copyMs: number;
  /** Wall time of the whole load: truncate, COPY, vacuum/analyze, snapshot refresh, late rows. */
  loadMs: number;
  /** totalRows / copy time. */
  rowsPerSecond: number;
  refreshMs: Record<string, number>;
}

const RAW_TABLES = [
  "public.drivers",
  "public.module_ct_cabinet_leads",
  "public.identity_lead_person",
  "public.identity_person_driver",
  "public.lead_events",
  "public.summary_daily",
  "public.payment_rules",
  "public.cabinet_claim_payments",
];

/** One COPY text-format field. */
function field(value: string | number | boolean | null): string {
  if (value === null) return "\\N";
  if (typeof value !== "string") return String(value);
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r")
    : value;
}

async function copyRows<T>(
  client: pg.ClientBase,
  table: string,
  columns: ReadonlyArray<keyof T & string>,
  rows: readonly T[],
): Promise<number> {
  if (rows.length === 0) return 0;
  function* chunks(): Generator<string> {
    let buffer = "";
    for (const row of rows) {
      buffer += `${columns.map((c) => field(row[c] as string | number | boolean | null)).join("\t")}\n`;
      if (buffer.length > 1 << 16) {
        yield buffer;
        buffer = "";
      }
    }
    if (buffer) yield buffer;
  }
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN`));
  await pipeline(Readable.from(chunks()), stream);
  return rows.length;
}

const TRIP_COLUMNS: ReadonlyArray<keyof TripRow> = ["driver_id", "date_file", "count_orders_completed"];

/** Refreshes one materialized view (plain, not concurrently) and returns its duration in ms. */
export async function refreshMv(client: pg.ClientBase, name: string): Promise<number> {
  const started = performance.now();
  await client.query(`REFRESH MATERIALIZED VIEW ${name}`);
  return Math.round(performance.now() - started);
}

/** Refreshes the claims MVs in dependency order (lower, then upper), as the job should. */
export async function refreshClaimsMvs(client: pg.ClientBase): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const mv of CLAIMS_MVS) out[mv] = await refreshMv(client, mv);
  return out;
}

/**
 * Replaces the reference tables' contents with `ds`. The client must not be inside a transaction (VACUUM).
 */
export async function loadDataset(
  client: pg.ClientBase,
  ds: Dataset,
  opts: LoadOptions = {},
): Promise<LoadResult> {
  const started = performance.now();
  await client.query(`TRUNCATE ${RAW_TABLES.join(", ")}`);
  let copyMs = 0;
  const rows: Record<string, number> = {};
  const timed = async (key: string, fn: () => Promise<number>) => {
    const t = performance.now();
    rows[key] = (rows[key] ?? 0) + (await fn());
    copyMs += performance.now() - t;
  };
  await timed("drivers", () =>
    copyRows(client, "public.drivers", ["driver_id", "full_name", "hired_at", "status"], ds.drivers),
  );
  await timed("module_ct_cabinet_leads", () =>
    copyRows(client, "public.module_ct_cabinet_leads", ["id", "external_id", "lead_created_at"], ds.leads),
  );
  await timed("identity_lead_person", () =>
    copyRows(
      client,
      "public.identity_lead_person",
      ["lead_source_pk", "person_key", "linked_at"],
      ds.lead_person,
    ),
  );
  await timed("identity_person_driver", () =>
    copyRows(
      client,
      "public.identity_person_driver",
      ["person_key", "driver_id", "linked_at"],
      ds.person_driver,
    ),
  );
  await timed("lead_events", () =>
    copyRows(
      client,
      "public.lead_events",
      ["id", "person_key", "origin_tag", "event_type", "event_at", "source_pk"],
      ds.lead_events,
    ),
  );
  await timed("summary_daily", () =>
    copyRows(client, "public.summary_daily", TRIP_COLUMNS, ds.summary_daily),
  );
  await timed("payment_rules", () =>
    copyRows(
      client,
      "public.payment_rules",
      [
        "id",
        "name",
        "origin_tag",
        "rule_scope",
        "window_days",
        "milestone_trips",
        "amount",
        "valid_from",
        "valid_to",
        "is_active",
      ],
      ds.payment_rules,
    ),
  );
  await timed("cabinet_claim_payments", () =>
    copyRows(
      client,
      "public.cabinet_claim_payments",
      ["id", "driver_id", "milestone_value", "lead_date", "amount", "paid_at"],
      ds.payments,
    ),
  );
  await client.query(
    opts.vacuum === false ? `ANALYZE ${RAW_TABLES.join(", ")}` : `VACUUM (ANALYZE) ${RAW_TABLES.join(", ")}`,
  );

  const refreshMs: Record<string, number> = {};
  if (opts.snapshotRefresh !== false) {
    Object.assign(refreshMs, await refreshClaimsMvs(client));
    refreshMs[COLLECTION_MV] = await refreshMv(client, COLLECTION_MV);
  }
  // The late trips: after the last refresh, so the claims MVs do not see them.
  await timed("summary_daily", () =>
    copyRows(client, "public.summary_daily", TRIP_COLUMNS, ds.late_summary_daily),
  );
  if (ds.late_summary_daily.length > 0) await client.query("ANALYZE public.summary_daily");

  const totalRows = Object.values(rows).reduce((a, b) => a + b, 0);
  return {
    rows,
    totalRows,
    copyMs: Math.round(copyMs),
    loadMs: Math.round(performance.now() - started),
    rowsPerSecond: copyMs > 0 ? Math.round(totalRows / (copyMs / 1000)) : 0,
    refreshMs,
  };
}
