/**
 * An independent model of the reference schema, in plain TypeScript loops and maps: from a `Dataset` it
 * computes what the payment calculation, the canonical achieved view, the claims view (before and after
 * the claims MVs are refreshed) and the gap view must contain, and what the reconcile job must decide for
 * every gap row (docs/contract.md §4). It is written from the rules in docs/domain.md and sql/reference/README.md,
 * not translated from the SQL, so that the differential test compares two implementations.
 */
import type { Dataset, TripRow } from "./dataset.js";
import { dayOf, isoOf } from "./days.js";

export const MILESTONES = [1, 5, 25] as const;
/** Milestone amounts (PEN) as the gap view's numeric(12,2) renders them. */
export const MILESTONE_AMOUNTS: Readonly<Record<number, string>> = { 1: "25.00", 5: "35.00", 25: "100.00" };
export const WINDOW_DAYS = 14;
export const DEFAULT_DAYS_BACK = 21;

export type Verdict = "INVALID" | "ALREADY_EXISTS" | "RESOLVED" | "STILL_MISSING" | "WOULD_REFRESH";
export type InvalidReason = "NO_DRIVER" | "NO_LEAD_DATE" | "NOT_ACHIEVED" | "ACHIEVED_OUTSIDE_WINDOW";
export type Diagnosis =
  | "CLAIM_ON_OTHER_LEAD_DATE"
  | "NO_PAYMENT_CALCULATION"
  | "PAYMENT_CALCULATION_NOT_ACHIEVED"
  | "TRIPS_OUTSIDE_WINDOW"
  | "CLAIMS_VIEW_MISSING";

export interface PaymentCalcRow {
  person_key: string;
  driver_id: string | null;
  origin_tag: string;
  rule_id: number;
  rule_scope: string;
  window_days: number;
  milestone_trips: number;
  amount: string;
  lead_date: string;
  trips_counted: number;
  milestone_achieved: boolean;
  achieved_date: string | null;
}

export interface AchievedRow {
  driver_id: string;
  milestone_value: number;
  achieved_flag: boolean;
  achieved_date: string | null;
}

export interface ClaimRow {
  driver_id: string;
  milestone_value: number;
  lead_date: string;
  achieved_date: string;
  due_date: string;
  expected_amount: string;
  paid_flag: boolean;
  payment_status: "paid" | "not_paid";
}

export interface GapViewRow {
  lead_id: number;
  lead_source_pk: string;
  lead_date: string;
  week_start: string;
  person_key: string | null;
  driver_id: string | null;
  milestone_value: number;
  trips_14d: number | null;
  milestone_achieved: boolean;
  claim_expected: boolean;
  claim_exists: boolean;
  claim_status: "OK" | "MISSING" | "NOT_EXPECTED";
  gap_reason: "NO_IDENTITY" | "NO_DRIVER" | "INSUFFICIENT_TRIPS" | "CLAIM_NOT_GENERATED" | null;
  gap_detail: string | null;
  expected_amount: string;
}

interface TripDay {
  day: number;
  n: number;
  /** In the deployed 'DD-MM-YYYY' format (the payment calculation counts only these). */
  dmy: boolean;
}

/**
 * `summary_daily.date_file` as a day number: 'DD-MM-YYYY' or 'YYYY-MM-DD' naming a real calendar day; null
 * for anything else (impossible dates such as '31-02-2025' included).
 */
export function parseDateFile(text: string): { day: number; dmy: boolean } | null {
  let y: number;
  let m: number;
  let d: number;
  let dmy: boolean;
  if (/^[0-9]{2}-[0-9]{2}-[0-9]{4}$/.test(text)) {
    [d, m, y, dmy] = [Number(text.slice(0, 2)), Number(text.slice(3, 5)), Number(text.slice(6, 10)), true];
  } else if (/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(text)) {
    [y, m, d, dmy] = [Number(text.slice(0, 4)), Number(text.slice(5, 7)), Number(text.slice(8, 10)), false];
  } else {
    return null;
  }
  if (y < 1 || m < 1 || m > 12 || d < 1) return null;
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return { day: Math.round(date.getTime() / 86_400_000), dmy };
}

