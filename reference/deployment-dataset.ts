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

export interface PhysicalClaimRow {
  id: number;
  person_key: string;
  lead_date: string;
  milestone: number;
  status: ClaimStatus;
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
      "the partner M1 rule covering the lead date pays 0: the drift receivable MV drops it (CLAIMS_VIEW_MISSING in drift; ALREADY_EXISTS live)",
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
  no_identity: { perScale: 2, shows: "a lead without a person: never in the gap view" },
  no_driver: { perScale: 2, shows: "a person without a driver: never in the gap view" },
} as const;

export type DeploymentMode = keyof typeof DEPLOYMENT_MODES;

/** Leads planted per mode at a scale (a re-upload counts once). */
export function deploymentPlantedCount(mode: DeploymentMode, scale: number): number {
  return Math.max(1, Math.round(DEPLOYMENT_MODES[mode].perScale * scale));
}
