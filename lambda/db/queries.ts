/**
 * Where the SQL is. Every statement is set-based: the analysed rows are snapshotted once into a session
 * temp table, and each fact (canonical achieved, claims present, payment calculation, trips in window) is
 * fetched for all of them in one statement. Values are always bound parameters; object names come from
 * the checked contract and are quoted with the driver's escaping.
 *
 * Each query that returns rows owns its row type and its mapper (docs/style: one row type per query): a
 * column one query does not fetch cannot be read from its rows, so it is a compile error, never a silent 0.
 */
import type { DiagnosisFacts, GapRow, LookFacts, PriceFacts } from "../core/types.js";
import type { CheckedContract, OptionalGapColumn } from "./contract.js";
import { quoteQualified } from "./names.js";

export interface WindowFilter {
  asOf: string;
  daysBack: number;
  onlyMilestone: number | null;
  weekStart: string | null;
}

/** The temp table holding this run's analysed rows and their first look. Dropped with the session. */
export const ROWS_TABLE = "pg_temp.reconcile_cabinet_claims_rows";

/** `YYYY-MM-DD` text from a date, independent of the session's DateStyle and time zone. */
const ymd = (expr: string) => `to_char(${expr}, 'YYYY-MM-DD')`;

/**
 * `summary_daily.date_file` as a date: `DD-MM-YYYY` (deployed) or `YYYY-MM-DD`. Anything else, and
 * impossible dates such as `31-02-2025`, give NULL instead of an error that would abort the query. CASE is
 * the only construct PostgreSQL promises to evaluate in order, hence the nesting; one plain expression
 * (no sub-select) and at most two regular expressions per row, because it runs on every trip row read.
 */
function parsedTripDay(column: string): string {
  const date = (d: string, m: string, y: string) =>
    `CASE WHEN ${m}::int BETWEEN 1 AND 12 AND ${d}::int BETWEEN 1 AND 31 AND ${y}::int >= 1 THEN
       CASE WHEN ${d}::int <= 28 OR ${d}::int <= extract(day FROM make_date(${y}::int, ${m}::int, 1) + interval '1 month - 1 day')
            THEN make_date(${y}::int, ${m}::int, ${d}::int) END END`;
  const part = (from: number, len: number) => `substr(${column}, ${from}, ${len})`;
  return `(CASE WHEN ${column} ~ '^[0-9]{2}-[0-9]{2}-[0-9]{4}$' THEN ${date(part(1, 2), part(4, 2), part(7, 4))}
               WHEN ${column} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN ${date(part(9, 2), part(6, 2), part(1, 4))} END)`;
}

export class RunQueries {
  readonly gap: string;
  readonly claims: string;
  readonly achieved: string;
  readonly paymentCalc: string;
  readonly trips: string;
  readonly optional: readonly OptionalGapColumn[];
  readonly paymentCalcAmount: boolean;
  /** Display names (`schema.name`) of what each statement reads, for an error that must name them. */
  readonly shown: { gap: string; firstLook: string; trips: string; rows: string; final: string };

  constructor(contract: CheckedContract) {
    const n = contract.names;
    const show = (...names: Array<{ schema: string; name: string }>) =>
      names.map((q) => `${q.schema}.${q.name}`).join(", ");
    this.shown = {
      gap: show(n.gapView),
      firstLook: show(n.achievedView, n.claimsView),
      trips: show(n.tripsTable),
      rows: "the analysed rows",
      final: show(n.achievedView, n.claimsView, n.paymentCalcView, n.tripsTable),
    };
    this.gap = quoteQualified(contract.names.gapView);
    this.claims = quoteQualified(contract.names.claimsView);
    this.achieved = quoteQualified(contract.names.achievedView);
    this.paymentCalc = quoteQualified(contract.names.paymentCalcView);
    this.trips = quoteQualified(contract.names.tripsTable);
    this.optional = contract.gapOptional;
    this.paymentCalcAmount = contract.paymentCalcAmount;
  }

  createRowsTable(): string {
    return `CREATE TEMP TABLE IF NOT EXISTS reconcile_cabinet_claims_rows (
              ord integer PRIMARY KEY, driver_id text, lead_date date, milestone_value integer,
              gap_reason text, claim_status text, person_key text, lead_source_pk text, week_start date,
              trips_14d bigint, expected_amount numeric,
              achieved_flag boolean, achieved_date date, claim_exists boolean, claim_lead_dates date[],
              claim_rows text[]);
            TRUNCATE ${ROWS_TABLE}`;
  }