function indexTrips(...sources: TripRow[][]): Map<string, TripDay[]> {
  const byDriver = new Map<string, TripDay[]>();
  for (const rows of sources) {
    for (const t of rows) {
      const parsed = parseDateFile(t.date_file);
      if (parsed === null) continue;
      let list = byDriver.get(t.driver_id);
      if (!list) {
        list = [];
        byDriver.set(t.driver_id, list);
      }
      list.push({ day: parsed.day, n: t.count_orders_completed, dmy: parsed.dmy });
    }
  }
  for (const list of byDriver.values()) list.sort((a, b) => a.day - b.day);
  return byDriver;
}

const dateOf = (timestamp: string) => dayOf(timestamp.slice(0, 10));

/** The most recent driver link of each person (latest linked_at, then the greatest driver_id). */
function currentDrivers(ds: Dataset): Map<string, string> {
  const best = new Map<string, { linked_at: string; driver_id: string }>();
  for (const link of ds.person_driver) {
    const seen = best.get(link.person_key);
    const newer =
      !seen ||
      link.linked_at > seen.linked_at ||
      (link.linked_at === seen.linked_at && link.driver_id > seen.driver_id);
    if (newer) best.set(link.person_key, { linked_at: link.linked_at, driver_id: link.driver_id });
  }
  return new Map([...best].map(([person, v]) => [person, v.driver_id]));
}

function paymentCalculation(ds: Dataset, trips: Map<string, TripDay[]>): PaymentCalcRow[] {
  // The earliest lead event per person and origin is the lead date the calculation uses.
  const firstEvent = new Map<string, { person_key: string; origin_tag: string; day: number }>();
  for (const e of ds.lead_events) {
    const key = `${e.person_key}\u0000${e.origin_tag}`;
    const day = dateOf(e.event_at);
    const seen = firstEvent.get(key);
    if (!seen || day < seen.day)
      firstEvent.set(key, { person_key: e.person_key, origin_tag: e.origin_tag, day });
  }
  const current = currentDrivers(ds);
  const active = ds.payment_rules.filter((r) => r.is_active);
  const out: PaymentCalcRow[] = [];
  for (const { person_key, origin_tag, day: lead } of firstEvent.values()) {
    const covering = active.filter(
      (r) =>
        r.origin_tag === origin_tag &&
        (r.valid_from === null || dayOf(r.valid_from) <= lead) &&
        (r.valid_to === null || lead <= dayOf(r.valid_to)),
    );
    const driver = current.get(person_key) ?? null;
    const dmyTrips = driver === null ? [] : (trips.get(driver) ?? []).filter((t) => t.dmy);
    for (const rule of covering) {
      // The deployed bug: the running total is not split by rule, so a trip day counts once for every
      // covering rule of the same scope and milestone whose window holds it.
      const sameGroup = covering.filter(
        (g) => g.rule_scope === rule.rule_scope && g.milestone_trips === rule.milestone_trips,
      );
      const perDay = new Map<number, number>();
      for (const g of sameGroup) {
        for (const t of dmyTrips) {
          if (t.day >= lead && t.day < lead + g.window_days)
            perDay.set(t.day, (perDay.get(t.day) ?? 0) + t.n);
        }
      }
      const end = lead + rule.window_days;
      let running = 0;
      let counted: number | null = null;
      let achieved: number | null = null;
      for (const day of [...perDay.keys()].sort((a, b) => a - b)) {
        running += perDay.get(day) ?? 0;
        if (day >= end) continue;
        counted = running;
        if (achieved === null && running >= rule.milestone_trips) achieved = day;
      }
      out.push({
        person_key,
        driver_id: driver,
        origin_tag,
        rule_id: rule.id,
        rule_scope: rule.rule_scope,
        window_days: rule.window_days,
        milestone_trips: rule.milestone_trips,
        amount: rule.amount,
        lead_date: isoOf(lead),
        trips_counted: counted ?? 0,
        milestone_achieved: achieved !== null,
        achieved_date: achieved === null ? null : isoOf(achieved),
      });
    }
  }
  return out;
}

