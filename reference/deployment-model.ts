/**
 * An independent model of the deployment profile, in plain TypeScript loops and maps: from a
 * `DeploymentDataset` it computes what each view of `sql/deployment/` must hold, written from the facts of
 * docs/deployment-profile.md (not translated from the SQL), so that the differential test compares two implementations.
 *
 * Times: "snapshot" is the data the materialized views were last refreshed on (the main load); "now" adds
 * the late trips, payments and ledger versions loaded after it.
 */
import { dayOf, isoOf } from "./days.js";
import type { DeploymentDataset, LedgerRow, RawPaymentRow, TripRow } from "./deployment-dataset.js";
import type { DeploymentState } from "./deployment-schema.js";
import { parseDateFile } from "./model.js";

export const DEPLOYMENT_MILESTONES = [1, 5, 25] as const;
const AMOUNT: Readonly<Record<number, string>> = { 1: "25.00", 5: "35.00", 25: "100.00" };
const EXISTING_CLAIM = new Set(["expected", "generated", "paid"]);

export interface DeploymentCalcRow {
  person_key: string;
  driver_id: string;
  origin_tag: string;
  rule_id: number;
  rule_scope: "partner" | "scout";
  window_days: number;
  milestone_trips: number;
  amount: string;
  lead_date: string;
  milestone_achieved: boolean;
  achieved_date: string | null;
}

export interface DeploymentAchievedRow {
  driver_id: string;
  milestone_value: number;
  achieved_flag: boolean;
  achieved_date: string | null;
}

export interface DeploymentClaimRow {
  driver_id: string;
  milestone_value: number;
  lead_date: string;
  achieved_date: string;
  due_date: string;
  expected_amount: string;
  paid_flag: boolean;
  payment_status: string;
}

export interface DeploymentGapRow {
  lead_id: number;
  lead_source_pk: string;
  lead_date: string;
  week_start: string;
  person_key: string;
  driver_id: string;
  window_end_14d: string;
  milestone_value: number;
  trips_14d: number;
  milestone_achieved: boolean;
  claim_expected: boolean;
  claim_exists: boolean;
  claim_status: "CLAIM_NOT_GENERATED";
  gap_reason: "CLAIM_NOT_GENERATED";
  gap_detail: string;
  expected_amount: string;
}

/** The claims view at each moment, per state. */
export interface ClaimsByMoment {
  /** As the MVs were refreshed at the snapshot: what the downstream copy (and collection MV) hold. */
  snapshot: DeploymentClaimRow[];
  /** Now, before any refresh: the job's first look. */
  now: DeploymentClaimRow[];
  /** Now, after refreshing the MVs beneath the claims view (the job's upstream plan). */
  refreshed: DeploymentClaimRow[];
}

export interface DeploymentModel {
  conversion: Array<{ person_key: string; origin_tag: string; lead_date: string }>;
  paymentCalculation: DeploymentCalcRow[];
  achieved: DeploymentAchievedRow[];
  gap: DeploymentGapRow[];
  claims: Record<DeploymentState, ClaimsByMoment>;
  /**
   * Drivers for whom a materialized view beneath the claims view holds other rows now than at its last
   * refresh (live: the payments chain, as the enriched MV gives it per driver; drift: that and the
   * receivable MV): the drivers a refresh can change (docs/contract.md §10.3).
   */
  staleDrivers: Record<DeploymentState, ReadonlySet<string>>;
  /** Trips in [lead_date, lead_date + 14) of a driver as the JOB counts them (both date formats). */
  jobTripsInWindow(driverId: string, leadDate: string): number;
  /** summary_daily rows of a driver written YYYY-MM-DD, with their day. */
  isoTripRows(driverId: string): Array<{ index: number; day: number }>;
}

