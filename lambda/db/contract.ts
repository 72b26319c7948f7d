/**
 * The database contract (docs/contract.md §2), checked before any work: every configured object exists and has
 * the columns the job relies on, and the role may create the run's session temp table (TEMPORARY on the
 * database). A miss is a `ContractError` naming the object and column, so a renamed view fails loudly
 * instead of yielding `gaps_found: 0`.
 */
import type pg from "pg";
import type { ObjectNames } from "../config.js";
import { OPTIONAL_GAP_COLUMNS, type OptionalGapColumn } from "../core/types.js";
import { ContractError, errorCode, SQLSTATE } from "../errors.js";
import { displayName, type QualifiedName } from "./names.js";

type Role = keyof ObjectNames;

const REQUIRED: Readonly<Record<Role, readonly string[]>> = {
  gapView: ["driver_id", "lead_date", "milestone_value", "gap_reason", "claim_status"],
  claimsView: ["driver_id", "milestone_value", "lead_date"],
  achievedView: ["driver_id", "milestone_value", "achieved_flag", "achieved_date"],
  paymentCalcView: [
    "driver_id",
    "origin_tag",
    "rule_scope",
    "milestone_trips",
    "milestone_achieved",
    "lead_date",
    "achieved_date",
  ],
  tripsTable: ["driver_id", "date_file", "count_orders_completed"],
};

export { OPTIONAL_GAP_COLUMNS, type OptionalGapColumn } from "../core/types.js";

export interface CheckedContract {
  readonly names: Readonly<Record<Role, QualifiedName>>;
  readonly oids: Readonly<Record<Role, number>>;
  /** Optional gap view columns present in this deployment. */
  readonly gapOptional: readonly OptionalGapColumn[];
  /** The payment calculation has `amount`: rows are priced by their rule in force (§10.1). */
  readonly paymentCalcAmount: boolean;
}

/** PostgreSQL text cannot hold NUL, so a name with one cannot exist: it is looked up as no name at all. */
const lookup = (text: string): string | null => (text.includes("\0") ? null : text);

/** `parse_ident()` raises this for text that is no SQL name (an unterminated quote, `a..b`, `a;b`). */
const INVALID_NAME = SQLSTATE.INVALID_PARAMETER_VALUE;

interface Resolved {
  i: number;
  /** The name as PostgreSQL parsed it (folded, unquoted), null for a name that cannot exist. */
  parts: string[] | null;
  oid: number | null;
  schema: string | null;
  name: string | null;
  relation: boolean | null;
  readable: boolean | null;
  columns: string[] | null;
  /** Whether the role may create temporary tables in this database (the same on every row). */
  temporary: boolean;
}

/**
 * Each configured name is read by PostgreSQL itself, never by a parser of ours: `parse_ident()` splits and
 * folds it exactly as SQL would (quotes, case, whitespace), and `to_regclass()` finds the relation the way
 * a query would, unqualified names through the session's search path. Schema and name then come from the
 * catalog, so the job quotes what exists, not what was typed.
 */
const RESOLVE = `
SELECT w.i, p.parts, c.oid::int AS oid, n.nspname::text AS schema, c.relname::text AS name,
       c.relkind IN ('r', 'v', 'm', 'p', 'f') AS relation, has_table_privilege(c.oid, 'SELECT') AS readable,
       (SELECT array_agg(a.attname::text) FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
       pg_catalog.has_database_privilege(current_database(), 'TEMPORARY') AS temporary
  FROM unnest($1::text[]) WITH ORDINALITY AS w(text, i)
 CROSS JOIN LATERAL (SELECT pg_catalog.parse_ident(w.text) AS parts) p
  LEFT JOIN pg_catalog.pg_class c ON c.oid = CASE WHEN cardinality(p.parts) <= 2 THEN pg_catalog.to_regclass(
         (SELECT string_agg(pg_catalog.quote_ident(x), '.' ORDER BY k)
            FROM unnest(p.parts) WITH ORDINALITY AS u(x, k))) END
  LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 ORDER BY w.i`;