const isMilestone = (m: number) => (MILESTONES as readonly number[]).includes(m);

function achievedView(calc: PaymentCalcRow[]): AchievedRow[] {
  const byKey = new Map<string, AchievedRow>();
  for (const p of calc) {
    if (p.origin_tag !== "cabinet" || p.driver_id === null || !isMilestone(p.milestone_trips)) continue;
    const key = `${p.driver_id}\u0000${p.milestone_trips}`;
    const row = byKey.get(key) ?? {
      driver_id: p.driver_id,
      milestone_value: p.milestone_trips,
      achieved_flag: false,
      achieved_date: null,
    };
    if (p.milestone_achieved) {
      row.achieved_flag = true;
      if (p.achieved_date !== null && (row.achieved_date === null || p.achieved_date < row.achieved_date)) {
        row.achieved_date = p.achieved_date;
      }
    }
    byKey.set(key, row);
  }
  return [...byKey.values()];
}

/**
 * Per driver, the rows of the lower claims MV (`mv_cabinet_claims_base`) as comparable strings, from `trips`:
 * what the job's staleness check compares (docs/contract.md §10.3), its recount and rule count included.
 */
function claimsBaseRows(ds: Dataset, trips: Map<string, TripDay[]>): Map<string, string[]> {
  const groups = new Map<string, { achieved: string | null; amount: number; rows: number }>();
  for (const p of paymentCalculation(ds, trips)) {
    if (p.origin_tag !== "cabinet" || p.rule_scope !== "partner" || !p.milestone_achieved) continue;
    if (p.driver_id === null || !isMilestone(p.milestone_trips)) continue;
    const lead = dayOf(p.lead_date);
    let recount = 0;
    for (const t of trips.get(p.driver_id) ?? []) {
      if (t.dmy && t.day > lead && t.day < lead + WINDOW_DAYS) recount += t.n;
    }
    if (recount < p.milestone_trips) continue;
    const key = `${p.driver_id}\u0000${p.milestone_trips}\u0000${p.lead_date}\u0000${recount}`;
    const seen = groups.get(key) ?? { achieved: null, amount: Number.NEGATIVE_INFINITY, rows: 0 };
    if (p.achieved_date !== null && (seen.achieved === null || p.achieved_date < seen.achieved))
      seen.achieved = p.achieved_date;
    seen.amount = Math.max(seen.amount, Number(p.amount));
    seen.rows++;
    groups.set(key, seen);
  }
  const out = new Map<string, string[]>();
  for (const [key, g] of groups) {
    const driver = key.slice(0, key.indexOf("\u0000"));
    out.set(driver, [...(out.get(driver) ?? []), `${key}|${g.achieved}|${g.amount}|${g.rows}`]);
  }
  return out;
}

/** Drivers whose rows differ between two per-driver groupings. */
function differingDrivers(a: Map<string, string[]>, b: Map<string, string[]>): Set<string> {
  const out = new Set<string>();
  for (const driver of new Set([...a.keys(), ...b.keys()])) {
    if ([...(a.get(driver) ?? [])].sort().join("\n") !== [...(b.get(driver) ?? [])].sort().join("\n"))
      out.add(driver);
  }
  return out;
}

const claimsByDriver = (claims: readonly ClaimRow[]) => {
  const out = new Map<string, string[]>();
  for (const c of claims) out.set(c.driver_id, [...(out.get(c.driver_id) ?? []), JSON.stringify(c)]);
  return out;
};

