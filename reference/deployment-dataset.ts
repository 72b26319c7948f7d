/**
 * The deployment profile's data as plain arrays, one per raw table of `sql/deployment/001_raw_tables.sql`,
 * with the database's column names. The generator builds one, the loader COPYs it, the model computes from
 * it what the views must contain.
 */
import type { TripRow } from "./dataset.js";

export type { TripRow };

export interface DeploymentDriverRow {
  driver_id: string;
  full_name: string;
}

export interface DeploymentLeadRow {
  id: number;
  external_id: string | null;
  /** 'YYYY-MM-DD HH:MM:SS' (timestamp without time zone), or null. */
  lead_created_at: string | null;
}

export interface LeadPersonRow {
  lead_source_pk: string;
  person_key: string;
  linked_at: string;
}

export interface PersonDriverRow {
  person_key: string;
  driver_id: string;
  linked_at: string;
}

export interface DeploymentLeadEventRow {
  id: number;
  person_key: string;
  origin_tag: string;
  /** 'cabinet_lead', 'scouting' or 'fleet_migration'. */
  source: string;
  /** 'YYYY-MM-DD'. */
  event_date: string;
}

export interface DeploymentRuleRow {
  id: number;
  name: string;
  origin_tag: string;
  milestone_trips: number;
  window_days: number;
  /** Decimal string, e.g. "25.00"; some partner rules carry "0.00". */
  amount: string;
  /** Inclusive 'YYYY-MM-DD', null = open. */
  valid_from: string | null;
  valid_to: string | null;
  is_active: boolean;
}

export type ClaimStatus = "expected" | "generated" | "paid" | "rejected" | "expired";

/** The statuses in which the gap view counts a claim as existing (rejected and expired stay gaps). */
export const EXISTING_CLAIM_STATUSES: readonly ClaimStatus[] = ["expected", "generated", "paid"];

/**
 * A row of the claims ledger `canon.claims_yango_cabinet_14d` in its real shape. Timestamps are timestamptz
 * text ('YYYY-MM-DD HH:MM:SS+00'). `person_key` is a uuid (the identity tables hold the same uuid as text).
 */
export interface PhysicalClaimRow {
  claim_id: number;
  person_key: string;
  driver_id: string | null;
  lead_source_pk: string;
  lead_date: string;
  milestone: number;
  /** Decimal string, two places. */
  amount_expected: string;
  status: ClaimStatus;
  expected_at: string | null;
  generated_at: string | null;
  paid_at: string | null;
  reason: string | null;
  created_at: string;
  updated_at: string;
}

/** The ledger's columns in load order (the loader COPYs them, the tests read them back). */
export const PHYSICAL_CLAIM_COLUMNS = [
  "claim_id",
  "person_key",
  "driver_id",
  "lead_source_pk",
  "lead_date",
  "milestone",
  "amount_expected",
  "status",
  "expected_at",
  "generated_at",
  "paid_at",
  "reason",
  "created_at",
  "updated_at",
] as const satisfies ReadonlyArray<keyof PhysicalClaimRow>;

/** The job name an earlier run wrote into `reason` (`<name> run <run id>`), as the job writes it. */
export const RECONCILE_JOB_NAME = "reconcile-cabinet-claims-14d";

/**
 * The run id of an earlier run of the job whose `generated` rows the generator plants (mode
 * `ledger_earlier_run`): `ledger undo --run-id` of it deletes exactly those still `generated`.
 */
export const DEPLOYMENT_EARLIER_RUN_ID = "3f6d2a8e-5c41-4b7e-9a10-2e8c7d5b4f19";

/** The `reason` the job writes into a row it records (`reconcile-cabinet-claims-14d run <run id>`). */
export function recordedReason(runId: string): string {
  return `${RECONCILE_JOB_NAME} run ${runId}`;
}

export interface RawPaymentRow {
  id: number;
  /** Matched to `drivers.full_name` on lower(btrim(...)). */
  driver_name: string;
  milestone: number;
  amount: string;
  paid_at: string;
}

export interface LedgerRow {
  payment_id: number;
  version: number;
  status: "paid" | "reversed";
  recorded_at: string;
}