  /**
   * The window's rows per `claim_status`, counted again (nothing snapshotted): after a run recorded claims,
   * the runbook's first validation query, automated (`gaps_after`).
   */
  countWindow(f: WindowFilter) {
    return {
      text: `SELECT g.claim_status::text AS claim_status, count(*)::bigint AS n
               FROM ${this.gap} g
              WHERE g.lead_date >= $1::date - $2::int
                AND ($3::int IS NULL OR g.milestone_value = $3::int)
                AND ($4::date IS NULL OR (g.lead_date >= $4::date AND g.lead_date < $4::date + 7))
              GROUP BY 1 ORDER BY 1`,
      values: [f.asOf, f.daysBack, f.onlyMilestone, f.weekStart],
    };
  }

  /**
   * One pass over the gap view (the most expensive object the job reads): the window is read once into a
   * materialized CTE, which gives the count per `claim_status` (not cut by `limit`: `gaps_found` and the
   * silent-zero guard) and, through a data-modifying CTE, the snapshot of at most `limit` rows in the
   * deterministic order `lead_date DESC, driver_id, milestone_value` (then the lead's own key and the whole
   * row, so duplicates from re-uploads still cut the same way). The snapshot is what gets verified twice:
   * the gap view itself changes when the claims are refreshed.
   */
  identify(f: WindowFilter, onlyGaps: boolean, gapStatuses: readonly string[], limit: number) {
    const opt = (c: OptionalGapColumn, cast: string) =>
      this.optional.includes(c) ? `g.${c}::${cast}` : `NULL::${cast}`;
    const order = `w.lead_date DESC, w.driver_id, w.milestone_value, w.tiebreak`;
    const tiebreak = this.optional.includes("lead_source_pk")
      ? "g.lead_source_pk::text || g::text"
      : "g::text";
    return {
      text: `WITH w AS MATERIALIZED (
               SELECT g.driver_id::text AS driver_id, g.lead_date::date AS lead_date,
                      g.milestone_value::int AS milestone_value, g.gap_reason::text AS gap_reason,
                      g.claim_status::text AS claim_status, ${opt("person_key", "text")} AS person_key,
                      ${opt("lead_source_pk", "text")} AS lead_source_pk, ${opt("week_start", "date")} AS week_start,
                      ${opt("trips_14d", "bigint")} AS trips_14d, ${opt("expected_amount", "numeric")} AS expected_amount,
                      ${tiebreak} AS tiebreak
                 FROM ${this.gap} g
                WHERE g.lead_date >= $1::date - $2::int AND g.lead_date <= $1::date
                  AND ($3::int IS NULL OR g.milestone_value = $3::int)
                  AND ($4::date IS NULL OR (g.lead_date >= $4::date AND g.lead_date < $4::date + 7))),
             snapshot AS (
               INSERT INTO ${ROWS_TABLE} (ord, driver_id, lead_date, milestone_value, gap_reason, claim_status,
                      person_key, lead_source_pk, week_start, trips_14d, expected_amount)
               SELECT row_number() OVER (ORDER BY ${order}), w.driver_id, w.lead_date, w.milestone_value,
                      w.gap_reason, w.claim_status, w.person_key, w.lead_source_pk, w.week_start, w.trips_14d,
                      w.expected_amount
                 FROM w
                WHERE NOT $5::boolean OR w.claim_status = ANY($6::text[])
                ORDER BY ${order}
                LIMIT $7
               RETURNING 1)
           SELECT w.claim_status, count(*)::bigint AS n FROM w GROUP BY 1 ORDER BY 1`,
      values: [f.asOf, f.daysBack, f.onlyMilestone, f.weekStart, onlyGaps, gapStatuses, limit],
    };
  }

  analyzeRows(): string {
    return `ANALYZE ${ROWS_TABLE}`;
  }

