/**
 * Helpers for the reference schema tests: read the contract views in the model's row shapes (dates as
 * 'YYYY-MM-DD' text, amounts as decimal text), sorted, so they compare with `reference/model.ts` exactly.
 */
import type pg from "pg";
import type { AchievedRow, ClaimRow, GapViewRow, PaymentCalcRow } from "../../reference/model.js";

type Queryable = Pick<pg.ClientBase, "query">;

const ymd = (col: string) => `to_char(${col}, 'YYYY-MM-DD') AS ${col.replace(/^.*\./, "")}`;

export async function readGap(db: Queryable, where = "true"): Promise<GapViewRow[]> {
  const { rows } = await db.query<GapViewRow>(
    `SELECT lead_id::int AS lead_id, lead_source_pk, ${ymd("lead_date")}, ${ymd("week_start")}, person_key, driver_id,
            milestone_value, trips_14d, milestone_achieved, claim_expected, claim_exists, claim_status,
            gap_reason, gap_detail, expected_amount::text AS expected_amount
       FROM ops.v_cabinet_claims_gap_14d WHERE ${where}`,
  );
  return sorted(rows);
}

export async function readClaims(db: Queryable): Promise<ClaimRow[]> {
  const { rows } = await db.query<ClaimRow>(
    `SELECT driver_id, milestone_value, ${ymd("lead_date")}, ${ymd("achieved_date")}, ${ymd("due_date")},
            expected_amount::text AS expected_amount, paid_flag, payment_status
       FROM ops.v_claims_payment_status_cabinet`,
  );
  return sorted(rows);
}

export async function readAchieved(db: Queryable): Promise<AchievedRow[]> {
  const { rows } = await db.query<AchievedRow>(
    `SELECT driver_id, milestone_value, achieved_flag, ${ymd("achieved_date")}
       FROM ops.v_cabinet_milestones_achieved_from_payment_calc`,
  );
  return sorted(rows);
}

export async function readPaymentCalculation(db: Queryable): Promise<PaymentCalcRow[]> {
  const { rows } = await db.query<PaymentCalcRow>(
    `SELECT person_key, driver_id, origin_tag, rule_id, rule_scope, window_days, milestone_trips,
            amount::text AS amount, ${ymd("lead_date")}, trips_counted, milestone_achieved, ${ymd("achieved_date")}
       FROM ops.v_payment_calculation`,
  );
  return sorted(rows);
}

/** Rows sorted by their JSON (keys in a fixed order), for order-free comparison. */
export function sorted<T extends object>(rows: readonly T[]): T[] {
  const keyed = rows.map((r) => {
    const canonical = Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1))) as T;
    return { key: JSON.stringify(canonical), row: canonical };
  });
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.row);
}