export interface DeploymentDataset {
  /** The day the data is relative to ('YYYY-MM-DD'); trips exist up to the day before. */
  asOf: string;
  drivers: DeploymentDriverRow[];
  leads: DeploymentLeadRow[];
  lead_person: LeadPersonRow[];
  person_driver: PersonDriverRow[];
  lead_events: DeploymentLeadEventRow[];
  /** Trips loaded before the snapshot refresh of the materialized views. */
  summary_daily: TripRow[];
  /** Trips that arrive after the snapshot: MVs reading trips are stale exactly for these. */
  late_summary_daily: TripRow[];
  partner_rules: DeploymentRuleRow[];
  scout_rules: DeploymentRuleRow[];
  claims: PhysicalClaimRow[];
  payments: RawPaymentRow[];
  ledger: LedgerRow[];
  /** Payments and ledger versions that arrive after the snapshot: the payments MVs are stale for these. */
  late_payments: RawPaymentRow[];
  late_ledger: LedgerRow[];
  /** Generator metadata, not loaded: the planted case of a lead, by `lead_source_pk`. */
  modes: Record<string, DeploymentMode>;
  /** Generator metadata: the drivers planted per case (also those that never reach the gap view). */
  plantedDrivers: Partial<Record<DeploymentMode, string[]>>;
  /** Generator metadata: lead ids planted per case. */
  plantedLeadIds: Partial<Record<DeploymentMode, number[]>>;
}

/**
 * The cases of docs/deployment-profile.md the generator plants inside the default 21-day window, with how many leads it
 * plants at scale 1 (counts scale linearly, at least one each) and what each shows.
 */
export const DEPLOYMENT_MODES = {
  stale_drift: {
    perScale: 6,
    shows:
      "every trip arrives after the snapshot: drift state's receivable MV lacks the claim (WOULD_REFRESH, then RESOLVED); live: ALREADY_EXISTS",
  },
  lead_date_mismatch: {
    perScale: 4,
    shows:
      "a scouting registration 3-5 days before the lead: the claim sits under that date (CLAIM_ON_OTHER_LEAD_DATE)",
  },
  no_partner_rule: {
    perScale: 3,
    shows:
      "no partner rule covers the lead date; the achieved view, mixing in the 7-day scout rules, says achieved (NO_PAYMENT_CALCULATION)",
  },
  reupload_no_external: {
    perScale: 2,
    shows:
      "one lead uploaded twice without external_id (two gap rows per milestone, one claim key: duplicate), with an earlier scouting event",
  },
  amount_zero: {
    perScale: 2,
    shows:
      "the partner promo M1 rule covering the lead date pays 0: the M1 row is INVALID ZERO_AMOUNT_RULE in both states (the drift receivable MV drops it; live holds it); M5 ALREADY_EXISTS",
  },
  not_ingested: {
    perScale: 3,
    shows: "a lead never ingested in lead events: no conversion metrics, no calculation (NOT_ACHIEVED)",
  },
  inflated_total: {
    perScale: 3,
    shows:
      "2 real trips on days 1 and 2 look like M5 (running total not split by rule); their M1 claim is in the physical table, so no gap row",
  },
  boundary_day13: {
    perScale: 2,
    shows:
      "the fifth trip on day 13 counts in the gap view (M5 gap row) and 20 trips on day 14 do not (no M25)",
  },
  boundary_day14: {
    perScale: 2,
    shows: "the fifth trip on day 14 does not count in the gap view (no M5 gap row)",
  },
  iso_trips: {
    perScale: 3,
    shows:
      "three trip rows written YYYY-MM-DD inside the window: invisible to the views (M1 gap row on 2 trips), counted by the job",
  },
  zero_amount_rule: {
    perScale: 6,
    shows:
      "26 trips on a lead date where partner tariff v3 (from day -5 on) pays M25 0.00: the M25 row is INVALID ZERO_AMOUNT_RULE whatever the claims view holds (live holds it, drift's receivable MV drops it); M1/M5 ALREADY_EXISTS",
  },
  amount_conflict: {
    perScale: 2,
    shows:
      "a lead on an overlap day (-8/-7) where a v2b correction pays M5 40.00 beside v2b's 35.00: amount_conflict '35.00, 40.00', amount 40.00, never recorded (AMOUNT_CONFLICT); M1's identical duplicate rules are no conflict",
  },
  ledger_rejected: {
    perScale: 2,
    shows:
      "M1 and M5 claims the claims view holds whose ledger rows a person set rejected: they stay in the gap view, the ledger is 'present' (rejected), never touched, warned about",
  },
  ledger_expired: {
    perScale: 2,
    shows: "as ledger_rejected, with the ledger rows expired",
  },
  ledger_earlier_run: {
    perScale: 2,
    shows:
      "M1 generated by an earlier run of the job (reason names DEPLOYMENT_EARLIER_RUN_ID) and M5 from that run since paid: no gap rows; undo of that run deletes the M1 row only",
  },
  no_identity: { perScale: 2, shows: "a lead without a person: never in the gap view" },
  no_driver: { perScale: 2, shows: "a person without a driver: never in the gap view" },
} as const;

export type DeploymentMode = keyof typeof DEPLOYMENT_MODES;

/** Leads planted per mode at a scale (a re-upload counts once). */
export function deploymentPlantedCount(mode: DeploymentMode, scale: number): number {
  return Math.max(1, Math.round(DEPLOYMENT_MODES[mode].perScale * scale));
}