  /**
   * Canonical achieved per (driver, milestone) of the analysed rows; duplicates collapse (any / earliest).
   * `only`: a bound `text[]` parameter further restricting the drivers read (the second look after a
   * refresh reads only what the refresh could have changed).
   */
  #achievedCte(only?: string): string {
    return `achieved AS (
      SELECT a.driver_id::text AS driver_id, a.milestone_value::int AS milestone_value,
             bool_or(a.achieved_flag) AS achieved_flag,
             min(a.achieved_date::date) FILTER (WHERE a.achieved_flag) AS achieved_date
        FROM ${this.achieved} a
       WHERE a.driver_id::text IN (SELECT driver_id FROM ${ROWS_TABLE} WHERE driver_id IS NOT NULL)${only ? ` AND (${only} IS NULL OR a.driver_id::text = ANY (${only}))` : ""}
       GROUP BY 1, 2)`;
  }

  /**
   * Lead dates under which the claims view holds each (driver, milestone) of the analysed rows. `withRows`:
   * also its whole rows as text, kept by the first look so that a copy of the claims view can be compared
   * with it later without reading the claims view again (§10.3, `refresh-staleness.ts`).
   */
  #claimsCte(only?: string, withRows = false): string {
    return `claims AS (
      SELECT c.driver_id::text AS driver_id, c.milestone_value::int AS milestone_value,
             array_agg(DISTINCT c.lead_date::date) AS lead_dates${withRows ? ", array_agg(c::text) AS claim_rows" : ""}
        FROM ${this.claims} c
       WHERE c.driver_id::text IN (SELECT driver_id FROM ${ROWS_TABLE} WHERE driver_id IS NOT NULL)${only ? ` AND (${only} IS NULL OR c.driver_id::text = ANY (${only}))` : ""}
       GROUP BY 1, 2)`;
  }

  /** The first look, stored beside each row before anything is refreshed. */
  firstLook(): string {
    return `WITH ${this.#achievedCte()}, ${this.#claimsCte(undefined, true)}
            UPDATE ${ROWS_TABLE} r
               SET achieved_flag = a.achieved_flag, achieved_date = a.achieved_date,
                   claim_exists = COALESCE(r.lead_date = ANY(c.lead_dates), false),
                   claim_lead_dates = c.lead_dates, claim_rows = c.claim_rows
              FROM ${ROWS_TABLE} r2
              LEFT JOIN achieved a ON a.driver_id = r2.driver_id AND a.milestone_value = r2.milestone_value
              LEFT JOIN claims c ON c.driver_id = r2.driver_id AND c.milestone_value = r2.milestone_value
             WHERE r2.ord = r.ord`;
  }

  /** First-look rows, in order, to decide whether a refresh can change anything. */
  firstLookRows(): string {
    return `SELECT ${this.#rowColumns()}, r.achieved_flag AS before_achieved_flag,
                   ${ymd("r.achieved_date")} AS before_achieved_date, r.claim_exists AS before_claim_exists
              FROM ${ROWS_TABLE} r ORDER BY r.ord`;
  }

  #rowColumns(): string {
    return `r.ord, r.driver_id, ${ymd("r.lead_date")} AS lead_date, r.milestone_value, r.gap_reason,
            r.claim_status, r.person_key, r.lead_source_pk, ${ymd("r.week_start")} AS week_start,
            r.trips_14d::int AS trips_14d, r.expected_amount::text AS expected_amount`;
  }

  /**
   * Every analysed row with its first look, its second look on the data as it is now (after the refresh,
   * or the same data when none ran) and the facts that explain a claim still missing. Run on every path,
   * so a diagnosis always reads real facts (docs/contract.md §9.1). One statement, read through a cursor.
   *
   * The claims and canonical achieved views are read again only for `reread` (§10.3: each view is read once
   * when no refresh ran): `none`, the first look stands for every row; `all`; or the drivers a successful
   * refresh could have changed, the others keeping their first look.
   */
  finalRows(reread: "none" | "all" | readonly string[] = "all"): { text: string; values: unknown[] } {
    const day = parsedTripDay("t.date_file");
    const only = reread === "none" ? null : reread === "all" ? null : [...reread];
    // Whether a row's second look comes from this read ($1 holds the drivers re-read; NULL: all of them).
    const fresh = "($1::text[] IS NULL OR r.driver_id = ANY ($1::text[]))";
    const second =
      reread === "none" ? "" : `${this.#achievedCte("$1::text[]")}, ${this.#claimsCte("$1::text[]")},`;
    const pick = (now: string, before: string) =>
      reread === "none" ? before : `(CASE WHEN ${fresh} THEN ${now} ELSE ${before} END)`;
    const leadDates = pick("c.lead_dates", "r.claim_lead_dates");
    const text = `WITH ${second}
      pc AS (
        SELECT p.driver_id::text AS driver_id, p.milestone_trips::int AS milestone_value,
               p.lead_date::date AS lead_date, count(*)::int AS n,
               min(p.achieved_date::date) FILTER (WHERE p.milestone_achieved) AS achieved_date,
               ${this.paymentCalcAmount ? "array_agg(DISTINCT p.amount::numeric::text) FILTER (WHERE p.amount IS NOT NULL)" : "NULL::text[]"} AS rule_amounts
          FROM ${this.paymentCalc} p
         WHERE p.origin_tag::text = 'cabinet' AND p.rule_scope::text = 'partner'
           AND p.driver_id::text IN (SELECT driver_id FROM ${ROWS_TABLE} WHERE driver_id IS NOT NULL)
         GROUP BY 1, 2, 3),
      leads AS (
        SELECT DISTINCT driver_id, lead_date FROM ${ROWS_TABLE}
         WHERE driver_id IS NOT NULL AND lead_date IS NOT NULL),
      trips AS (
        SELECT k.driver_id, k.lead_date,
               COALESCE(sum(t.n) FILTER (WHERE t.day >= k.lead_date AND t.day < k.lead_date + 14), 0)::int AS trips
          FROM leads k
          LEFT JOIN (SELECT t.driver_id::text AS driver_id, ${day} AS day, t.count_orders_completed AS n
                       FROM ${this.trips} t
                      WHERE t.driver_id::text IN (SELECT driver_id FROM leads)) t ON t.driver_id = k.driver_id
         GROUP BY 1, 2)
      SELECT ${this.#rowColumns()},
             r.achieved_flag AS before_achieved_flag, ${ymd("r.achieved_date")} AS before_achieved_date,
             r.claim_exists AS before_claim_exists,
             ${pick("a.achieved_flag", "r.achieved_flag")} AS after_achieved_flag,
             ${ymd(pick("a.achieved_date", "r.achieved_date"))} AS after_achieved_date,
             COALESCE(r.lead_date = ANY(${leadDates}), false) AS after_claim_exists,
             ${ymd(`(SELECT max(x) FROM unnest(${leadDates}) x WHERE x IS DISTINCT FROM r.lead_date)`)} AS other_lead_date,
             COALESCE(pc.n, 0) AS payment_calc_rows, ${ymd("pc.achieved_date")} AS payment_calc_achieved_date,
             COALESCE(tr.trips, 0) AS trips_in_window, pc.rule_amounts
        FROM ${ROWS_TABLE} r
        ${
          reread === "none"
            ? ""
            : `LEFT JOIN achieved a ON a.driver_id = r.driver_id AND a.milestone_value = r.milestone_value
        LEFT JOIN claims c ON c.driver_id = r.driver_id AND c.milestone_value = r.milestone_value`
        }
        LEFT JOIN pc ON pc.driver_id = r.driver_id AND pc.milestone_value = r.milestone_value
             AND pc.lead_date = r.lead_date
        LEFT JOIN trips tr ON tr.driver_id = r.driver_id AND tr.lead_date = r.lead_date
       ORDER BY r.ord`;
    return { text, values: reread === "none" ? [] : [only] };
  }

  /**
   * Two facts about the analysed drivers' trip rows, in one pass: how many have a `date_file` in no
   * accepted format or an impossible date (their trips count nowhere), and how many are written
   * `YYYY-MM-DD` inside the window of one of that driver's analysed rows (the job counts them; deployed
   * views that parse only `DD-MM-YYYY` do not, so a milestone can be lost before the gap view shows it).
   * The drivers are an array, not an `IN (SELECT ...)`: with a few thousand drivers the planner turns a
   * semi-join into a scan of every trip row, parsing each date (a cost that grows with the whole table), where
   * the array becomes one index search per driver (growing with their trips; figures in bench/RESULTS.md).
   */
  tripDates(): string {
    return `SELECT count(*) FILTER (WHERE t.day IS NULL)::int AS unparseable,
                   min(t.date_file) FILTER (WHERE t.day IS NULL) AS unparseable_example,
                   count(*) FILTER (WHERE t.iso AND EXISTS (
                     SELECT 1 FROM ${ROWS_TABLE} r
                      WHERE r.driver_id = t.driver_id AND t.day >= r.lead_date AND t.day < r.lead_date + 14))::int
                     AS iso_in_window
              FROM (SELECT t.driver_id::text AS driver_id, t.date_file, ${parsedTripDay("t.date_file")} AS day,
                           t.date_file ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' AS iso
                      FROM ${this.trips} t
                     WHERE t.driver_id::text = ANY (ARRAY(
                             SELECT DISTINCT driver_id FROM ${ROWS_TABLE} WHERE driver_id IS NOT NULL))
                       AND t.date_file IS NOT NULL) t`;
  }
}

