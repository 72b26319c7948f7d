/**
 * The deployment profile's schema (`sql/deployment/`, compiled into `deployment-schema.generated.ts`):
 * applying it, and switching its claims view between the two states found in the field.
 */
import type pg from "pg";
import { DEPLOYMENT_MIGRATIONS, DEPLOYMENT_STATES } from "./deployment-schema.generated.js";
import { migrate } from "./migrate.js";

export { DEPLOYMENT_MIGRATIONS, DEPLOYMENT_STATES };

/** The claims view's state: `live` (plain view over the live calculation) or `drift` (reads the receivable MV). */
export type DeploymentState = "live" | "drift";
export const DEPLOYMENT_STATE_NAMES: readonly DeploymentState[] = ["live", "drift"];

/** Applies the deployment profile's migrations with the reference `migrate()` (same lock, same ledger). */
export function migrateDeployment(client: pg.ClientBase): Promise<{ applied: string[] }> {
  return migrate(client, DEPLOYMENT_MIGRATIONS);
}

/**
 * Puts the claims view in `state` (CREATE OR REPLACE VIEW with identical columns, so the MVs built on it stay
 * valid). Migrations leave it `live`.
 */
export async function setDeploymentState(client: pg.ClientBase, state: DeploymentState): Promise<void> {
  const sql = DEPLOYMENT_STATES[state];
  if (sql === undefined) throw new Error(`unknown deployment state: ${String(state)}`);
  await client.query(sql);
}

/** The materialized views of the profile, by role. */
export const DEPLOYMENT_MVS = {
  /** Payments chain beneath the claims view (both states), in dependency order. */
  payments: [
    "ops.mv_yango_payments_raw",
    "ops.mv_yango_payments_ledger_latest",
    "ops.mv_yango_payments_enriched",
  ],
  /** Beneath the claims view in the drift state only. */
  receivable: "ops.mv_yango_receivable_payable_detail",
  /** Downstream of the claims view, in dependency order. */
  downstream: ["ops.mv_claims_payment_status_cabinet", "ops.mv_yango_cabinet_claims_for_collection"],
  /** Related to nothing of the contract: the job must never refresh it. */
  unrelated: "ops.mv_driver_weekly_trip_stats",
} as const;