/**
 * The claims as the MV chain computes them from `trips`: cabinet partner calculation rows achieved, whose
 * trips recount over (lead_date, lead_date + 14), the lead day excluded (the modelled off-by-one), reaches
 * the milestone; then one claim per (driver, milestone) under its latest lead date, matched to payments.
 */
function claimsView(ds: Dataset, trips: Map<string, TripDay[]>): ClaimRow[] {
  const calc = paymentCalculation(ds, trips);
  const base = new Map<
    string,
    { driver_id: string; m: number; lead: string; achieved: string; amount: string }
  >();
  for (const p of calc) {
    if (p.origin_tag !== "cabinet" || p.rule_scope !== "partner" || !p.milestone_achieved) continue;
    if (p.driver_id === null || !isMilestone(p.milestone_trips) || p.achieved_date === null) continue;
    const lead = dayOf(p.lead_date);
    let recount = 0;
    for (const t of trips.get(p.driver_id) ?? []) {
      if (t.dmy && t.day > lead && t.day < lead + WINDOW_DAYS) recount += t.n;
    }
    if (recount < p.milestone_trips) continue;
    const key = `${p.driver_id}\u0000${p.milestone_trips}\u0000${p.lead_date}`;
    const seen = base.get(key);
    if (!seen) {
      base.set(key, {
        driver_id: p.driver_id,
        m: p.milestone_trips,
        lead: p.lead_date,
        achieved: p.achieved_date,
        amount: p.amount,
      });
    } else {
      if (p.achieved_date < seen.achieved) seen.achieved = p.achieved_date;
      if (Number(p.amount) > Number(seen.amount)) seen.amount = p.amount;
    }
  }
  const latest = new Map<
    string,
    { driver_id: string; m: number; lead: string; achieved: string; amount: string }
  >();
  for (const b of base.values()) {
    const key = `${b.driver_id}\u0000${b.m}`;
    const seen = latest.get(key);
    if (!seen || b.lead > seen.lead) latest.set(key, b);
  }
  const paid = new Set(
    ds.payments.map((p) => `${p.driver_id}\u0000${p.milestone_value}\u0000${p.lead_date}`),
  );
  return [...latest.values()].map((b) => {
    const isPaid = paid.has(`${b.driver_id}\u0000${b.m}\u0000${b.lead}`);
    return {
      driver_id: b.driver_id,
      milestone_value: b.m,
      lead_date: b.lead,
      achieved_date: b.achieved,
      due_date: isoOf(dayOf(b.lead) + WINDOW_DAYS),
      expected_amount: b.amount,
      paid_flag: isPaid,
      payment_status: isPaid ? "paid" : "not_paid",
    };
  });
}