/** A row of `identify`: rows in the window per `claim_status` (bigint counts arrive as text). */
export interface StatusCountRow {
  claim_status: string | null;
  n: string;
}

/** The row of `tripDates`. */
export interface TripDatesRow {
  unparseable: number;
  unparseable_example: string | null;
  iso_in_window: number;
}

/** The gap view's columns of an analysed row, as `#rowColumns` fetches them. */
interface GapColumnsRow {
  ord: number;
  driver_id: string | null;
  lead_date: string | null;
  milestone_value: number | null;
  gap_reason: string | null;
  claim_status: string | null;
  person_key: string | null;
  lead_source_pk: string | null;
  week_start: string | null;
  trips_14d: number | null;
  expected_amount: string | null;
}

/** A row of `firstLookRows`. */
export interface FirstLookRow extends GapColumnsRow {
  before_achieved_flag: boolean | null;
  before_achieved_date: string | null;
  before_claim_exists: boolean | null;
}

/** A row of `finalRows`: every column is there, so the decision never reads a default in place of a fact. */
export interface FinalRow extends FirstLookRow {
  after_achieved_flag: boolean | null;
  after_achieved_date: string | null;
  after_claim_exists: boolean;
  other_lead_date: string | null;
  payment_calc_rows: number;
  payment_calc_achieved_date: string | null;
  trips_in_window: number;
  /** Distinct amounts of the partner rules in force (null when none, or the calculation has no `amount`). */
  rule_amounts: string[] | null;
}

