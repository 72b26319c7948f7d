/**
 * Is a materialized view stale for the analysed rows? Decided without a lock that blocks readers
 * (docs/contract.md §10.3): the view's own stored definition (`pg_get_viewdef`) is evaluated for the analysed
 * drivers (or whole, when the view has no `driver_id` column) and compared with its rows, `EXCEPT ALL` both
 * ways. Only `SELECT`s: an `ACCESS SHARE` lock, which waits for nobody but a plain refresh or DDL.
 *
 * A plan view read directly by the definition and itself stale is replaced by what its refresh would
 * produce (its own definition, inlined as a CTE under the same relation name, so the definition's column
 * references still resolve): a view over a stale view is evaluated as the refresh in order would leave it.
 * A stale view read only through a plain view cannot be inlined this way; `settleStaleness` then counts the
 * reader as stale for the same drivers. Anything that cannot be decided (an error, a timeout, a lock wait,
 * a view not populated) is `unknown`, and the view is refreshed as before.
 */
import type pg from "pg";
import type { StaleCheck } from "../core/refresh-plan.js";
import type { RefreshStep } from "../core/types.js";
import { errorCode, isConnectionError } from "../errors.js";
import { quoteQualified } from "./names.js";
import { ROWS_TABLE } from "./queries.js";

export interface CheckTimeouts {
  readonly lockTimeoutMs: number;
  /** Asked before each check: the statement timeout it may use (time left, capped). */
  readonly statementTimeoutMs: () => number;
}

export interface StalenessInput {
  readonly steps: readonly RefreshStep[];
  /** Per step name: populated (an unpopulated view cannot be read, so it is `unknown`). */
  readonly populated: (name: string) => boolean;
  /** The analysed drivers the check is about. */
  readonly drivers: readonly string[];
  /**
   * Dependents only, when no upstream refresh ran: the claims view (quoted, qualified) whose rows for the
   * analysed claims the first look kept (`claim_rows` of the rows table). A copy of it (same columns, reading
   * it directly) is then compared with those rows instead of evaluating its definition, which would read
   * the claims view a second time (§10.3: each view read once when no refresh ran).
   */
  readonly firstLook?: { readonly claimsView: string };
}

