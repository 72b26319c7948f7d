/**
 * Reads the dependency graph under the claim views from the catalog: each view's rewrite rule depends
 * (pg_depend) on the relations it reads. Only the graph is fetched here; `core/refresh-plan.ts` decides.
 */
import type pg from "pg";
import type { CatalogNode } from "../core/refresh-plan.js";

const GRAPH_SQL = `
WITH RECURSIVE reach(oid) AS (
  SELECT unnest($1::oid[])
  UNION
  SELECT d.refobjid
    FROM reach
    JOIN pg_catalog.pg_rewrite rw ON rw.ev_class = reach.oid
    JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = rw.oid
         AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> reach.oid
)
SELECT c.oid::int AS oid, n.nspname AS schema, c.relname, c.relkind::text AS kind,
       c.relispopulated AS populated,
       EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid AND i.indisready
                  AND i.indpred IS NULL AND i.indexprs IS NULL) AS concurrent_index,
       COALESCE((SELECT array_agg(DISTINCT d.refobjid::int)
                   FROM pg_catalog.pg_rewrite rw
                   JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = rw.oid
                        AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> c.oid
                  WHERE rw.ev_class = c.oid), '{}') AS reads
  FROM reach
  JOIN pg_catalog.pg_class c ON c.oid = reach.oid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace`;

export async function readDependencyGraph(
  client: pg.ClientBase,
  roots: readonly number[],
): Promise<CatalogNode[]> {
  const { rows } = await client.query<{
    oid: number;
    schema: string;
    relname: string;
    kind: string;
    populated: boolean;
    concurrent_index: boolean;
    reads: number[];
  }>(GRAPH_SQL, [roots]);
  return rows.map((r) => ({
    oid: r.oid,
    schema: r.schema,
    relname: r.relname,
    kind: r.kind,
    populated: r.populated,
    concurrentIndex: r.concurrent_index,
    reads: r.reads,
  }));
}