/** The gap view's columns of a fetched row; optional columns only when this deployment's view has them. */
function gapRow(raw: GapColumnsRow, optional: readonly OptionalGapColumn[]): GapRow {
  const row: Record<string, unknown> = {
    ord: Number(raw.ord),
    driver_id: raw.driver_id,
    lead_date: raw.lead_date,
    milestone_value: raw.milestone_value === null ? null : Number(raw.milestone_value),
    gap_reason: raw.gap_reason,
    claim_status: raw.claim_status,
  };
  for (const column of optional) {
    const value = raw[column];
    row[column] = column === "trips_14d" && value !== null ? Number(value) : value;
  }
  return row as unknown as GapRow;
}

const beforeFacts = (raw: FirstLookRow): LookFacts => ({
  achieved_flag: raw.before_achieved_flag,
  achieved_date: raw.before_achieved_date,
  claim_exists: raw.before_claim_exists === true,
});

export function toFirstLook(
  raw: FirstLookRow,
  optional: readonly OptionalGapColumn[],
): { row: GapRow; before: LookFacts } {
  return { row: gapRow(raw, optional), before: beforeFacts(raw) };
}

export function toFinal(
  raw: FinalRow,
  optional: readonly OptionalGapColumn[],
): { row: GapRow; before: LookFacts; after: LookFacts; facts: DiagnosisFacts; price: PriceFacts } {
  return {
    row: gapRow(raw, optional),
    before: beforeFacts(raw),
    after: {
      achieved_flag: raw.after_achieved_flag,
      achieved_date: raw.after_achieved_date,
      claim_exists: raw.after_claim_exists,
    },
    facts: {
      other_lead_date: raw.other_lead_date,
      payment_calc_rows: Number(raw.payment_calc_rows),
      payment_calc_achieved_date: raw.payment_calc_achieved_date,
      trips_in_window: Number(raw.trips_in_window),
    },
    price: { rule_amounts: raw.rule_amounts ?? [] },
  };
}
