/**
 * The reference data as plain arrays, one per raw table, with the database's column names. The generator
 * builds one, the loader COPYs it, the model computes from it what the views must contain. Tests can write a
 * tiny one by hand (see `emptyDataset`).
 */

export interface DriverRow {
  driver_id: string;
  full_name: string | null;
  hired_at: string | null;
  status: string;
}

export interface LeadRow {
  id: number;
  external_id: string | null;
  /** 'YYYY-MM-DD HH:MM:SS' (timestamp without time zone), or null (excluded everywhere). */
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

export interface LeadEventRow {
  id: number;
  person_key: string;
  origin_tag: string;
  event_type: string;
  event_at: string;
  source_pk: string | null;
}

export interface TripRow {
  driver_id: string;
  /** 'DD-MM-YYYY' as deployed; also 'YYYY-MM-DD', and impossible dates such as '31-02-2025'. */
  date_file: string;
  count_orders_completed: number;
}

export interface PaymentRuleRow {
  id: number;
  name: string;
  origin_tag: "cabinet" | "fleet_migration";
  rule_scope: "partner" | "scout";
  window_days: number;
  milestone_trips: number;
  /** Decimal string, e.g. "25.00". */
  amount: string;
  /** Inclusive 'YYYY-MM-DD', null = open. */
  valid_from: string | null;
  valid_to: string | null;
  is_active: boolean;
}

export interface PaymentRow {
  id: number;
  driver_id: string;
  milestone_value: number;
  lead_date: string;
  amount: string;
  paid_at: string;
}

export interface Dataset {
  /** The day the data is generated relative to ('YYYY-MM-DD'); trips exist up to the day before. */
  asOf: string;
  drivers: DriverRow[];
  leads: LeadRow[];
  lead_person: LeadPersonRow[];
  person_driver: PersonDriverRow[];
  lead_events: LeadEventRow[];
  /** Trips loaded before the claims MVs are refreshed (the "snapshot"). */
  summary_daily: TripRow[];
  /** Trips that arrive after the last claims MV refresh: the claims MVs are stale exactly for these. */
  late_summary_daily: TripRow[];
  payment_rules: PaymentRuleRow[];
  payments: PaymentRow[];
  /** Generator metadata, not loaded: the planted failure mode of a lead, by `lead_source_pk`. */
  modes: Record<string, string>;
}

/** Table name per dataset array, in load order. */
export const TABLES = {
  drivers: "public.drivers",
  leads: "public.module_ct_cabinet_leads",
  lead_person: "public.identity_lead_person",
  person_driver: "public.identity_person_driver",
  lead_events: "public.lead_events",
  summary_daily: "public.summary_daily",
  payment_rules: "public.payment_rules",
  payments: "public.cabinet_claim_payments",
} as const;

/** An empty dataset to fill by hand in tests. */
export function emptyDataset(asOf: string): Dataset {
  return {
    asOf,
    drivers: [],
    leads: [],
    lead_person: [],
    person_driver: [],
    lead_events: [],
    summary_daily: [],
    late_summary_daily: [],
    payment_rules: [],
    payments: [],
    modes: {},
  };
}

/** Rows per table of a dataset (late trips counted apart). */
export function rowCounts(ds: Dataset): Record<string, number> {
  return {
    drivers: ds.drivers.length,
    module_ct_cabinet_leads: ds.leads.length,
    identity_lead_person: ds.lead_person.length,
    identity_person_driver: ds.person_driver.length,
    lead_events: ds.lead_events.length,
    summary_daily: ds.summary_daily.length + ds.late_summary_daily.length,
    summary_daily_late: ds.late_summary_daily.length,
    payment_rules: ds.payment_rules.length,
    cabinet_claim_payments: ds.payments.length,
  };
}