/** The deployed parse: only text matching ^\d{2}-\d{2}-\d{4}$, and to_date raises on an impossible day. */
function deployedDay(dateFile: string): number | null {
  if (!/^\d{2}-\d{2}-\d{4}$/.test(dateFile)) return null;
  const parsed = parseDateFile(dateFile);
  if (parsed === null) throw new Error(`date/time field value out of range: "${dateFile}"`);
  return parsed.day;
}

/** Per driver: the deployed views' trip days (DD-MM-YYYY rows), as (day, trips) in row order. */
function deployedTrips(rows: readonly TripRow[]): Map<string, Array<{ day: number; n: number }>> {
  const out = new Map<string, Array<{ day: number; n: number }>>();
  for (const t of rows) {
    const day = deployedDay(t.date_file);
    if (day === null) continue;
    const list = out.get(t.driver_id) ?? [];
    if (list.length === 0) out.set(t.driver_id, list);
    list.push({ day, n: t.count_orders_completed });
  }
  return out;
}

function currentDrivers(ds: DeploymentDataset): Map<string, string> {
  const best = new Map<string, { at: string; driver: string }>();
  for (const l of ds.person_driver) {
    const seen = best.get(l.person_key);
    if (!seen || l.linked_at > seen.at || (l.linked_at === seen.at && l.driver_id > seen.driver))
      best.set(l.person_key, { at: l.linked_at, driver: l.driver_id });
  }
  return new Map([...best].map(([p, v]) => [p, v.driver]));
}

function conversionMetrics(ds: DeploymentDataset): Map<string, Map<string, number>> {
  const byPerson = new Map<string, Map<string, number>>();
  for (const e of ds.lead_events) {
    const origins = byPerson.get(e.person_key) ?? new Map<string, number>();
    byPerson.set(e.person_key, origins);
    const day = dayOf(e.event_date);
    const seen = origins.get(e.origin_tag);
    if (seen === undefined || day < seen) origins.set(e.origin_tag, day);
  }
  return byPerson;
}

function paymentCalculation(
  ds: DeploymentDataset,
  trips: Map<string, Array<{ day: number; n: number }>>,
): DeploymentCalcRow[] {
  const rules = [
    ...ds.partner_rules.map((r) => ({ ...r, scope: "partner" as const })),
    ...ds.scout_rules.map((r) => ({ ...r, scope: "scout" as const })),
  ].filter((r) => r.is_active);
  const conversion = conversionMetrics(ds);
  const out: DeploymentCalcRow[] = [];
  for (const [person, driver] of currentDrivers(ds)) {
    for (const [origin, lead] of conversion.get(person) ?? []) {
      const covering = rules.filter(
        (r) =>
          r.origin_tag === origin &&
          (r.valid_from === null || lead >= dayOf(r.valid_from)) &&
          (r.valid_to === null || lead <= dayOf(r.valid_to)),
      );
      // Each trip day counts once for every covering rule whose window holds it (the running total is
      // not split by rule): the deployed bug.
      const days = (trips.get(driver) ?? []).filter((t) => t.n > 0);
      const weight = (day: number) =>
        covering.filter((r) => day >= lead && day < lead + r.window_days).length;
      const running = new Map<number, number>();
      const sortedDays = [...new Set(days.map((t) => t.day))].sort((a, b) => a - b);
      let total = 0;
      for (const day of sortedDays) {
        for (const t of days) if (t.day === day) total += t.n * weight(day);
        running.set(day, total);
      }
      for (const r of covering) {
        let achieved: number | null = null;
        for (const day of sortedDays) {
          if (day < lead || day >= lead + r.window_days) continue;
          if ((running.get(day) ?? 0) >= r.milestone_trips) {
            achieved = day;
            break;
          }
        }
        out.push({
          person_key: person,
          driver_id: driver,
          origin_tag: origin,
          rule_id: r.id,
          rule_scope: r.scope,
          window_days: r.window_days,
          milestone_trips: r.milestone_trips,
          amount: r.amount,
          lead_date: isoOf(lead),
          milestone_achieved: achieved !== null,
          achieved_date: achieved === null ? null : isoOf(achieved),
        });
      }
    }
  }
  return out;
}