/** One check's facts, for the report and the benchmark. */
export interface CheckTiming {
  readonly name: string;
  readonly duration_ms: number;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Runs `fn` in its own read transaction with the search path emptied (every name printed qualified). */
async function inCheckTransaction<T>(
  client: pg.ClientBase,
  timeouts: CheckTimeouts,
  fn: () => Promise<T>,
): Promise<T> {
  await client.query("BEGIN READ ONLY");
  try {
    await client.query(
      "SELECT set_config('search_path', 'pg_catalog', true), set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)",
      [
        `${Math.max(1, Math.floor(timeouts.lockTimeoutMs))}ms`,
        `${Math.max(1, Math.floor(timeouts.statementTimeoutMs()))}ms`,
      ],
    );
    const out = await fn();
    await client.query("COMMIT");
    return out;
  } catch (error) {
    if (!isConnectionError(error)) await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/**
 * Checks every step of one stage in plan order (lower views first), so that each can be evaluated against
 * what the refresh of the stale views it reads would produce.
 */
export async function checkStaleness(
  client: pg.ClientBase,
  input: StalenessInput,
  timeouts: CheckTimeouts,
): Promise<{ checks: Map<string, StaleCheck>; timings: CheckTiming[] }> {
  const checks = new Map<string, StaleCheck>();
  const timings: CheckTiming[] = [];
  /** The SQL that gives what a step's refresh would produce, for each step checked stale or undecided. */
  const produced = new Map<string, { sql: string; schema: string; relname: string }>();
  for (const step of input.steps) {
    const started = performance.now();
    if (!input.populated(step.name)) {
      checks.set(step.name, { kind: "unknown", how: "not populated: cannot be read" });
      produced.set(step.name, { sql: "", schema: step.schema, relname: step.relname });
      continue;
    }
    try {
      const candidates = step.depends_on.flatMap((dep) => {
        const p = produced.get(dep);
        return p && p.sql !== "" ? [{ dep, ...p }] : [];
      });
      const check = await inCheckTransaction(client, timeouts, async () => {
        const target = quoteQualified({ schema: step.schema, name: step.relname });
        const { rows } = await client.query<{ def: string; printed: string[] }>(
          `SELECT pg_catalog.pg_get_viewdef(pg_catalog.to_regclass($1)) AS def,
                  ARRAY(SELECT pg_catalog.quote_ident(d.s) || '.' || pg_catalog.quote_ident(d.r)
                          FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS d(s, r, i)
                         ORDER BY d.i) AS printed`,
          [target, candidates.map((c) => c.schema), candidates.map((c) => c.relname)],
        );
        let def = (rows[0]?.def ?? "").trim().replace(/;\s*$/, "");
        // Each stale view it reads directly becomes a CTE of the same relation name holding its refreshed rows.
        const ctes: string[] = [];
        const inlined: string[] = [];
        const relnames = candidates.map((c) => c.relname);
        candidates.forEach((c, i) => {
          const printed = rows[0]?.printed[i] as string;
          const pattern = new RegExp(`(?<![\\w."$])${escapeRegExp(printed)}(?![\\w."$])`, "g");
          const cteName = printed.slice(printed.lastIndexOf(".") + 1);
          if (!new RegExp(pattern.source).test(def) || relnames.filter((r) => r === c.relname).length > 1)
            return;
          def = def.replace(pattern, cteName);
          ctes.push(`${cteName} AS (${c.sql})`);
          inlined.push(c.dep);
        });
        const body = ctes.length > 0 ? `WITH ${ctes.join(", ")} SELECT * FROM (${def}) reconcile_q` : def;
        if (
          input.firstLook &&
          ctes.length === 0 &&
          (await isCopyOf(client, target, input.firstLook.claimsView))
        ) {
          const { stale, claims } = await compareWithFirstLook(client, target, input.drivers);
          return { stale, body, inlined, claims };
        }
        const stale: string[] | boolean = await compare(
          client,
          target,
          body,
          step.driver_column,
          input.drivers,
        );
        return { stale, body, inlined, claims: null };
      });
      const scope = step.driver_column
        ? `${input.drivers.length} analysed driver(s)`
        : "whole (no driver_id column)";
      const over = check.inlined.length > 0 ? `, over the refreshed ${check.inlined.join(", ")}` : "";
      const base =
        check.claims === null
          ? `definition compared with its rows, ${scope}${over}`
          : `copy of the claims view: its rows compared with the claims view's as the first look read them (no upstream refresh ran, claims view not read again), ${check.claims} analysed driver-milestone pair(s) of ${input.drivers.length} analysed driver(s)`;
      if (check.stale === false || (Array.isArray(check.stale) && check.stale.length === 0))
        checks.set(step.name, { kind: "same", how: base, inlined: check.inlined });
      else {
        checks.set(step.name, {
          kind: "differs",
          drivers: check.stale === true ? "all" : check.stale,
          how: check.stale === true ? `${base}: differs` : `${base}: differs for ${check.stale.length}`,
          inlined: check.inlined,
        });
        produced.set(step.name, { sql: check.body, schema: step.schema, relname: step.relname });
      }
    } catch (error) {
      if (isConnectionError(error)) throw error;
      const code = errorCode(error);
      const message = error instanceof Error ? error.message : String(error);
      checks.set(step.name, {
        kind: "unknown",
        how: `check failed: ${message}${code ? ` (SQLSTATE ${code})` : ""}`,
      });
      produced.set(step.name, { sql: "", schema: step.schema, relname: step.relname });
    }
    timings.push({ name: step.name, duration_ms: Math.round(performance.now() - started) });
  }
  return { checks, timings };
}

/**
 * The definition's rows against the view's, `EXCEPT ALL` both ways: the drivers that differ (with a
 * `driver_id` column, restricted to `drivers` on both sides, so the filter reaches the definition's own
 * scans), or whether anything differs (`true`/`false`) without one.
 */
async function compare(
  client: pg.ClientBase,
  target: string,
  body: string,
  byDriver: boolean,
  drivers: readonly string[],
): Promise<string[] | boolean> {
  if (byDriver) {
    if (drivers.length === 0) return [];
    const { rows } = await client.query<{ driver_id: string }>(
      `WITH reconcile_def AS MATERIALIZED (
              SELECT * FROM (${body}) q WHERE q.driver_id::text = ANY ($1::text[])),
            reconcile_mv AS MATERIALIZED (
              SELECT * FROM ${target} q WHERE q.driver_id::text = ANY ($1::text[]))
       SELECT DISTINCT x.driver_id::text AS driver_id
         FROM ((TABLE reconcile_def EXCEPT ALL TABLE reconcile_mv)
               UNION ALL (TABLE reconcile_mv EXCEPT ALL TABLE reconcile_def)) x`,
      [drivers],
    );
    return rows.map((r) => r.driver_id).sort();
  }
  const { rows } = await client.query<{ differs: boolean }>(
    `SELECT EXISTS (SELECT * FROM (${body}) q EXCEPT ALL SELECT * FROM ${target})
            OR EXISTS (SELECT * FROM ${target} EXCEPT ALL SELECT * FROM (${body}) q) AS differs`,
  );
  return rows[0]?.differs === true;
}

/**
 * Whether `target` is a copy of the claims view as the first-look comparison needs: the same columns (names
 * and types, in order, with `driver_id`, `milestone_value` and `lead_date` among them) and its definition
 * reads the claims view directly. Anything else keeps the definition check.
 */
async function isCopyOf(client: pg.ClientBase, target: string, claimsView: string): Promise<boolean> {
  const { rows } = await client.query<{ copy: boolean }>(
    `WITH cols AS (
       SELECT a.attrelid, pg_catalog.array_agg(a.attname::text ORDER BY a.attnum) AS names,
              pg_catalog.array_agg(pg_catalog.format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum) AS types
         FROM pg_catalog.pg_attribute a
        WHERE a.attrelid IN (pg_catalog.to_regclass($1), pg_catalog.to_regclass($2))
          AND a.attnum > 0 AND NOT a.attisdropped
        GROUP BY a.attrelid)
     SELECT EXISTS (
              SELECT 1 FROM cols t JOIN cols c ON c.attrelid = pg_catalog.to_regclass($2)
               WHERE t.attrelid = pg_catalog.to_regclass($1)
                 AND t.names = c.names AND t.types = c.types
                 AND ARRAY['driver_id', 'milestone_value', 'lead_date'] <@ t.names)
        AND EXISTS (
              SELECT 1 FROM pg_catalog.pg_rewrite rw
                JOIN pg_catalog.pg_depend d
                  ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = rw.oid
               WHERE rw.ev_class = pg_catalog.to_regclass($1) AND d.refobjid = pg_catalog.to_regclass($2)) AS copy`,
    [target, claimsView],
  );
  return rows[0]?.copy === true;
}

/**
 * A copy's rows against the claims view's rows the first look kept, for each analysed claim (driver and
 * milestone of an analysed row), `EXCEPT ALL` both ways on the rows' text: the drivers that differ, and how
 * many analysed claims were compared. Reads the copy and the session's rows table only.
 */
async function compareWithFirstLook(
  client: pg.ClientBase,
  target: string,
  drivers: readonly string[],
): Promise<{ stale: string[]; claims: number }> {
  if (drivers.length === 0) return { stale: [], claims: 0 };
  const { rows } = await client.query<{ driver_id: string | null; claims: number }>(
    `WITH pairs AS MATERIALIZED (
            SELECT DISTINCT ON (r.driver_id, r.milestone_value) r.driver_id, r.milestone_value, r.claim_rows
              FROM ${ROWS_TABLE} r
             WHERE r.driver_id = ANY ($1::text[]) AND r.milestone_value IS NOT NULL
             ORDER BY r.driver_id, r.milestone_value),
          seen AS MATERIALIZED (
            SELECT p.driver_id, x.row_text FROM pairs p CROSS JOIN LATERAL unnest(p.claim_rows) AS x(row_text)),
          copy AS MATERIALIZED (
            SELECT p.driver_id, q::text AS row_text
              FROM ${target} q
              JOIN pairs p ON q.driver_id::text = p.driver_id AND q.milestone_value::int = p.milestone_value),
          differs AS (
            SELECT DISTINCT x.driver_id
              FROM ((TABLE seen EXCEPT ALL TABLE copy) UNION ALL (TABLE copy EXCEPT ALL TABLE seen)) x)
     SELECT d.driver_id, (SELECT count(*)::int FROM pairs) AS claims
       FROM (SELECT NULL::text AS driver_id UNION ALL SELECT driver_id FROM differs) d`,
    [drivers],
  );
  return {
    stale: rows.flatMap((r) => (r.driver_id === null ? [] : [r.driver_id])).sort(),
    claims: rows[0]?.claims ?? 0,
  };
}

/**
 * The unique-index advice for a view just refreshed plain (§10.3, advice only): the first partial or
 * expression index whose columns its rows are unique on (no duplicate, no NULL), as the index that would
 * let REFRESH ... CONCURRENTLY run without blocking readers. Null when none qualifies or the check fails.
 */
export async function uniqueIndexAdvice(
  client: pg.ClientBase,
  step: RefreshStep,
  keys: ReadonlyArray<{ readonly index: string; readonly columns: readonly string[] }>,
): Promise<string | null> {
  const target = quoteQualified({ schema: step.schema, name: step.relname });
  for (const key of keys) {
    const cols = key.columns.map((c) => `"${c.replace(/"/g, '""')}"`).join(", ");
    try {
      const { rows } = await client.query<{ unique: boolean }>(
        `SELECT NOT EXISTS (SELECT 1 FROM ${target} GROUP BY ${cols} HAVING count(*) > 1)
                AND NOT EXISTS (SELECT 1 FROM ${target} t WHERE ${key.columns
                  .map((c) => `t."${c.replace(/"/g, '""')}" IS NULL`)
                  .join(" OR ")}) AS unique`,
      );
      if (rows[0]?.unique) {
        return `CREATE UNIQUE INDEX ON ${target} (${cols}): its rows are unique on the columns of ${key.index} (partial or expression), so REFRESH ... CONCURRENTLY could run without blocking readers`;
      }
    } catch (error) {
      if (isConnectionError(error)) throw error;
      return null;
    }
  }
  return null;
}
