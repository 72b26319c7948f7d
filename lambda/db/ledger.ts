/**
 * The claims ledger's SQL (docs/contract.md §10.2): its contract, checked before any work; the keys it already
 * holds for the analysed rows; the one set-based write; and `undo`. Values are bound as arrays and cast to
 * the ledger's own column types, read from the catalog (`format_type`, which quotes what needs quoting): the
 * deployment's `person_key` is a `uuid` and its `status` an enum.
 */
import type pg from "pg";
import type { LedgerCandidate, LedgerRequired } from "../core/ledger.js";
import { ledgerKeyOf, ledgerReason } from "../core/ledger.js";
import type { ReportRow } from "../core/types.js";
import { ContractError, errorCode, SQLSTATE } from "../errors.js";
import { displayName, type QualifiedName, quoteQualified } from "./names.js";

/** The columns the ledger must have, and its key (a unique index on exactly these, no WHERE). */
const REQUIRED_COLUMNS = ["person_key", "lead_date", "milestone", "status", "amount_expected"] as const;
const KEY_COLUMNS = ["person_key", "lead_date", "milestone"] as const;
/** Written when the ledger has them. */
const OPTIONAL_COLUMNS = ["driver_id", "lead_source_pk", "generated_at", "reason"] as const;
type Written = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];

interface ColumnFact {
  name: string;
  type: string;
  not_null: boolean;
  has_default: boolean;
  /** The role may INSERT this column (a table grant or a column grant). */
  insertable: boolean;
  /** A serial's sequence the role may not use (nextval would fail): its name, else null. */
  sequence_denied: string | null;
}

interface LedgerFacts {
  oid: number | null;
  schema: string | null;
  name: string | null;
  kind: string | null;
  readable: boolean | null;
  deletable: boolean | null;
  columns: ColumnFact[] | null;
  /** Column sets of the unique indexes usable as an ON CONFLICT target (no predicate, no expression). */
  unique_keys: string[][] | null;
  status_labels: string[] | null;
}

/** The ledger as the catalog describes it, once checked. */
export interface CheckedLedger {
  readonly name: QualifiedName;
  readonly shown: string;
  /** Each column the job writes, with the type its value is cast to. */
  readonly types: Readonly<Partial<Record<Written, string>>>;
  readonly required: LedgerRequired;
  /** Null when the role may write every column the job writes; else why not, in words. */
  readonly notWritable: string | null;
  readonly hasReason: boolean;
  readonly deletable: boolean;
}

const FACTS = `
SELECT c.oid::int AS oid, n.nspname::text AS schema, c.relname::text AS name, c.relkind::text AS kind,
       has_table_privilege(c.oid, 'SELECT') AS readable, has_table_privilege(c.oid, 'DELETE') AS deletable,
       (SELECT json_agg(json_build_object(
                 'name', a.attname::text, 'type', format_type(a.atttypid, a.atttypmod),
                 'not_null', a.attnotnull, 'has_default', a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '',
                 'insertable', has_column_privilege(c.oid, a.attnum, 'INSERT'),
                 'sequence_denied', (SELECT s.seq::text FROM (SELECT pg_get_serial_sequence(
                        format('%I.%I', n.nspname, c.relname), a.attname)::regclass AS seq) s
                      WHERE a.attidentity = '' AND s.seq IS NOT NULL
                        AND NOT has_sequence_privilege(s.seq, 'USAGE'))) ORDER BY a.attnum)
          FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
       (SELECT json_agg((SELECT array_agg(a.attname::text ORDER BY a.attname)
                           FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = ANY (i.indkey)))
          FROM pg_index i
         WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid AND i.indpred IS NULL
           AND i.indexprs IS NULL) AS unique_keys,
       (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
          FROM pg_attribute a JOIN pg_enum e ON e.enumtypid = a.atttypid
         WHERE a.attrelid = c.oid AND a.attname = 'status') AS status_labels
  FROM (SELECT pg_catalog.parse_ident($1) AS parts) p
  LEFT JOIN pg_class c ON c.oid = CASE WHEN cardinality(p.parts) <= 2 THEN pg_catalog.to_regclass(
         (SELECT string_agg(pg_catalog.quote_ident(x), '.' ORDER BY k)
            FROM unnest(p.parts) WITH ORDINALITY AS u(x, k))) END
  LEFT JOIN pg_namespace n ON n.oid = c.relnamespace`;