const isMilestone = (m: number) => (DEPLOYMENT_MILESTONES as readonly number[]).includes(m);

function achievedView(calc: DeploymentCalcRow[]): DeploymentAchievedRow[] {
  const byKey = new Map<string, DeploymentAchievedRow>();
  for (const p of calc) {
    if (p.origin_tag !== "cabinet" || !isMilestone(p.milestone_trips)) continue;
    const key = `${p.driver_id}|${p.milestone_trips}`;
    const row = byKey.get(key) ?? {
      driver_id: p.driver_id,
      milestone_value: p.milestone_trips,
      achieved_flag: false,
      achieved_date: null,
    };
    if (p.milestone_achieved) {
      row.achieved_flag = true;
      if (row.achieved_date === null || (p.achieved_date as string) < row.achieved_date)
        row.achieved_date = p.achieved_date;
    }
    byKey.set(key, row);
  }
  return [...byKey.values()];
}

/** Latest status per (driver, milestone) of the enriched payments MV built from these rows. */
function paymentStatus(
  ds: DeploymentDataset,
  payments: readonly RawPaymentRow[],
  ledger: readonly LedgerRow[],
): Map<string, string> {
  const key = (name: string) => name.replace(/^ +| +$/g, "").toLowerCase();
  const driversByName = new Map<string, string[]>();
  for (const d of ds.drivers) {
    const k = key(d.full_name);
    const list = driversByName.get(k);
    if (list) list.push(d.driver_id);
    else driversByName.set(k, [d.driver_id]);
  }
  const latest = new Map<number, LedgerRow>();
  for (const l of ledger) {
    const seen = latest.get(l.payment_id);
    if (!seen || l.version > seen.version) latest.set(l.payment_id, l);
  }
  const best = new Map<string, { at: string; id: number; status: string }>();
  for (const p of payments) {
    const l = latest.get(p.id);
    if (!l) continue;
    for (const driver of driversByName.get(key(p.driver_name)) ?? []) {
      const k = `${driver}|${p.milestone}`;
      const seen = best.get(k);
      if (!seen || l.recorded_at > seen.at || (l.recorded_at === seen.at && p.id > seen.id))
        best.set(k, { at: l.recorded_at, id: p.id, status: l.status });
    }
  }
  return new Map([...best].map(([k, v]) => [k, v.status]));
}

/** Per driver, the rows of the enriched payments MV built from these rows (as comparable strings). */
function enrichedRows(
  ds: DeploymentDataset,
  payments: readonly RawPaymentRow[],
  ledger: readonly LedgerRow[],
): Map<string, string[]> {
  const key = (name: string) => name.replace(/^ +| +$/g, "").toLowerCase();
  const driversByName = new Map<string, string[]>();
  for (const d of ds.drivers)
    driversByName.set(key(d.full_name), [...(driversByName.get(key(d.full_name)) ?? []), d.driver_id]);
  const latest = new Map<number, LedgerRow>();
  for (const l of ledger) {
    const seen = latest.get(l.payment_id);
    if (!seen || l.version > seen.version) latest.set(l.payment_id, l);
  }
  const out = new Map<string, string[]>();
  for (const p of payments) {
    const l = latest.get(p.id);
    if (!l) continue;
    for (const driver of driversByName.get(key(p.driver_name)) ?? []) {
      out.set(driver, [
        ...(out.get(driver) ?? []),
        `${p.id}|${p.milestone}|${p.amount}|${l.status}|${l.recorded_at}`,
      ]);
    }
  }
  return out;
}

/** Drivers whose rows differ between two per-driver groupings of a view's rows. */
function differingDrivers(a: Map<string, string[]>, b: Map<string, string[]>): Set<string> {
  const out = new Set<string>();
  for (const driver of new Set([...a.keys(), ...b.keys()])) {
    const x = [...(a.get(driver) ?? [])].sort().join("\n");
    const y = [...(b.get(driver) ?? [])].sort().join("\n");
    if (x !== y) out.add(driver);
  }
  return out;
}

