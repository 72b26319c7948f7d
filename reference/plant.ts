/**
 * The failure modes the generator plants inside the default job window, each with how many leads it
 * plants at scale 1 and the deployed bug it models. Counts scale linearly (at least one each).
 */
export const PLANTED_MODES = {
  stale_mv: {
    perScale: 6,
    models: "1 stale MVs: trips reaching a milestone arrived after the last claims MV refresh",
  },
  lead_date_mismatch: {
    perScale: 4,
    models: "4 an earlier scouting registration is the payment calculation's lead date; the claim sits there",
  },
  no_partner_rule: {
    perScale: 3,
    models:
      "5 no partner rule covers the lead date (v1 expired the day before v2 started); scout says achieved",
  },
  overlapping_partner_rules: {
    perScale: 4,
    models:
      "3+6 two active partner rules overlap; the running total counts each day twice; the claims recount drops it",
  },
  overlapping_scout_rules: {
    perScale: 3,
    models:
      "3 two active scout rules overlap: scout inflated says achieved, the partner calculation does not",
  },
  lead_day_trips: {
    perScale: 3,
    models:
      "claims MV recount starts the day after the lead: trips on day 0 are needed, the claim is dropped",
  },
  re_registered_in_window: {
    perScale: 2,
    models: "7 re-registered driver, both leads in the window: one claim, under the newer lead date",
  },
  re_registered_old: {
    perScale: 3,
    models: "7 re-registered driver whose first lead reached the milestones months ago",
  },
  no_identity: { perScale: 4, models: "9 lead without a person link" },
  no_driver: { perScale: 3, models: "9 person without a driver link" },
  iso_dates: {
    perScale: 3,
    models: "8 some trips dated 'YYYY-MM-DD': the gap view counts them, the payment calculation drops them",
  },
  impossible_date: {
    perScale: 2,
    models: "8 a row dated '31-02-YYYY' (and '30-02'): ignored everywhere, no query fails",
  },
  zero_trip_days: { perScale: 3, models: "days with 0 completed trips only" },
  boundary_day13: { perScale: 2, models: "window boundary: the milestone trip on day 13 counts" },
  boundary_day14: { perScale: 2, models: "window boundary: the milestone trip on day 14 does not count" },
  reupload_duplicate: { perScale: 2, models: "a re-uploaded lead (same external_id): one gap row set" },
  multi_driver_person: {
    perScale: 2,
    models: "a person with two driver links: only the most recent driver's trips count",
  },
  no_lead_date: { perScale: 2, models: "a lead without lead_created_at: excluded from every view" },
  fleet_migration: {
    perScale: 3,
    models: "fleet_migration arrivals: payment calculation rows, no cabinet lead",
  },
} as const;

export type PlantedMode = keyof typeof PLANTED_MODES;

/** Leads planted per mode at a scale. */
export function plantedCount(mode: PlantedMode, scale: number): number {
  return Math.max(1, Math.round(PLANTED_MODES[mode].perScale * scale));
}