/**
 * The ledger's contract (§10.2), before any work: a table with the columns the job writes, a unique index
 * on exactly `(person_key, lead_date, milestone)` with no WHERE, SELECT for the role, and no NOT NULL column
 * the job has no value for. A miss is a `ContractError` naming it. Missing INSERT is not an error here: a dry
 * run warns about it and a real run records nothing and exits 3 (`notWritable`).
 */
export async function checkLedger(client: pg.ClientBase, configured: string): Promise<CheckedLedger> {
  let facts: LedgerFacts | undefined;
  try {
    ({
      rows: [facts],
    } = await client.query<LedgerFacts>(FACTS, [configured]));
  } catch (error) {
    if (errorCode(error) !== SQLSTATE.INVALID_PARAMETER_VALUE) throw error;
    throw new ContractError(
      `contract: claimsLedger ${JSON.stringify(configured)} is not a valid name (${(error as Error).message})`,
      configured,
    );
  }
  if (!facts?.oid || !facts.schema || !facts.name) {
    throw new ContractError(
      `contract: claims ledger ${configured} does not exist (or is not visible to this user)`,
      configured,
    );
  }
  const name = { schema: facts.schema, name: facts.name };
  const shown = displayName(name);
  if (facts.kind !== "r" && facts.kind !== "p") {
    throw new ContractError(`contract: claims ledger ${shown} is not a table`, shown);
  }
  if (!facts.readable) {
    throw new ContractError(
      `contract: claims ledger ${shown} is not readable by this user (no SELECT privilege)`,
      shown,
    );
  }
  const columns = new Map((facts.columns ?? []).map((c) => [c.name, c]));
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.has(c));
  if (missing.length > 0) {
    throw new ContractError(
      `contract: claims ledger ${shown} has no column ${missing.join(", ")}`,
      shown,
      missing[0],
    );
  }
  const wanted = [...KEY_COLUMNS].sort().join(",");
  if (!(facts.unique_keys ?? []).some((k) => [...k].sort().join(",") === wanted)) {
    throw new ContractError(
      `contract: claims ledger ${shown} has no unique index or constraint on exactly (person_key, lead_date, milestone) without WHERE: the job cannot record a claim only once`,
      shown,
    );
  }
  if (facts.status_labels && !facts.status_labels.includes("generated")) {
    throw new ContractError(
      `contract: claims ledger ${shown} column status has no value 'generated' (it has ${facts.status_labels.join(", ")})`,
      shown,
      "status",
    );
  }
  const written = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS].filter((c) => columns.has(c));
  const unfilled = [...columns.values()].filter(
    (c) => c.not_null && !c.has_default && !(written as string[]).includes(c.name),
  );
  if (unfilled.length > 0) {
    throw new ContractError(
      `contract: claims ledger ${shown} column ${unfilled[0]?.name} is NOT NULL without a default, and the job has no value for it`,
      shown,
      unfilled[0]?.name,
    );
  }
  const types: Partial<Record<Written, string>> = {};
  for (const c of written) types[c] = columns.get(c)?.type as string;
  const role = await currentRole(client);
  const noInsert = written.filter((c) => !columns.get(c)?.insertable);
  const sequences = [...columns.values()]
    .map((c) => c.sequence_denied)
    .filter((s): s is string => s !== null);
  const notWritable =
    noInsert.length > 0
      ? `role ${role} has no INSERT privilege on ${shown} (${noInsert.join(", ")}); GRANT INSERT ON ${shown} TO ${role}`
      : sequences.length > 0
        ? `role ${role} may not use sequence ${sequences.join(", ")} of ${shown}; GRANT USAGE ON SEQUENCE ${sequences.join(", ")} TO ${role}`
        : null;
  const notNull = (c: string) => columns.get(c)?.not_null === true && columns.get(c)?.has_default !== true;
  return {
    name,
    shown,
    types,
    required: {
      leadSourcePk: notNull("lead_source_pk"),
      driverId: notNull("driver_id"),
      uuidPersonKey: types.person_key === "uuid",
    },
    notWritable,
    hasReason: columns.has("reason"),
    deletable: facts.deletable === true,
  };
}

