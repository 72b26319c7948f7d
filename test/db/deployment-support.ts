/**
 * Helpers for the deployment profile's tests: read its views in the model's row shapes (dates as
 * 'YYYY-MM-DD' text, amounts as decimal text), sorted, so they compare with `reference/deployment-model.ts`.
 */
import type pg from "pg";
import type {
  DeploymentAchievedRow,
  DeploymentCalcRow,
  DeploymentClaimRow,
  DeploymentGapRow,
} from "../../reference/deployment-model.js";
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