function gapView(ds: Dataset, trips: Map<string, TripDay[]>, claims: ClaimRow[]): GapViewRow[] {
  // Canonical leads: the earliest upload (lead_created_at, then id) of each COALESCE(external_id, id).
  const canonical = new Map<string, { id: number; created: string }>();
  for (const lead of ds.leads) {
    if (lead.lead_created_at === null) continue;
    const key = lead.external_id ?? String(lead.id);
    const seen = canonical.get(key);
    const earlier =
      !seen ||
      lead.lead_created_at < seen.created ||
      (lead.lead_created_at === seen.created && lead.id < seen.id);
    if (earlier) canonical.set(key, { id: lead.id, created: lead.lead_created_at });
  }
  const personOf = new Map(ds.lead_person.map((l) => [l.lead_source_pk, l.person_key]));
  const current = currentDrivers(ds);
  const claimed = new Set(claims.map((c) => `${c.driver_id}\u0000${c.milestone_value}\u0000${c.lead_date}`));
  const rows: GapViewRow[] = [];
  for (const [sourcePk, lead] of canonical) {
    const leadDay = dateOf(lead.created);
    const leadDate = isoOf(leadDay);
    const person = personOf.get(sourcePk) ?? null;
    const driver = person === null ? null : (current.get(person) ?? null);
    let trips14: number | null = null;
    if (driver !== null) {
      trips14 = 0;
      for (const t of trips.get(driver) ?? []) {
        if (t.day >= leadDay && t.day < leadDay + WINDOW_DAYS) trips14 += t.n;
      }
    }
    const monday = leadDay - ((((leadDay + 3) % 7) + 7) % 7);
    for (const m of MILESTONES) {
      const reached = trips14 !== null && trips14 >= m;
      const exists = driver !== null && claimed.has(`${driver}\u0000${m}\u0000${leadDate}`);
      let reason: GapViewRow["gap_reason"] = null;
      let detail: string | null = null;
      if (person === null) {
        reason = "NO_IDENTITY";
        detail = `no person linked to lead ${sourcePk}`;
      } else if (driver === null) {
        reason = "NO_DRIVER";
        detail = `no driver linked to person ${person}`;
      } else if (!reached) {
        reason = "INSUFFICIENT_TRIPS";
        detail = `trips_14d=${trips14} < ${m}`;
      } else if (!exists) {
        reason = "CLAIM_NOT_GENERATED";
        detail = `trips_14d=${trips14} >= ${m}, no claim for lead_date ${leadDate}`;
      }
      rows.push({
        lead_id: lead.id,
        lead_source_pk: sourcePk,
        lead_date: leadDate,
        week_start: isoOf(monday),
        person_key: person,
        driver_id: driver,
        milestone_value: m,
        trips_14d: trips14,
        milestone_achieved: reached,
        claim_expected: reached,
        claim_exists: exists,
        claim_status: reached ? (exists ? "OK" : "MISSING") : "NOT_EXPECTED",
        gap_reason: reason,
        gap_detail: detail,
        expected_amount: MILESTONE_AMOUNTS[m] as string,
      });
    }
  }
  return rows;
}

/** Everything the model knows about a dataset, computed once. */
export interface Model {
  /** Live views (plain views over raw tables, every trip loaded). */
  paymentCalculation: PaymentCalcRow[];
  achieved: AchievedRow[];
  /** The claims view and the gap view with stale claims MVs (refreshed before the late trips arrived). */
  before: { claims: ClaimRow[]; gap: GapViewRow[] };
  /** The same after refreshing the claims MVs in dependency order. */
  after: { claims: ClaimRow[]; gap: GapViewRow[] };
  /**
   * Drivers for whom a claims MV holds other rows than its refresh would give (the lower MV, or the upper
   * one): the drivers a refresh can change, so the only ones a dry run says WOULD_REFRESH for (§10.3).
   */
  staleDrivers: ReadonlySet<string>;
  /** Trips in [lead_date, lead_date + 14) per driver and lead date, both date formats (what the job counts). */
  tripsInWindow(driverId: string, leadDate: string): number;
}

export function buildModel(ds: Dataset): Model {
  const all = indexTrips(ds.summary_daily, ds.late_summary_daily);
  const snapshot = indexTrips(ds.summary_daily);
  const paymentCalc = paymentCalculation(ds, all);
  const claimsBefore = claimsView(ds, snapshot);
  const claimsAfter = claimsView(ds, all);
  return {
    paymentCalculation: paymentCalc,
    achieved: achievedView(paymentCalc),
    before: { claims: claimsBefore, gap: gapView(ds, all, claimsBefore) },
    after: { claims: claimsAfter, gap: gapView(ds, all, claimsAfter) },
    staleDrivers: new Set([
      ...differingDrivers(claimsBaseRows(ds, snapshot), claimsBaseRows(ds, all)),
      ...differingDrivers(claimsByDriver(claimsBefore), claimsByDriver(claimsAfter)),
    ]),
    tripsInWindow(driverId, leadDate) {
      const lead = dayOf(leadDate);
      let sum = 0;
      for (const t of all.get(driverId) ?? []) if (t.day >= lead && t.day < lead + WINDOW_DAYS) sum += t.n;
      return sum;
    },
  };
}