/** Per driver, the rows of the receivable MV (paying partner achievements) from these calculation rows. */
function receivableRows(calc: DeploymentCalcRow[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of partnerAchieved(calc, true)) {
    const row = `${p.person_key}|${p.rule_id}|${p.milestone_trips}|${p.lead_date}|${p.achieved_date}|${p.amount}`;
    out.set(p.driver_id, [...(out.get(p.driver_id) ?? []), row]);
  }
  return out;
}

/**
 * The claims view's rule, on partner achievements: per (driver, milestone), the latest lead date whose
 * achievement falls in [lead_date, lead_date + 14] (day 14 included), earliest achieved date among equals.
 */
function claimsView(
  partnerAchieved: readonly DeploymentCalcRow[],
  status: Map<string, string>,
): DeploymentClaimRow[] {
  const best = new Map<string, DeploymentCalcRow>();
  for (const p of partnerAchieved) {
    const lead = dayOf(p.lead_date);
    const at = dayOf(p.achieved_date as string);
    if (at < lead || at > lead + 14) continue;
    const key = `${p.driver_id}|${p.milestone_trips}`;
    const seen = best.get(key);
    if (
      !seen ||
      p.lead_date > seen.lead_date ||
      (p.lead_date === seen.lead_date && (p.achieved_date as string) < (seen.achieved_date as string))
    )
      best.set(key, p);
  }
  return [...best.values()].map((p) => {
    const s = status.get(`${p.driver_id}|${p.milestone_trips}`) ?? null;
    return {
      driver_id: p.driver_id,
      milestone_value: p.milestone_trips,
      lead_date: p.lead_date,
      achieved_date: p.achieved_date as string,
      due_date: isoOf(dayOf(p.lead_date) + 14),
      expected_amount: AMOUNT[p.milestone_trips] as string,
      paid_flag: s === "paid",
      payment_status: s ?? "not_paid",
    };
  });
}

const partnerAchieved = (calc: DeploymentCalcRow[], payingOnly: boolean) =>
  calc.filter(
    (p) =>
      p.origin_tag === "cabinet" &&
      p.rule_scope === "partner" &&
      isMilestone(p.milestone_trips) &&
      p.milestone_achieved &&
      (!payingOnly || Number(p.amount) > 0),
  );

function gapView(
  ds: DeploymentDataset,
  trips: Map<string, Array<{ day: number; n: number }>>,
): DeploymentGapRow[] {
  const personOf = new Map(ds.lead_person.map((l) => [l.lead_source_pk, l.person_key]));
  const current = currentDrivers(ds);
  const claimed = new Set(
    ds.claims
      .filter((c) => EXISTING_CLAIM.has(c.status))
      .map((c) => `${c.person_key}|${c.lead_date}|${c.milestone}`),
  );
  const rows: DeploymentGapRow[] = [];
  for (const lead of ds.leads) {
    if (lead.lead_created_at === null) continue;
    const sourcePk = lead.external_id ?? String(lead.id);
    const person = personOf.get(sourcePk);
    const driver = person === undefined ? undefined : current.get(person);
    if (person === undefined || driver === undefined) continue;
    const day = dayOf(lead.lead_created_at.slice(0, 10));
    const leadDate = isoOf(day);
    let trips14 = 0;
    for (const t of trips.get(driver) ?? []) if (t.day >= day && t.day < day + 14) trips14 += t.n;
    const monday = day - ((((day + 3) % 7) + 7) % 7);
    for (const m of DEPLOYMENT_MILESTONES) {
      if (trips14 < m || claimed.has(`${person}|${leadDate}|${m}`)) continue;
      rows.push({
        lead_id: lead.id,
        lead_source_pk: sourcePk,
        lead_date: leadDate,
        week_start: isoOf(monday),
        person_key: person,
        driver_id: driver,
        window_end_14d: isoOf(day + 14),
        milestone_value: m,
        trips_14d: trips14,
        milestone_achieved: true,
        claim_expected: true,
        claim_exists: false,
        claim_status: "CLAIM_NOT_GENERATED",
        gap_reason: "CLAIM_NOT_GENERATED",
        gap_detail: `trips_14d=${trips14} >= ${m}, no claim in canon.claims_yango_cabinet_14d for lead_date ${leadDate}`,
        expected_amount: AMOUNT[m] as string,
      });
    }
  }
  return rows;
}

