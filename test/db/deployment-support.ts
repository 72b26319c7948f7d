/**
 * Helpers for the deployment profile's tests: read its views in the model's row shapes (dates as
 * 'YYYY-MM-DD' text, amounts as decimal text), sorted, so they compare with `reference/deployment-model.ts`.
 */
import type pg from "pg";
import { type PhysicalClaimRow, recordedReason } from "../../reference/deployment-dataset.js";
import type {
  DeploymentAchievedRow,
  DeploymentCalcRow,
  DeploymentClaimRow,
  DeploymentGapRow,
} from "../../reference/deployment-model.js";
import type { RecordedKey } from "../../reference/deployment-truth.js";
import { sorted } from "./reference-support.js";

export { sorted };

type Queryable = Pick<pg.ClientBase, "query">;

const ymd = (col: string) => `to_char(${col}, 'YYYY-MM-DD') AS ${col.replace(/^.*\./, "")}`;

export async function readDeploymentGap(db: Queryable, where = "true"): Promise<DeploymentGapRow[]> {
  const { rows } = await db.query<DeploymentGapRow>(
    `SELECT lead_id::int AS lead_id, lead_source_pk, ${ymd("lead_date")}, ${ymd("week_start")}, person_key, driver_id,
            ${ymd("window_end_14d")}, milestone_value, trips_14d, milestone_achieved, claim_expected, claim_exists,
            claim_status, gap_reason, gap_detail, expected_amount::text AS expected_amount
       FROM ops.v_cabinet_claims_gap_14d WHERE ${where}`,
  );
  return sorted(rows);
}

/** The claims view, or (with `relation`) one of its materialized copies, which have the same columns. */
export async function readDeploymentClaims(
  db: Queryable,
  relation = "ops.v_claims_payment_status_cabinet",
): Promise<DeploymentClaimRow[]> {
  const { rows } = await db.query<DeploymentClaimRow>(
    `SELECT driver_id, milestone_value, ${ymd("lead_date")}, ${ymd("achieved_date")}, ${ymd("due_date")},
            expected_amount::text AS expected_amount, paid_flag, payment_status
       FROM ${relation}`,
  );
  return sorted(rows);
}

export async function readDeploymentAchieved(db: Queryable): Promise<DeploymentAchievedRow[]> {
  const { rows } = await db.query<DeploymentAchievedRow>(
    `SELECT driver_id, milestone_value, achieved_flag, ${ymd("achieved_date")}
       FROM ops.v_cabinet_milestones_achieved_from_payment_calc`,
  );
  return sorted(rows);
}

export async function readDeploymentCalc(db: Queryable): Promise<DeploymentCalcRow[]> {
  const { rows } = await db.query<DeploymentCalcRow>(
    `SELECT person_key, driver_id, origin_tag, rule_id, rule_scope, window_days, milestone_trips,
            amount::text AS amount, ${ymd("lead_date")}, milestone_achieved, ${ymd("achieved_date")}
       FROM ops.v_payment_calculation`,
  );
  return sorted(rows);
}

export async function readConversion(
  db: Queryable,
): Promise<Array<{ person_key: string; origin_tag: string; lead_date: string }>> {
  const { rows } = await db.query<{ person_key: string; origin_tag: string; lead_date: string }>(
    `SELECT person_key, origin_tag, ${ymd("lead_date")} FROM ops.v_conversion_metrics`,
  );
  return sorted(rows);
}

/** The claims ledger as loaded, in the dataset's row shape (timestamps as 'YYYY-MM-DD HH:MM:SS+00'). */
export async function readLedger(db: Queryable): Promise<PhysicalClaimRow[]> {
  const ts = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS"+00"') AS ${col}`;
  const { rows } = await db.query<PhysicalClaimRow>(
    `SELECT claim_id, person_key::text AS person_key, driver_id, lead_source_pk, ${ymd("lead_date")}, milestone,
            amount_expected::text AS amount_expected, status::text AS status, ${ts("expected_at")},
            ${ts("generated_at")}, ${ts("paid_at")}, reason, ${ts("created_at")}, ${ts("updated_at")}
       FROM canon.claims_yango_cabinet_14d`,
  );
  return sorted(rows);
}

/**
 * §10.1 written in SQL, independently of the model: per gap-view row from `from` on, the partner rules'
 * amounts of the payment calculation for its driver, milestone and lead date (the highest counts; two or more
 * distinct amounts are a conflict), else the gap view's own amount.
 */
export async function readRowAmounts(
  db: Queryable,
  from: string,
): Promise<
  Array<{
    lead_source_pk: string;
    milestone_value: number;
    amount: string;
    amount_source: string;
    amount_conflict: string | null;
  }>
> {
  const { rows } = await db.query(
    `SELECT g.lead_source_pk, g.milestone_value,
            COALESCE(max(p.amount), g.expected_amount)::text AS amount,
            CASE WHEN count(p.amount) > 0 THEN 'rule' ELSE 'gap_view' END AS amount_source,
            CASE WHEN count(DISTINCT p.amount) > 1
                 THEN array_to_string(array_agg(DISTINCT p.amount ORDER BY p.amount), ', ') END AS amount_conflict
       FROM ops.v_cabinet_claims_gap_14d g
       LEFT JOIN ops.v_payment_calculation p
         ON p.origin_tag = 'cabinet' AND p.rule_scope = 'partner' AND p.driver_id = g.driver_id
        AND p.milestone_trips = g.milestone_value AND p.lead_date = g.lead_date
      WHERE g.lead_date >= $1::date
      GROUP BY g.lead_id, g.lead_source_pk, g.milestone_value, g.expected_amount`,
    [from],
  );
  return sorted(rows);
}

/**
 * Inserts ledger keys as the job records them (status generated, the run in `reason`), by plain SQL with the
 * values cast to the ledger's types; returns how many rows went in (ON CONFLICT DO NOTHING).
 */
export async function insertRecordedKeys(
  db: Queryable,
  keys: readonly RecordedKey[],
  runId: string,
): Promise<number> {
  const { rowCount } = await db.query(
    `INSERT INTO canon.claims_yango_cabinet_14d
            (person_key, driver_id, lead_source_pk, lead_date, milestone, amount_expected, status, generated_at, reason)
     SELECT k.person_key::uuid, k.driver_id, k.lead_source_pk, k.lead_date::date, k.milestone,
            k.amount::numeric(12, 2), 'generated', now(), $2
       FROM json_to_recordset($1::json) AS k (person_key text, driver_id text, lead_source_pk text, lead_date text,
                                              milestone integer, amount text)
     ON CONFLICT (person_key, lead_date, milestone) DO NOTHING`,
    [JSON.stringify(keys), recordedReason(runId)],
  );
  return rowCount ?? 0;
}