export interface ExpectedDecision {
  /** Verdict of a `--dry-run` run on the data as generated (stale MVs, nothing refreshed). */
  dryRun: Verdict;
  /** Verdict of a normal run that refreshes the claims MVs in dependency order. */
  afterRefresh: Verdict;
  /** `invalid_reason` of the normal run (null unless afterRefresh is INVALID). */
  invalid_reason: InvalidReason | null;
  /** `invalid_reason` of the dry run (null unless dryRun is INVALID). */
  dry_run_invalid_reason: InvalidReason | null;
  /** Diagnosis of the normal run (null unless afterRefresh is STILL_MISSING). */
  diagnosis: Diagnosis | null;
  /** Diagnosis a dry run gives a WOULD_REFRESH or STILL_MISSING row: on the data as it is, stale claims included. */
  dry_run_diagnosis: Diagnosis | null;
}

export interface WindowRow {
  lead_source_pk: string;
  driver_id: string | null;
  lead_date: string;
  milestone_value: number;
  /** claim_status / gap_reason of the gap view as generated (before any refresh). */
  claim_status: string;
  gap_reason: string | null;
  /** claim_status after the claims MVs are refreshed. */
  claim_status_after_refresh: string;
  expected: ExpectedDecision;
  /** The planted failure mode of the row's lead, or 'normal'. */
  mode: string;
}

type Look =
  | { kind: "INVALID"; reason: InvalidReason }
  | { kind: "ALREADY_EXISTS" }
  | { kind: "SHOULD_EXIST" };

/**
 * The job's decision for every gap row with `lead_date >= asOf - daysBack`, per docs/contract.md §4, on this
 * model's views. The first look checks, in order: driver present, lead date present, the claim already in
 * the claims view, canonical achieved, canonical achieved date inside [lead_date, lead_date + 14).
 */