async function currentRole(client: pg.ClientBase): Promise<string> {
  const { rows } = await client.query<{ role: string }>("SELECT current_user::text AS role");
  return rows[0]?.role ?? "(unknown)";
}

/** The ledger's key columns compared as text, date and int: the ledger's own types may be uuid, smallint... */
const KEY_MATCH = (l: string, k: string) =>
  `${l}.person_key::text = ${k}.person_key AND ${l}.lead_date::date = ${k}.lead_date AND ${l}.milestone::int = ${k}.milestone`;

/**
 * The ledger's status of each analysed row's key, in one statement (keys bound as three arrays). A uuid
 * ledger compares as its canonical text, so gap view keys are lower-cased first.
 */
export async function readLedgerStatuses(
  client: pg.ClientBase,
  ledger: CheckedLedger,
  rows: readonly ReportRow[],
): Promise<Map<string, string>> {
  const keyed = rows.filter((r) => ledgerKeyOf(r) !== null);
  const present = new Map<string, string>();
  if (keyed.length === 0) return present;
  const lower = ledger.types.person_key === "uuid";
  const persons = keyed.map((r) =>
    lower ? (r.person_key as string).toLowerCase() : (r.person_key as string),
  );
  const { rows: found } = await client.query<{ i: string; status: string }>(
    `SELECT DISTINCT ON (k.i) k.i::int AS i, l.status::text AS status
       FROM unnest($1::text[], $2::date[], $3::int[]) WITH ORDINALITY AS k(person_key, lead_date, milestone, i)
       JOIN ${quoteQualified(ledger.name)} l ON ${KEY_MATCH("l", "k")}
      ORDER BY k.i`,
    [persons, keyed.map((r) => r.lead_date), keyed.map((r) => r.milestone_value)],
  );
  for (const f of found) {
    const original = keyed[Number(f.i) - 1];
    if (original) present.set(ledgerKeyOf(original) as string, f.status);
  }
  return present;
}

/**
 * Writes the candidates in one `INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING`, in its own
 * transaction: every claim or none, and never a change to a row the ledger already has. Returns the keys
 * actually inserted (a key another writer added meanwhile is skipped by the conflict, not overwritten).
 */
