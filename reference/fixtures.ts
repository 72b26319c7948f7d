/**
 * Tiny hand-made datasets for tests: one cabinet lead, its person and driver, open partner and scout rules,
 * and trips placed by day offset from the lead day. Load with `loadDataset` like a generated one.
 */
import { type Dataset, emptyDataset, type PaymentRuleRow } from "./dataset.js";
import { dayOf, dmyOf, isoOf } from "./days.js";

/** [day offset from the lead day, completed trips, optional literal date_file (e.g. '31-02-2025')]. */
export type TripSpec = readonly [offset: number, trips: number, dateFile?: string];

export interface SingleLeadOptions {
  asOf: string;
  /** Lead day relative to asOf (e.g. -20). */
  leadOffset: number;
  /** Trips loaded before the claims MV snapshot. */
  trips?: readonly TripSpec[];
  /** Trips that arrive after the snapshot (the claims MVs do not see them until refreshed). */
  lateTrips?: readonly TripSpec[];
  driverId?: string;
  sourcePk?: string;
}

/** Open (always valid) cabinet rules: partner M1/M5/M25 in 14 days, scout M1/M5 in 7 days. */
export function openRules(): PaymentRuleRow[] {
  const rule = (id: number, scope: "partner" | "scout", window: number, m: number, amount: string) => ({
    id,
    name: `${scope} M${m}`,
    origin_tag: "cabinet" as const,
    rule_scope: scope,
    window_days: window,
    milestone_trips: m,
    amount,
    valid_from: null,
    valid_to: null,
    is_active: true,
  });
  return [
    rule(1, "partner", 14, 1, "25.00"),
    rule(2, "partner", 14, 5, "35.00"),
    rule(3, "partner", 14, 25, "100.00"),
    rule(4, "scout", 7, 1, "10.00"),
    rule(5, "scout", 7, 5, "20.00"),
  ];
}

export function singleLeadDataset(opts: SingleLeadOptions): Dataset {
  const ds = emptyDataset(opts.asOf);
  const lead = dayOf(opts.asOf) + opts.leadOffset;
  const driver = opts.driverId ?? "driver-1";
  const pk = opts.sourcePk ?? "CAB-1";
  ds.payment_rules = openRules();
  ds.drivers.push({ driver_id: driver, full_name: "Test Driver", hired_at: isoOf(lead), status: "active" });
  ds.leads.push({ id: 1, external_id: pk, lead_created_at: `${isoOf(lead)} 10:00:00` });
  ds.lead_person.push({ lead_source_pk: pk, person_key: "person-1", linked_at: `${isoOf(lead)} 10:05:00` });
  ds.person_driver.push({ person_key: "person-1", driver_id: driver, linked_at: `${isoOf(lead)} 12:00:00` });
  ds.lead_events.push({
    id: 1,
    person_key: "person-1",
    origin_tag: "cabinet",
    event_type: "cabinet_lead",
    event_at: `${isoOf(lead)} 10:00:00`,
    source_pk: pk,
  });
  const row = ([offset, n, text]: TripSpec) => ({
    driver_id: driver,
    date_file: text ?? dmyOf(lead + offset),
    count_orders_completed: n,
  });
  ds.summary_daily = (opts.trips ?? []).map(row);
  ds.late_summary_daily = (opts.lateTrips ?? []).map(row);
  return ds;
}