/** Everything the model knows about a dataset, computed once. */
export function buildDeploymentModel(ds: DeploymentDataset): DeploymentModel {
  const snapshotTrips = deployedTrips(ds.summary_daily);
  const nowTrips = deployedTrips([...ds.summary_daily, ...ds.late_summary_daily]);
  const calcNow = paymentCalculation(ds, nowTrips);
  const calcSnapshot = paymentCalculation(ds, snapshotTrips);
  const paidSnapshot = paymentStatus(ds, ds.payments, ds.ledger);
  const paidNow = paymentStatus(ds, [...ds.payments, ...ds.late_payments], [...ds.ledger, ...ds.late_ledger]);

  // What the job counts: both formats, impossible days skipped.
  const jobTrips = new Map<string, Array<{ day: number; n: number; iso: boolean; index: number }>>();
  [...ds.summary_daily, ...ds.late_summary_daily].forEach((t, index) => {
    const parsed = parseDateFile(t.date_file);
    if (parsed === null) return;
    const list = jobTrips.get(t.driver_id) ?? [];
    if (list.length === 0) jobTrips.set(t.driver_id, list);
    list.push({ day: parsed.day, n: t.count_orders_completed, iso: !parsed.dmy, index });
  });
  const conversion = [...conversionMetrics(ds)].flatMap(([person_key, origins]) =>
    [...origins].map(([origin_tag, day]) => ({ person_key, origin_tag, lead_date: isoOf(day) })),
  );
  return {
    conversion,
    paymentCalculation: calcNow,
    achieved: achievedView(calcNow),
    gap: gapView(ds, nowTrips),
    claims: {
      // live: the calculation is live; only the payments MVs (paid_flag) are materialized beneath it.
      live: {
        snapshot: claimsView(partnerAchieved(calcSnapshot, false), paidSnapshot),
        now: claimsView(partnerAchieved(calcNow, false), paidSnapshot),
        refreshed: claimsView(partnerAchieved(calcNow, false), paidNow),
      },
      // drift: the receivable MV (paying partner rules) as of its last refresh.
      drift: {
        snapshot: claimsView(partnerAchieved(calcSnapshot, true), paidSnapshot),
        now: claimsView(partnerAchieved(calcSnapshot, true), paidSnapshot),
        refreshed: claimsView(partnerAchieved(calcNow, true), paidNow),
      },
    },
    staleDrivers: (() => {
      const payments = differingDrivers(
        enrichedRows(ds, ds.payments, ds.ledger),
        enrichedRows(ds, [...ds.payments, ...ds.late_payments], [...ds.ledger, ...ds.late_ledger]),
      );
      const receivable = differingDrivers(receivableRows(calcSnapshot), receivableRows(calcNow));
      return { live: payments, drift: new Set([...payments, ...receivable]) };
    })(),
    jobTripsInWindow(driverId, leadDate) {
      const lead = dayOf(leadDate);
      let sum = 0;
      for (const t of jobTrips.get(driverId) ?? []) if (t.day >= lead && t.day < lead + 14) sum += t.n;
      return sum;
    },
    isoTripRows(driverId) {
      return (jobTrips.get(driverId) ?? []).filter((t) => t.iso).map((t) => ({ index: t.index, day: t.day }));
    },
  };
}