export async function insertClaims(
  client: pg.ClientBase,
  ledger: CheckedLedger,
  candidates: readonly LedgerCandidate[],
  runId: string,
): Promise<Set<string>> {
  const t = ledger.types;
  const cols: string[] = ["person_key", "lead_date", "milestone", "status", "amount_expected"];
  const values: string[] = [
    `k.person_key::${t.person_key}`,
    `k.lead_date::${t.lead_date}`,
    `k.milestone::${t.milestone}`,
    `'generated'::text::${t.status}`,
    `k.amount::${t.amount_expected}`,
  ];
  if (t.driver_id) {
    cols.push("driver_id");
    values.push(`k.driver_id::${t.driver_id}`);
  }
  if (t.lead_source_pk) {
    cols.push("lead_source_pk");
    values.push(`k.lead_source_pk::${t.lead_source_pk}`);
  }
  if (t.generated_at) {
    cols.push("generated_at");
    values.push(`now()::${t.generated_at}`);
  }
  if (t.reason) {
    cols.push("reason");
    values.push(`$7::text::${t.reason}`);
  }
  const table = quoteQualified(ledger.name);
  const sql = `INSERT INTO ${table} (${cols.map((c) => `"${c}"`).join(", ")})
               SELECT ${values.join(", ")}
                 FROM unnest($1::text[], $2::date[], $3::int[], $4::numeric[], $5::text[], $6::text[])
                      AS k(person_key, lead_date, milestone, amount, driver_id, lead_source_pk)
               ON CONFLICT (person_key, lead_date, milestone) DO NOTHING
               RETURNING person_key::text AS person_key, to_char(lead_date, 'YYYY-MM-DD') AS lead_date,
                         milestone::int AS milestone`;
  const params = [
    candidates.map((c) => c.person_key),
    candidates.map((c) => c.lead_date),
    candidates.map((c) => c.milestone),
    candidates.map((c) => c.amount),
    candidates.map((c) => c.driver_id),
    candidates.map((c) => c.lead_source_pk),
    ...(t.reason ? [ledgerReason(runId)] : []),
  ];
  await client.query("BEGIN");
  try {
    const { rows } = await client.query<{ person_key: string; lead_date: string; milestone: number }>(
      sql,
      params,
    );
    await client.query("COMMIT");
    // Returned in the ledger's spelling (a uuid lower-cased): match back to the candidates' keys.
    const byLedgerKey = new Map(
      candidates.map((c) => [JSON.stringify([c.person_key.toLowerCase(), c.lead_date, c.milestone]), c.key]),
    );
    const inserted = new Set<string>();
    for (const r of rows) {
      const key = byLedgerKey.get(
        JSON.stringify([r.person_key.toLowerCase(), r.lead_date, Number(r.milestone)]),
      );
      if (key) inserted.add(key);
    }
    return inserted;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

export interface UndoResult {
  /** Rows of that run still untouched (`generated`, reason naming the run): deleted, or to delete in a dry run. */
  readonly deleted: number;
  /** Rows of that run whose status a person or a payment changed since: kept. */
  readonly kept: number;
  readonly amount: string;
}

/**
 * Deletes exactly the rows one run recorded and nobody changed since: status still `generated` and `reason`
 * the run's own text, in one transaction (a dry run only counts them). Refused without a `reason` column
 * (then nothing tells the job's rows from anyone else's) and, unless dry, without DELETE.
 */
export async function undoRun(
  client: pg.ClientBase,
  ledger: CheckedLedger,
  runId: string,
  dryRun: boolean,
): Promise<UndoResult> {
  if (!ledger.hasReason) {
    throw new ContractError(
      `contract: claims ledger ${ledger.shown} has no column reason: the job cannot tell the rows a run recorded from anyone else's, so it will not delete any`,
      ledger.shown,
      "reason",
    );
  }
  if (!dryRun && !ledger.deletable) {
    throw new ContractError(
      `contract: this role has no DELETE privilege on ${ledger.shown}: undo needs it (GRANT DELETE ON ${ledger.shown} TO <role>)`,
      ledger.shown,
    );
  }
  const table = quoteQualified(ledger.name);
  const reason = ledgerReason(runId);
  await client.query("BEGIN");
  try {
    const { rows: counted } = await client.query<{ ours: string; kept: string; amount: string }>(
      `SELECT count(*) FILTER (WHERE status::text = 'generated') AS ours,
              count(*) FILTER (WHERE status::text <> 'generated') AS kept,
              COALESCE(sum(amount_expected) FILTER (WHERE status::text = 'generated'), 0)::numeric(14, 2)::text AS amount
         FROM ${table} WHERE reason::text = $1`,
      [reason],
    );
    const c = counted[0] as { ours: string; kept: string; amount: string };
    let deleted = Number(c.ours);
    if (!dryRun && deleted > 0) {
      const result = await client.query(
        `DELETE FROM ${table} WHERE reason::text = $1 AND status::text = 'generated'`,
        [reason],
      );
      deleted = result.rowCount ?? 0;
    }
    await client.query(dryRun ? "ROLLBACK" : "COMMIT");
    return { deleted, kept: Number(c.kept), amount: c.amount };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
