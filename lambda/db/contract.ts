/**
 * The database contract (docs/contract.md §2), checked before any work: every configured object exists and has
 * the columns the job relies on. A miss is a `ContractError` naming the object and column, so a renamed
 * view fails loudly instead of yielding `gaps_found: 0`.
 */
import type pg from "pg";
import type { ObjectNames } from "../config.js";
import { OPTIONAL_GAP_COLUMNS, type OptionalGapColumn } from "../core/types.js";
import { ContractError } from "../errors.js";
import { displayName, parseQualifiedName, type QualifiedName } from "./names.js";

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
}

/** PostgreSQL text cannot hold NUL, so a name with one cannot exist: it is looked up as no name at all. */
const lookup = (text: string): string | null => (text.includes("\0") ? null : text);

export async function checkContract(client: pg.ClientBase, objects: ObjectNames): Promise<CheckedContract> {
  const roles = Object.keys(REQUIRED) as Role[];
  const names = Object.fromEntries(roles.map((r) => [r, parseQualifiedName(objects[r])])) as Record<
    Role,
    QualifiedName
  >;
  const { rows } = await client.query<{
    i: number;
    oid: number;
    columns: string[] | null;
    readable: boolean;
  }>(
    `SELECT w.i, c.oid::int AS oid, has_table_privilege(c.oid, 'SELECT') AS readable,
            (SELECT array_agg(a.attname::text) FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS w(schema, name, i)
       LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = w.schema
       LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = w.name
            AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
      ORDER BY w.i`,
    [roles.map((r) => lookup(names[r].schema)), roles.map((r) => lookup(names[r].name))],
  );
  const problems: Array<{ message: string; object: string; column?: string }> = [];
  const oids = {} as Record<Role, number>;
  let gapColumns: string[] = [];
  roles.forEach((role, index) => {
    const found = rows.find((r) => Number(r.i) === index + 1);
    const object = displayName(names[role]);
    if (!found?.oid) {
      problems.push({ message: `${object} does not exist (or is not visible to this user)`, object });
      return;
    }
    oids[role] = found.oid;
    if (!found.readable) {
      problems.push({ message: `${object} is not readable by this user (no SELECT privilege)`, object });
      return;
    }
    const columns = found.columns ?? [];
    if (role === "gapView") gapColumns = columns;
    for (const column of REQUIRED[role]) {
      if (!columns.includes(column))
        problems.push({ message: `${object} has no column ${column}`, object, column });
    }
  });
  const first = problems[0];
  if (first) {
    const more =
      problems.length > 1
        ? ` (and ${problems.length - 1} more: ${problems
            .slice(1)
            .map((p) => p.message)
            .join("; ")})`
        : "";
    throw new ContractError(`contract: ${first.message}${more}`, first.object, first.column);
  }
  return { names, oids, gapOptional: OPTIONAL_GAP_COLUMNS.filter((c) => gapColumns.includes(c)) };
}
