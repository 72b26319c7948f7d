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
  /** Wall time of the COPYs, index rebuilds included. */
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
  // Emptied on every load (a recording run writes it); the generator plants nothing in it.
  "canon.claims_yango_cabinet_14d",
];

/** One COPY text-format field. */
function field(value: string | number | boolean | null): string {
  if (value === null) return "\\N";
  if (typeof value !== "string") return String(value);
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r")
    : value;
}

/** COPY `rows` into `table` (text format, one stream); with `freeze`, the table must be new or truncated in this transaction. */
export async function copyRows<T>(
  client: pg.ClientBase,
  table: string,
  columns: ReadonlyArray<keyof T & string>,
  rows: readonly T[],
  freeze = false,
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
  const stream = client.query(
    copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN${freeze ? " WITH (FREEZE)" : ""}`),
  );
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

/** Tables receiving at least this many rows are loaded with their indexes dropped and rebuilt after. */
const REBUILD_INDEXES_FROM = 20_000;

/**
 * Drops the indexes of `table` (primary key and unique constraints included) and returns the statements
 * that recreate them: a sorted (and parallel) build after the COPY is several times faster than maintaining
 * a btree (and evaluating the parsed-date expression) row by row.
 */
async function dropIndexes(client: pg.ClientBase, table: string): Promise<string[]> {
  const { rows } = await client.query<{ drop: string; create: string }>(
    `SELECT CASE WHEN con.conname IS NOT NULL
                 THEN format('ALTER TABLE %s DROP CONSTRAINT %I', i.indrelid::regclass, con.conname)
                 ELSE format('DROP INDEX %s', i.indexrelid::regclass) END AS drop,
            CASE WHEN con.conname IS NOT NULL
                 THEN format('ALTER TABLE %s ADD CONSTRAINT %I %s', i.indrelid::regclass, con.conname,
                             pg_get_constraintdef(con.oid))
                 ELSE pg_get_indexdef(i.indexrelid) END AS create
       FROM pg_index i
       LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u')
      WHERE i.indrelid = $1::regclass`,
    [table],
  );
  for (const r of rows) await client.query(r.drop);
  return rows.map((r) => r.create);
}

/**
 * Replaces the reference tables' contents with `ds`. The main load is one transaction: TRUNCATE, then
 * COPY ... FREEZE into each table (rows are written frozen and all-visible, so index-only scans work without
 * a VACUUM), big tables with their indexes rebuilt after the COPY. The client must not be inside a
 * transaction.
 */
export async function loadDataset(
  client: pg.ClientBase,
  ds: Dataset,
  opts: LoadOptions = {},
): Promise<LoadResult> {
  const started = performance.now();
  let copyMs = 0;
  const rows: Record<string, number> = {};
  const copy = async <T>(
    table: string,
    columns: ReadonlyArray<keyof T & string>,
    data: readonly T[],
    freeze: boolean,
  ) => {
    const t = performance.now();
    const rebuild = data.length >= REBUILD_INDEXES_FROM ? await dropIndexes(client, table) : [];
    await copyRows(client, table, columns, data, freeze);
    for (const statement of rebuild) await client.query(statement);
    copyMs += performance.now() - t;
    const key = table.replace(/^public\./, "");
    rows[key] = (rows[key] ?? 0) + data.length;
  };

  await client.query("BEGIN");
  try {
    await client.query(`TRUNCATE ${RAW_TABLES.join(", ")}`);
    await copy("public.drivers", ["driver_id", "full_name", "hired_at", "status"], ds.drivers, true);
    await copy("public.module_ct_cabinet_leads", ["id", "external_id", "lead_created_at"], ds.leads, true);
    await copy(
      "public.identity_lead_person",
      ["lead_source_pk", "person_key", "linked_at"],
      ds.lead_person,
      true,
    );
    await copy(
      "public.identity_person_driver",
      ["person_key", "driver_id", "linked_at"],
      ds.person_driver,
      true,
    );
    await copy(
      "public.lead_events",
      ["id", "person_key", "origin_tag", "event_type", "event_at", "source_pk"],
      ds.lead_events,
      true,
    );
    await copy("public.summary_daily", TRIP_COLUMNS, ds.summary_daily, true);
    await copy(
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
      true,
    );
    await copy(
      "public.cabinet_claim_payments",
      ["id", "driver_id", "milestone_value", "lead_date", "amount", "paid_at"],
      ds.payments,
      true,
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
  await client.query(
    opts.vacuum === false ? `ANALYZE ${RAW_TABLES.join(", ")}` : `VACUUM (ANALYZE) ${RAW_TABLES.join(", ")}`,
  );

  const refreshMs: Record<string, number> = {};
  if (opts.snapshotRefresh !== false) {
    Object.assign(refreshMs, await refreshClaimsMvs(client));
    refreshMs[COLLECTION_MV] = await refreshMv(client, COLLECTION_MV);
  }
  // The late trips: after the last refresh, so the claims MVs do not see them.
  await copy("public.summary_daily", TRIP_COLUMNS, ds.late_summary_daily, false);
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