export function expectedDecisions(ds: Dataset, model: Model, daysBack = DEFAULT_DAYS_BACK): WindowRow[] {
  const from = dayOf(ds.asOf) - daysBack;
  const achieved = new Map(model.achieved.map((a) => [`${a.driver_id}\u0000${a.milestone_value}`, a]));
  const claimKeys = (claims: ClaimRow[]) => {
    const byDriverMilestone = new Map<string, string[]>();
    for (const c of claims) {
      const key = `${c.driver_id}\u0000${c.milestone_value}`;
      byDriverMilestone.set(key, [...(byDriverMilestone.get(key) ?? []), c.lead_date]);
    }
    return byDriverMilestone;
  };
  const before = claimKeys(model.before.claims);
  const after = claimKeys(model.after.claims);
  const partnerCalc = new Map<string, { rows: number; achieved: string | null }>();
  for (const p of model.paymentCalculation) {
    if (p.origin_tag !== "cabinet" || p.rule_scope !== "partner" || p.driver_id === null) continue;
    const key = `${p.driver_id}\u0000${p.milestone_trips}\u0000${p.lead_date}`;
    const seen = partnerCalc.get(key) ?? { rows: 0, achieved: null };
    seen.rows++;
    if (p.milestone_achieved && p.achieved_date !== null) {
      if (seen.achieved === null || p.achieved_date < seen.achieved) seen.achieved = p.achieved_date;
    }
    partnerCalc.set(key, seen);
  }
  const insideWindow = (lead: string, day: string) =>
    dayOf(day) >= dayOf(lead) && dayOf(day) < dayOf(lead) + WINDOW_DAYS;

  const look = (row: GapViewRow, claims: Map<string, string[]>): Look => {
    if (row.driver_id === null) return { kind: "INVALID", reason: "NO_DRIVER" };
    if (row.lead_date === null) return { kind: "INVALID", reason: "NO_LEAD_DATE" };
    const key = `${row.driver_id}\u0000${row.milestone_value}`;
    if ((claims.get(key) ?? []).includes(row.lead_date)) return { kind: "ALREADY_EXISTS" };
    const a = achieved.get(key);
    if (!a?.achieved_flag || a.achieved_date === null) return { kind: "INVALID", reason: "NOT_ACHIEVED" };
    if (!insideWindow(row.lead_date, a.achieved_date))
      return { kind: "INVALID", reason: "ACHIEVED_OUTSIDE_WINDOW" };
    return { kind: "SHOULD_EXIST" };
  };

  // The diagnosis on the claims as given: `after` for a real run, `before` for a dry run (data as it is).
  const diagnose = (row: GapViewRow & { driver_id: string }, claims = after): Diagnosis => {
    const others = (claims.get(`${row.driver_id}\u0000${row.milestone_value}`) ?? []).filter(
      (d) => d !== row.lead_date,
    );
    if (others.length > 0) return "CLAIM_ON_OTHER_LEAD_DATE";
    const calc = partnerCalc.get(`${row.driver_id}\u0000${row.milestone_value}\u0000${row.lead_date}`);
    if (!calc) return "NO_PAYMENT_CALCULATION";
    if (calc.achieved === null || !insideWindow(row.lead_date, calc.achieved)) {
      return "PAYMENT_CALCULATION_NOT_ACHIEVED";
    }
    if (model.tripsInWindow(row.driver_id, row.lead_date) < row.milestone_value)
      return "TRIPS_OUTSIDE_WINDOW";
    return "CLAIMS_VIEW_MISSING";
  };

  const afterStatus = new Map(
    model.after.gap.map((g) => [`${g.lead_source_pk}\u0000${g.milestone_value}`, g.claim_status]),
  );
  const out: WindowRow[] = [];
  for (const row of model.before.gap) {
    if (dayOf(row.lead_date) < from) continue;
    const first = look(row, before);
    const second = look(row, after);
    let afterRefresh: Verdict;
    let diagnosis: Diagnosis | null = null;
    if (second.kind === "INVALID") afterRefresh = "INVALID";
    else if (second.kind === "ALREADY_EXISTS") {
      afterRefresh = first.kind === "ALREADY_EXISTS" ? "ALREADY_EXISTS" : "RESOLVED";
    } else {
      afterRefresh = "STILL_MISSING";
      diagnosis = diagnose(row as GapViewRow & { driver_id: string });
    }
    out.push({
      lead_source_pk: row.lead_source_pk,
      driver_id: row.driver_id,
      lead_date: row.lead_date,
      milestone_value: row.milestone_value,
      claim_status: row.claim_status,
      gap_reason: row.gap_reason,
      claim_status_after_refresh: afterStatus.get(`${row.lead_source_pk}\u0000${row.milestone_value}`) ?? "",
      expected: {
        // WOULD_REFRESH only where a stale claims MV can change the row (§10.3); the others are final.
        dryRun:
          first.kind !== "SHOULD_EXIST"
            ? first.kind
            : model.staleDrivers.has(row.driver_id as string)
              ? "WOULD_REFRESH"
              : "STILL_MISSING",
        afterRefresh,
        invalid_reason: second.kind === "INVALID" ? second.reason : null,
        dry_run_invalid_reason: first.kind === "INVALID" ? first.reason : null,
        diagnosis,
        dry_run_diagnosis:
          first.kind === "SHOULD_EXIST" ? diagnose(row as GapViewRow & { driver_id: string }, before) : null,
      },
      mode: ds.modes[row.lead_source_pk] ?? "normal",
    });
  }
  // The job's order: lead_date DESC, driver_id, milestone_value (then the lead key, for duplicates).
  out.sort(
    (a, b) =>
      (a.lead_date < b.lead_date ? 1 : a.lead_date > b.lead_date ? -1 : 0) ||
      compareNullsLast(a.driver_id, b.driver_id) ||
      a.milestone_value - b.milestone_value ||
      (a.lead_source_pk < b.lead_source_pk ? -1 : a.lead_source_pk > b.lead_source_pk ? 1 : 0),
  );
  return out;
}

function compareNullsLast(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