/** Only after `RESOLVE` failed on a malformed name: which one it was, for an error that names the field. */
async function firstInvalidName(
  client: pg.ClientBase,
  roles: readonly Role[],
  objects: ObjectNames,
): Promise<ContractError | null> {
  for (const role of roles) {
    try {
      await client.query("SELECT pg_catalog.parse_ident($1)", [lookup(objects[role])]);
    } catch (error) {
      if (errorCode(error) !== INVALID_NAME) throw error;
      const text = objects[role];
      return new ContractError(
        `contract: objects.${role} ${JSON.stringify(text)} is not a valid name (${(error as Error).message}); quote a name that holds other characters, e.g. "Ops"."My View"`,
        text,
      );
    }
  }
  return null;
}

async function currentRole(client: pg.ClientBase): Promise<string> {
  const { rows } = await client.query<{ role: string }>("SELECT current_user::text AS role");
  return rows[0]?.role ?? "?";
}

export async function checkContract(client: pg.ClientBase, objects: ObjectNames): Promise<CheckedContract> {
  const roles = Object.keys(REQUIRED) as Role[];
  let rows: Resolved[];
  try {
    ({ rows } = await client.query<Resolved>(RESOLVE, [roles.map((r) => lookup(objects[r]))]));
  } catch (error) {
    if (errorCode(error) !== INVALID_NAME) throw error;
    throw (await firstInvalidName(client, roles, objects)) ?? error;
  }
  const names = {} as Record<Role, QualifiedName>;
  const problems: Array<{ message: string; object: string; column?: string; privilege?: string }> = [];
  const oids = {} as Record<Role, number>;
  let gapColumns: string[] = [];
  let paymentCalcColumns: string[] = [];
  roles.forEach((role, index) => {
    const found = rows.find((r) => Number(r.i) === index + 1);
    const parts = found?.parts ?? null;
    // As PostgreSQL read it: folded, unquoted (the catalog's spelling once it is found).
    const object = parts?.join(".") ?? objects[role];
    if (parts && parts.length > 2) {
      problems.push({
        message: `objects.${role} ${JSON.stringify(objects[role])} has ${parts.length} dotted parts: give schema.name or name`,
        object,
      });
      return;
    }
    if (!found?.oid || !found.schema || !found.name) {
      problems.push({ message: `${object} does not exist (or is not visible to this user)`, object });
      return;
    }
    names[role] = { schema: found.schema, name: found.name };
    const shown = displayName(names[role]);
    if (!found.relation) {
      problems.push({ message: `${shown} is not a table or view`, object: shown });
      return;
    }
    oids[role] = found.oid;
    if (!found.readable) {
      problems.push({
        message: `${shown} is not readable by this user (no SELECT privilege)`,
        object: shown,
      });
      return;
    }
    const columns = found.columns ?? [];
    if (role === "gapView") gapColumns = columns;
    if (role === "paymentCalcView") paymentCalcColumns = columns;
    for (const column of REQUIRED[role]) {
      if (!columns.includes(column))
        problems.push({ message: `${shown} has no column ${column}`, object: shown, column });
    }
  });
  // The run snapshots its window into one session temp table (dropped with the session): a role without
  // TEMPORARY would fail deep in the run with a generic error, so it is a contract problem, said first.
  if (rows[0] && rows[0].temporary === false) {
    problems.unshift({
      message: `role ${JSON.stringify(await currentRole(client))} may not create temporary tables in this database (the run keeps its window in one session temp table): GRANT TEMPORARY ON DATABASE to it`,
      object: "database",
      privilege: "TEMPORARY",
    });
  }
  const first = problems[0];
  if (first) {
    const more =
      problems.length > 1
        ? ` (and ${problems.length - 1} more: ${problems
            .slice(1)
            .map((p) => p.message)
            .join("; ")})`
        : "";
    throw new ContractError(`contract: ${first.message}${more}`, first.object, first.column, first.privilege);
  }
  return {
    names,
    oids,
    gapOptional: OPTIONAL_GAP_COLUMNS.filter((c) => gapColumns.includes(c)),
    paymentCalcAmount: paymentCalcColumns.includes("amount"),
  };
}
