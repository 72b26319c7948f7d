/**
 * Reads the dependency graph around the claim views from the catalog: each view's rewrite rule depends
 * (pg_depend) on the relations it reads. Two walks: down from the three roots (what they read, the
 * upstream stage) and up from the claims view (what reads it, the dependent stage). Only facts are
 * fetched here; `core/refresh-plan.ts` decides.
 */
import type pg from "pg";
import type { CatalogNode } from "../core/refresh-plan.js";

/** PostgreSQL 17 added the MAINTAIN privilege, which lets a non-owner refresh a materialized view. */
export const MAINTAIN_SINCE = 170_000;

/** Relations read by relation `oid`'s rewrite rule (a view's or materialized view's definition). */
const READS = `
  SELECT d.refobjid
    FROM pg_catalog.pg_rewrite rw
    JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = rw.oid
         AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> rw.ev_class`;

/**
 * Whether the session's role may REFRESH: before 17 only the owner (or a member of the owner role, which
 * is what `pg_has_role(..., 'USAGE')` answers); from 17 the MAINTAIN privilege, which owners hold by default.
 * The text differs by version because 'MAINTAIN' is an unknown privilege name before 17.
 */
const permitted = (serverVersion: number) =>
  serverVersion >= MAINTAIN_SINCE
    ? "has_table_privilege(c.oid, 'MAINTAIN')"
    : "pg_catalog.pg_has_role(c.relowner, 'USAGE')";

const nodeColumns = (serverVersion: number) => `
  SELECT c.oid::int AS oid, n.nspname AS schema, c.relname, c.relkind::text AS kind,
         c.relispopulated AS populated,
         EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                  WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid AND i.indisready
                    AND i.indpred IS NULL AND i.indexprs IS NULL) AS concurrent_index,
         COALESCE((SELECT array_agg(DISTINCT r.refobjid::int)
                     FROM (${READS} WHERE rw.ev_class = c.oid) r), '{}') AS reads,
         pg_catalog.pg_get_userbyid(c.relowner) AS owner,
         EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attname = 'driver_id' AND a.attnum > 0
                    AND NOT a.attisdropped) AS driver_column,
         COALESCE((SELECT json_agg(json_build_object('index', ic.relname, 'columns', k.columns) ORDER BY ic.relname)
                     FROM pg_catalog.pg_index i
                     JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
                    CROSS JOIN LATERAL (
                          -- Plain key columns; for an expression index, every column it reads.
                          SELECT array_agg(a.attname::text ORDER BY a.attnum) AS columns
                            FROM pg_catalog.pg_attribute a
                           WHERE a.attrelid = c.oid AND a.attnum > 0
                             AND (a.attnum = ANY (i.indkey::int2[])
                                  OR (i.indexprs IS NOT NULL AND EXISTS (
                                        SELECT 1 FROM pg_catalog.pg_depend d
                                         WHERE d.classid = 'pg_catalog.pg_class'::regclass
                                           AND d.objid = i.indexrelid AND d.refobjid = c.oid
                                           AND d.refobjsubid = a.attnum)))) k
                    WHERE c.relkind = 'm' AND i.indrelid = c.oid
                      AND (i.indpred IS NOT NULL OR i.indexprs IS NOT NULL) AND k.columns IS NOT NULL),
                  '[]') AS advice_keys,
         CASE WHEN c.relkind = 'm' THEN ${permitted(serverVersion)} ELSE true END AS permitted`;

interface NodeRow {
  oid: number;
  schema: string;
  relname: string;
  kind: string;
  populated: boolean;
  concurrent_index: boolean;
  reads: number[];
  owner: string;
  permitted: boolean;
  driver_column: boolean;
  advice_keys: Array<{ index: string; columns: string[] }>;
}

const toNode = (r: NodeRow): CatalogNode => ({
  oid: r.oid,
  schema: r.schema,
  relname: r.relname,
  kind: r.kind,
  populated: r.populated,
  concurrentIndex: r.concurrent_index,
  reads: r.reads,
  owner: r.owner,
  permitted: r.permitted,
  driverColumn: r.driver_column,
  adviceKeys: r.advice_keys,
});

/** Every relation the roots read, transitively, with what each reads. */
export async function readDependencyGraph(
  client: pg.ClientBase,
  roots: readonly number[],
  serverVersion: number,
): Promise<CatalogNode[]> {
  const { rows } = await client.query<NodeRow>(
    `WITH RECURSIVE reach(oid) AS (
       SELECT unnest($1::oid[])
       UNION
       SELECT d.refobjid
         FROM reach
         JOIN pg_catalog.pg_rewrite rw ON rw.ev_class = reach.oid
         JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = rw.oid
              AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> reach.oid)
     ${nodeColumns(serverVersion)}
       FROM reach
       JOIN pg_catalog.pg_class c ON c.oid = reach.oid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace`,
    [roots],
  );
  return rows.map(toNode);
}

/** Every relation that reads `root` (the claims view), transitively, with what each reads. */
export async function readDependents(
  client: pg.ClientBase,
  root: number,
  serverVersion: number,
): Promise<CatalogNode[]> {
  const { rows } = await client.query<NodeRow>(
    `WITH RECURSIVE up(oid) AS (
       SELECT $1::oid
       UNION
       SELECT rw.ev_class
         FROM up
         JOIN pg_catalog.pg_depend d ON d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = up.oid
              AND d.classid = 'pg_catalog.pg_rewrite'::regclass
         JOIN pg_catalog.pg_rewrite rw ON rw.oid = d.objid AND rw.ev_class <> up.oid)
     ${nodeColumns(serverVersion)}
       FROM up
       JOIN pg_catalog.pg_class c ON c.oid = up.oid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid <> $1::oid`,
    [root],
  );
  return rows.map(toNode);
}
