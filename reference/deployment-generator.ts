/**
 * Deterministic generator of the deployment profile's data (`sql/deployment/`), with every case of
 * docs/deployment-profile.md planted in known numbers inside the default 21-day job window.
 *
 *   buildDeploymentDataset({ seed, scale, asOf })        -> DeploymentDataset (nothing touches a database)
 *   loadDeploymentDataset(client, ds, { state })          -> loads it: claims view put in `state`, TRUNCATE +
 *                                                            COPY, every MV refreshed at the snapshot, then
 *                                                            the late trips and payments
 *   generateDeployment(client, { seed, scale, state })    -> both, plus the ground truth
 *                                                            (`deployment-truth.ts`)
 *   plantImpossibleTripDate(client)                       -> a '31-02-YYYY' trip row that makes every view
 *                                                            over trips raise (for error tests only)
 *
 * Scale 1 ≈ the deployment (~220k summary_daily rows, ~126k drivers, ~1.5k leads over 180 days, ~100 gap
 * rows in the 21-day window). CLI: `npx tsx reference/deployment-generator.ts --seed 1 --scale 1 [--as-of D]
 * [--json]` prints the ground truth (and loads it when DATABASE_URL is set, `--state live|drift`).
 */
import { fileURLToPath } from "node:url";
import pg from "pg";
import { dayOf, dmyOf, isoOf, isoWeekday, timestampOf } from "./days.js";
import {
  type ClaimStatus,
  DEPLOYMENT_EARLIER_RUN_ID,
  DEPLOYMENT_MODES,
  type DeploymentDataset,
  type DeploymentMode,
  type DeploymentRuleRow,
  deploymentPlantedCount,
  EXISTING_CLAIM_STATUSES,
  type LedgerRow,
  PHYSICAL_CLAIM_COLUMNS,
  type RawPaymentRow,
  recordedReason,
  type TripRow,
} from "./deployment-dataset.js";
import { DEPLOYMENT_MVS, type DeploymentState, setDeploymentState } from "./deployment-schema.js";
import { type DeploymentGroundTruth, deploymentGroundTruth } from "./deployment-truth.js";
import { copyRows, refreshMv } from "./load.js";
import { Rng } from "./random.js";

export interface DeploymentBuildOptions {
  seed: number;
  /** 1 ≈ the real deployment; tests use 0.02-0.1. */
  scale: number;
  /** 'YYYY-MM-DD': the job's as-of; trips exist up to the day before. */
  asOf: string;
  /** Days of lead history before asOf (default 180). */
  historyDays?: number;
}

/** The job's default window (`--days-back`). */
export const DEPLOYMENT_DAYS_BACK = 21;

/**
 * Lead-date offsets from asOf where the payment rules are special (normal leads and scouting dates avoid
 * them, so planted numbers stay exact).
 */
export const DEPLOYMENT_SPECIAL_DAYS = {
  /** Partner v1 ended the day before, v2a starts the day after: only the scout rules cover it. */
  noPartnerRule: [-17],
  /** The partner promo tariff: its M1 rule pays 0.00. */
  amountZero: [-12, -11],
  /**
   * A duplicate upload of partner v2b is active too (overlapping rules, same amounts), and a v2b correction
   * pays M5 40.00 beside v2b's 35.00 (overlapping rules with different amounts: amount_conflict).
   */
  overlappingPartnerRules: [-8, -7],
} as const;
const SPECIAL = new Set<number>(Object.values(DEPLOYMENT_SPECIAL_DAYS).flat());

/**
 * Offset from asOf from which partner tariff v3 is in force (open-ended): it pays M25 0.00, so every M25 gap
 * row with a lead date from this day on is INVALID ZERO_AMOUNT_RULE. Not a special day: ordinary leads keep
 * coming on these days, and those reaching M25 are priced 0 too (the deployment's "S/ 600 nobody owes").
 */
export const DEPLOYMENT_ZERO_M25_FROM = -5;

/** The milestone amounts (PEN) the gap and claims views write in their SQL. */
export const DEPLOYMENT_AMOUNTS: Readonly<Record<number, string>> = { 1: "25.00", 5: "35.00", 25: "100.00" };

/** The payment rules, relative to asOf (see DEPLOYMENT_SPECIAL_DAYS). */
export function deploymentRules(asOf: string): { partner: DeploymentRuleRow[]; scout: DeploymentRuleRow[] } {
  const d = dayOf(asOf);
  const at = (o: number | null) => (o === null ? null : isoOf(d + o));
  const partner: DeploymentRuleRow[] = [];
  const scout: DeploymentRuleRow[] = [];
  const add = (
    into: DeploymentRuleRow[],
    firstId: number,
    name: string,
    origin_tag: string,
    window_days: number,
    amounts: Array<[number, string]>,
    from: number | null,
    to: number | null,
    is_active = true,
  ) => {
    for (const [milestone_trips, amount] of amounts) {
      into.push({
        id: firstId + into.length,
        name,
        origin_tag,
        milestone_trips,
        window_days,
        amount,
        valid_from: at(from),
        valid_to: at(to),
        is_active,
      });
    }
  };
  const tariff: Array<[number, string]> = [
    [1, "25.00"],
    [5, "35.00"],
    [25, "100.00"],
  ];
  add(partner, 1, "partner tariff v1", "cabinet", 14, tariff, null, -18);
  add(partner, 1, "partner tariff v2a", "cabinet", 14, tariff, -16, -13);
  add(
    partner,
    1,
    "partner tariff promo (M1 pays 0)",
    "cabinet",
    14,
    [
      [1, "0.00"],
      [5, "35.00"],
      [25, "100.00"],
    ],
    -12,
    -11,
  );
  add(partner, 1, "partner tariff v2b", "cabinet", 14, tariff, -10, DEPLOYMENT_ZERO_M25_FROM - 1);
  add(partner, 1, "partner tariff v2b (duplicate upload)", "cabinet", 14, tariff, -8, -7);
  add(partner, 1, "partner tariff v2b correction (M5 40.00)", "cabinet", 14, [[5, "40.00"]], -8, -7);
  add(
    partner,
    1,
    "partner tariff v3 (M25 pays 0)",
    "cabinet",
    14,
    [
      [1, "25.00"],
      [5, "35.00"],
      [25, "0.00"],
    ],
    DEPLOYMENT_ZERO_M25_FROM,
    null,
  );
  add(
    partner,
    1,
    "partner tariff draft (inactive)",
    "cabinet",
    14,
    [
      [1, "30.00"],
      [5, "40.00"],
      [25, "120.00"],
    ],
    -30,
    null,
    false,
  );
  add(
    partner,
    1,
    "fleet migration",
    "fleet_migration",
    14,
    [
      [1, "20.00"],
      [5, "30.00"],
      [25, "80.00"],
    ],
    null,
    null,
  );
  add(
    scout,
    101,
    "scout bonus",
    "cabinet",
    7,
    [
      [1, "10.00"],
      [5, "20.00"],
    ],
    null,
    null,
  );
  return { partner, scout };
}

// ASCII names only: the payments are matched on lower(), whose handling of accents depends on the locale.
const FIRST = [
  "Luis",
  "Carlos",
  "Jose",
  "Jorge",
  "Miguel",
  "Juan",
  "Ana",
  "Maria",
  "Rosa",
  "Pedro",
  "Victor",
];
const LAST = ["Quispe", "Flores", "Sanchez", "Rodriguez", "Garcia", "Huaman", "Mamani", "Torres", "Chavez"];

class Builder {
  readonly ds: DeploymentDataset;
  readonly d: number;
  #leadId = 100_000;
  #eventId = 0;
  #externalSeq = 0;
  #claimId = 0;
  readonly #driverIds = new Set<string>();
  /**
   * The ledger rows' values (timestamps, reasons): a stream of its own, so that they reshuffle none of the
   * leads, trips or planted cases.
   */
  readonly #ledgerRng: Rng;

  constructor(readonly opts: DeploymentBuildOptions) {
    this.#ledgerRng = new Rng(`deployment-ledger:${opts.seed}`);
    this.d = dayOf(opts.asOf);
    const rules = deploymentRules(opts.asOf);
    this.ds = {
      asOf: opts.asOf,
      drivers: [],
      leads: [],
      lead_person: [],
      person_driver: [],
      lead_events: [],
      summary_daily: [],
      late_summary_daily: [],
      partner_rules: rules.partner,
      scout_rules: rules.scout,
      claims: [],
      payments: [],
      ledger: [],
      late_payments: [],
      late_ledger: [],
      modes: {},
      plantedDrivers: {},
      plantedLeadIds: {},
    };
  }

  get driverCount(): number {
    return this.#driverIds.size;
  }

  driver(rng: Rng): string {
    let id = rng.hex(32);
    while (this.#driverIds.has(id)) id = rng.hex(32);
    this.#driverIds.add(id);
    // A code from the id keeps names (the payments' only key) nearly unique among 126k drivers.
    const name = `${rng.pick(FIRST)} ${rng.pick(LAST)} ${rng.pick(LAST)} ${id.slice(0, 5).toUpperCase()}`;
    this.ds.drivers.push({ driver_id: id, full_name: name });
    return id;
  }

  /** A lead row; `external` false forces a null external_id, a string reuses one. */
  lead(
    rng: Rng,
    day: number,
    secs: number,
    external: boolean,
  ): { id: number; sourcePk: string; createdAt: string } {
    const id = ++this.#leadId;
    const external_id = external ? `CAB-${String(700_000 + ++this.#externalSeq * 7 + rng.int(0, 6))}` : null;
    const createdAt = timestampOf(day, secs);
    this.ds.leads.push({ id, external_id, lead_created_at: createdAt });
    return { id, sourcePk: external_id ?? String(id), createdAt };
  }

  event(person: string, origin: string, source: string, day: number): void {
    this.ds.lead_events.push({
      id: ++this.#eventId,
      person_key: person,
      origin_tag: origin,
      source,
      event_date: isoOf(day),
    });
  }

  /** A trips row; days from asOf on do not exist yet and are dropped. */
  trip(driver: string, day: number, n: number, opts: { iso?: boolean; late?: boolean } = {}): void {
    if (day > this.d - 1) return;
    const row: TripRow = {
      driver_id: driver,
      date_file: opts.iso ? isoOf(day) : dmyOf(day),
      count_orders_completed: n,
    };
    (opts.late ? this.ds.late_summary_daily : this.ds.summary_daily).push(row);
  }

  /**
   * A claims-ledger row for a lead's milestone, with the values its status implies: written by the runbook's
   * job (amount from the gap view's 25/35/100, created a few days after the lead, generated_at set) or, with
   * `runId`, by an earlier run of this job (amount `amount`, reason naming the run, generated yesterday);
   * `paid` carries paid_at, `rejected`/`expired` a person's reason. Never after the day before asOf.
   */
  claim(
    lead: { person: string; sourcePk: string; driver: string | null },
    leadDay: number,
    milestone: number,
    status: ClaimStatus,
    opts: { runId?: string; amount?: string } = {},
  ): void {
    const rng = this.#ledgerRng;
    const last = (this.d - 1) * 86_400 + 23 * 3600;
    const at = (sec: number) => {
      const t = Math.min(sec, last);
      return `${timestampOf(Math.floor(t / 86_400), t % 86_400)}+00`;
    };
    const created =
      opts.runId !== undefined
        ? (this.d - 1) * 86_400 + 3 * 3600 + rng.int(0, 1800)
        : (leadDay + rng.int(2, 16)) * 86_400 + rng.int(6 * 3600, 22 * 3600);
    const later = (sec: number) => Math.min(sec + rng.int(3600, 9 * 86_400), last);
    let updated = created;
    let generated: number | null = null;
    let paid: number | null = null;
    let reason: string | null = opts.runId !== undefined ? recordedReason(opts.runId) : null;
    if (status === "generated" || status === "paid") generated = created;
    if (status === "generated" && reason === null && rng.chance(0.5)) reason = "runbook claims-gap job";
    if (status === "paid") {
      paid = later(created);
      updated = paid;
    }
    if (status === "rejected" || status === "expired") {
      updated = later(created);
      reason = rng.pick(LEDGER_REASONS[status]);
    }
    this.ds.claims.push({
      claim_id: ++this.#claimId,
      person_key: lead.person,
      driver_id: lead.driver,
      lead_source_pk: lead.sourcePk,
      lead_date: isoOf(leadDay),
      milestone,
      amount_expected: opts.amount ?? (DEPLOYMENT_AMOUNTS[milestone] as string),
      status,
      expected_at: status === "generated" && opts.runId !== undefined ? null : at(created),
      generated_at: generated === null ? null : at(generated),
      paid_at: paid === null ? null : at(paid),
      reason,
      created_at: at(created),
      updated_at: at(updated),
    });
  }

  /**
   * A cabinet lead with its person, lead event and a new driver (the common shape). `identity` false leaves
   * it without a person, `withDriver` false without a driver, `ingested` false without a lead event.
   */
  cabinetLead(
    rng: Rng,
    day: number,
    opts: { identity?: boolean; withDriver?: boolean; ingested?: boolean; external?: boolean } = {},
  ): { id: number; sourcePk: string; person: string | null; driver: string | null; secs: number } {
    const secs = rng.int(8 * 3600, 21 * 3600 + 59 * 60);
    const lead = this.lead(rng, day, secs, opts.external ?? rng.chance(0.8));
    if (opts.identity === false)
      return { id: lead.id, sourcePk: lead.sourcePk, person: null, driver: null, secs };
    const person = rng.uuid();
    this.ds.lead_person.push({
      lead_source_pk: lead.sourcePk,
      person_key: person,
      linked_at: timestampOf(day, Math.min(secs + 300, 86_399)),
    });
    if (opts.ingested !== false) this.event(person, "cabinet", "cabinet_lead", day);
    let driver: string | null = null;
    if (opts.withDriver !== false) {
      driver = this.driver(rng);
      this.ds.person_driver.push({
        person_key: person,
        driver_id: driver,
        linked_at: timestampOf(day, Math.min(secs + 7200, 86_399)),
      });
    }
    return { id: lead.id, sourcePk: lead.sourcePk, person, driver, secs };
  }
}

const EXISTING: ClaimStatus[] = [...EXISTING_CLAIM_STATUSES];

/** What a person writes when they reject a claim or let it expire. */
const LEDGER_REASONS = {
  rejected: [
    "rejected: driver already claimed by another fleet",
    "rejected: duplicate lead upload",
    "rejected: trips under fraud review",
  ],
  expired: ["expired: window closed without confirmation", "expired: lead withdrawn by the fleet"],
} as const;

/** Trips per day from a long-tailed distribution around `mean`. */
function tripsPerDay(rng: Rng, mean: number): number {
  if (rng.chance(0.05)) return 0;
  return Math.min(45, Math.max(1, Math.round(mean * Math.exp(0.5 * rng.normal()))));
}

/** Builds the whole dataset in memory. Same options, same dataset. */
export function buildDeploymentDataset(opts: DeploymentBuildOptions): DeploymentDataset {
  if (!(opts.scale > 0)) throw new Error(`scale must be > 0, got ${opts.scale}`);
  const root = new Rng(`deployment:${opts.seed}`);
  const b = new Builder(opts);
  const history = opts.historyDays ?? 180;
  background(b, root.fork("background"), history);
  const reached = normalLeads(b, root.fork("leads"), history);
  plant(b, root.fork("plant"));
  const filler = root.fork("filler");
  const target = Math.round(126_000 * opts.scale);
  while (b.driverCount < target) b.driver(filler);
  payments(b, root.fork("payments"), reached);
  return b.ds;
}

/** Fleet drivers that are not cabinet recruits: most of summary_daily, a few rows written YYYY-MM-DD. */
function background(b: Builder, rng: Rng, history: number): void {
  const d = b.d;
  const n = Math.round(6200 * b.opts.scale);
  for (let i = 0; i < n; i++) {
    const start = d - history - 20 + rng.int(0, history + 15);
    const driver = b.driver(rng);
    const end = Math.min(d - 1, start + 10 + Math.round(-70 * Math.log(1 - rng.next())));
    const p = 0.3 + 0.6 * rng.next();
    const mean = Math.exp(1.5 + 0.6 * rng.normal());
    for (let day = start; day <= end; day++) {
      if (rng.chance(p)) b.trip(driver, day, tripsPerDay(rng, mean), { iso: rng.chance(0.004) });
    }
  }
}

interface Reached {
  driver: string;
  milestone: number;
  leadDay: number;
}

/**
 * Ordinary cabinet leads over the history, clean inside the window: trips from the day after the lead, one
 * cabinet lead event, physical claims for most milestones reached (in the window 42% are missing:
 * those gap rows already have their claim in the claims view, the deployment's 75%).
 */
function normalLeads(b: Builder, rng: Rng, history: number): Reached[] {
  const d = b.d;
  const windowStart = d - DEPLOYMENT_DAYS_BACK;
  const reached: Reached[] = [];
  for (let day = d - history; day <= d; day++) {
    if (SPECIAL.has(day - d)) continue;
    const weekday = isoWeekday(day);
    const factor = weekday === 7 ? 0.5 : weekday === 6 ? 0.8 : 1.1;
    const count = rng.poisson(8 * b.opts.scale * factor);
    for (let i = 0; i < count; i++) {
      const inWindow = day >= windowStart;
      const lead = b.cabinetLead(rng, day, {
        identity: inWindow || rng.chance(0.97),
        withDriver: inWindow || rng.chance(0.95),
      });
      if (lead.driver === null || lead.person === null) continue;
      let inWindowTrips = 0;
      if (!rng.chance(0.35)) {
        let start = day + 1;
        while (start < day + 12 && rng.chance(0.6)) start++;
        const end = start + 5 + Math.round(-45 * Math.log(1 - rng.next()));
        const p = 0.45 + 0.5 * rng.next();
        const mean = Math.exp(1.3 + 0.6 * rng.normal());
        for (let t = start; t <= end && t <= d - 1; t++) {
          if (!rng.chance(p)) continue;
          const n = tripsPerDay(rng, mean);
          b.trip(lead.driver, t, n);
          if (t < day + 14) inWindowTrips += n;
        }
      }
      for (const m of [1, 5, 25]) {
        if (inWindowTrips < m) continue;
        reached.push({ driver: lead.driver, milestone: m, leadDay: day });
        const missing = rng.chance(inWindow ? 0.42 : 0.1);
        const who = { person: lead.person, sourcePk: lead.sourcePk, driver: lead.driver };
        if (!missing) b.claim(who, day, m, rng.pick(EXISTING));
        else if (rng.chance(0.4)) b.claim(who, day, m, rng.chance(0.5) ? "rejected" : "expired");
      }
    }
  }
  return reached;
}

function plant(b: Builder, root: Rng): void {
  const d = b.d;
  /** Offsets in [lo, hi] that are not special days. */
  const normal = (lo: number, hi: number) => {
    const out: number[] = [];
    for (let o = lo; o <= hi; o++) if (!SPECIAL.has(o)) out.push(o);
    return out;
  };
  const each = (
    mode: DeploymentMode,
    fn: (rng: Rng, i: number) => Array<{ sourcePk: string; id: number; driver: string | null }>,
  ) => {
    const rng = root.fork(mode);
    for (let i = 0; i < deploymentPlantedCount(mode, b.opts.scale); i++) {
      for (const l of fn(rng, i)) {
        b.ds.modes[l.sourcePk] = mode;
        b.ds.plantedLeadIds[mode] = [...(b.ds.plantedLeadIds[mode] ?? []), l.id];
        const drivers = b.ds.plantedDrivers[mode] ?? [];
        if (l.driver !== null && !drivers.includes(l.driver))
          b.ds.plantedDrivers[mode] = [...drivers, l.driver];
      }
    }
  };
  const trips = (driver: string, lead: number, perDay: Array<[number, number]>) => {
    for (const [offset, n] of perDay) b.trip(driver, lead + offset, n);
  };
  /** A scouting registration 3-5 days before `lead`, never on a special day. */
  const scouting = (rng: Rng, person: string, lead: number) => {
    let day = lead - rng.int(3, 5);
    while (SPECIAL.has(day - d)) day--;
    b.event(person, "cabinet", "scouting", day);
  };

  each("stale_drift", (rng, i) => {
    const lead = d + rng.pick(normal(-12, -3));
    const l = b.cabinetLead(rng, lead);
    const x = l.driver as string;
    // Every trip after the snapshot: 1+1 (M1) or 3+3 (M1 and M5).
    const n = i % 2 === 0 ? 1 : 3;
    b.trip(x, d - 2, n, { late: true });
    b.trip(x, d - 1, n, { late: true });
    return [l];
  });

  each("lead_date_mismatch", (rng) => {
    const lead = d + rng.pick(normal(-21, -8));
    const l = b.cabinetLead(rng, lead);
    scouting(rng, l.person as string, lead);
    // 2 a day on days 1-6: M1 and M5 in the gap view, inside the scouting date's window too.
    for (let k = 1; k <= 6; k++) b.trip(l.driver as string, lead + k, 2);
    return [l];
  });

  each("no_partner_rule", (rng) => {
    const lead = d + (DEPLOYMENT_SPECIAL_DAYS.noPartnerRule[0] as number);
    const l = b.cabinetLead(rng, lead);
    for (let k = 1; k <= 4; k++) b.trip(l.driver as string, lead + k, 2);
    return [l];
  });

  each("reupload_no_external", (rng) => {
    const lead = d + rng.pick(normal(-21, -8));
    const first = b.cabinetLead(rng, lead, { external: false });
    const person = first.person as string;
    // The same lead uploaded again the same day, again without external_id: a second key, same person.
    const second = b.lead(rng, lead, Math.min(first.secs + 1800, 86_399), false);
    b.ds.lead_person.push({
      lead_source_pk: second.sourcePk,
      person_key: person,
      linked_at: second.createdAt,
    });
    b.event(person, "cabinet", "cabinet_lead", lead);
    scouting(rng, person, lead);
    for (let k = 1; k <= 6; k++) b.trip(first.driver as string, lead + k, 2);
    return [first, { ...second, driver: first.driver }];
  });

  each("amount_zero", (rng, i) => {
    const lead = d + (DEPLOYMENT_SPECIAL_DAYS.amountZero[i % 2] as number);
    const l = b.cabinetLead(rng, lead);
    for (let k = 1; k <= 3; k++) b.trip(l.driver as string, lead + k, 2);
    return [l];
  });

  each("not_ingested", (rng) => {
    const lead = d + rng.pick(normal(-21, -4));
    const l = b.cabinetLead(rng, lead, { ingested: false });
    for (let k = 1; k <= 3; k++) b.trip(l.driver as string, lead + k, 2);
    return [l];
  });

  each("inflated_total", (rng) => {
    const lead = d + rng.pick(normal(-21, -5));
    const l = b.cabinetLead(rng, lead);
    trips(l.driver as string, lead, [
      [1, 1],
      [2, 1],
    ]);
    b.claim({ ...l, person: l.person as string }, lead, 1, "generated");
    return [l];
  });

  each("boundary_day13", (rng) => {
    const lead = d + rng.pick(normal(-21, -15));
    const l = b.cabinetLead(rng, lead);
    trips(l.driver as string, lead, [
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [13, 1],
      [14, 20],
    ]);
    return [l];
  });

  each("boundary_day14", (rng) => {
    const lead = d + rng.pick(normal(-21, -15));
    const l = b.cabinetLead(rng, lead);
    trips(l.driver as string, lead, [
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [14, 1],
    ]);
    return [l];
  });

  each("iso_trips", (rng) => {
    const lead = d + rng.pick(normal(-21, -7));
    const l = b.cabinetLead(rng, lead);
    const x = l.driver as string;
    b.trip(x, lead + 1, 1);
    b.trip(x, lead + 3, 1);
    for (const k of [2, 4, 5]) b.trip(x, lead + k, 1, { iso: true });
    return [l];
  });

  each("zero_amount_rule", (rng) => {
    // v3 pays M25 0.00 from DEPLOYMENT_ZERO_M25_FROM on; 13 trips on each of days 1-2 (before asOf) reach 25.
    const lead =
      d + rng.pick([DEPLOYMENT_ZERO_M25_FROM, DEPLOYMENT_ZERO_M25_FROM + 1, DEPLOYMENT_ZERO_M25_FROM + 2]);
    const l = b.cabinetLead(rng, lead);
    trips(l.driver as string, lead, [
      [1, 13],
      [2, 13],
    ]);
    return [l];
  });

  each("amount_conflict", (rng, i) => {
    const lead = d + (DEPLOYMENT_SPECIAL_DAYS.overlappingPartnerRules[i % 2] as number);
    const l = b.cabinetLead(rng, lead);
    for (let k = 1; k <= 4; k++) b.trip(l.driver as string, lead + k, 2);
    return [l];
  });

  for (const status of ["rejected", "expired"] as const) {
    each(`ledger_${status}` as const, (rng) => {
      const lead = d + rng.pick(normal(-21, -6));
      const l = b.cabinetLead(rng, lead);
      for (let k = 1; k <= 4; k++) b.trip(l.driver as string, lead + k, 2);
      for (const m of [1, 5]) b.claim({ ...l, person: l.person as string }, lead, m, status);
      return [l];
    });
  }

  each("ledger_earlier_run", (rng) => {
    const lead = d + rng.pick(normal(-21, -6));
    const l = b.cabinetLead(rng, lead);
    for (let k = 1; k <= 4; k++) b.trip(l.driver as string, lead + k, 2);
    const who = { ...l, person: l.person as string };
    const runId = DEPLOYMENT_EARLIER_RUN_ID;
    b.claim(who, lead, 1, "generated", { runId, amount: "25.00" });
    b.claim(who, lead, 5, "paid", { runId, amount: "35.00" });
    return [l];
  });

  each("no_identity", (rng) => {
    const l = b.cabinetLead(rng, d + rng.pick(normal(-21, -3)), { identity: false });
    return [l];
  });

  each("no_driver", (rng) => {
    const l = b.cabinetLead(rng, d + rng.pick(normal(-21, -3)), { withDriver: false });
    return [l];
  });
}

/** How many payments arrive late (after the snapshot) at scale 1, and how many reversals. */
export const LATE_PAYMENTS_PER_SCALE = 4;
export const LATE_REVERSALS_PER_SCALE = 2;

/**
 * Payments for half of the milestones reached by leads older than 30 days (name-matched, sometimes in
 * another case or with stray spaces), a few reversed; then the late ones: payments and reversals that
 * arrive after the snapshot, so the payments MVs are stale for them.
 */
function payments(b: Builder, rng: Rng, reached: Reached[]): void {
  const d = b.d;
  const nameOf = new Map(b.ds.drivers.map((r) => [r.driver_id, r.full_name]));
  const candidates = reached.filter((r) => r.leadDay < d - 30);
  const amounts: Record<number, string> = DEPLOYMENT_AMOUNTS;
  let id = 0;
  const pay = (r: Reached, paidDay: number, into: RawPaymentRow[], ledger: LedgerRow[]) => {
    const name = nameOf.get(r.driver) as string;
    const variant = rng.int(0, 3);
    const paid_at = timestampOf(paidDay, rng.int(9 * 3600, 18 * 3600));
    const payment: RawPaymentRow = {
      id: ++id,
      driver_name: variant === 0 ? name.toUpperCase() : variant === 1 ? ` ${name}  ` : name,
      milestone: r.milestone,
      amount: amounts[r.milestone] as string,
      paid_at,
    };
    into.push(payment);
    ledger.push({ payment_id: payment.id, version: 1, status: "paid", recorded_at: paid_at });
    return payment;
  };
  const unpaid: Reached[] = [];
  const paid: RawPaymentRow[] = [];
  for (const r of candidates) {
    if (!rng.chance(0.5)) {
      unpaid.push(r);
      continue;
    }
    const p = pay(r, Math.min(d - 3, r.leadDay + 14 + rng.int(1, 10)), b.ds.payments, b.ds.ledger);
    paid.push(p);
    if (rng.chance(0.05)) {
      b.ds.ledger.push({
        payment_id: p.id,
        version: 2,
        status: "reversed",
        recorded_at: timestampOf(d - 2, 10 * 3600),
      });
    }
  }
  const late = Math.max(1, Math.round(LATE_PAYMENTS_PER_SCALE * b.opts.scale));
  for (let i = 0; i < late && unpaid.length > 0; i++) {
    const r = unpaid.splice(rng.int(0, unpaid.length - 1), 1)[0] as Reached;
    pay(r, d - 1, b.ds.late_payments, b.ds.late_ledger);
  }
  const reversals = Math.max(1, Math.round(LATE_REVERSALS_PER_SCALE * b.opts.scale));
  const reversible = paid.filter((p) => !b.ds.ledger.some((l) => l.payment_id === p.id && l.version === 2));
  for (let i = 0; i < reversals && reversible.length > 0; i++) {
    const p = reversible.splice(rng.int(0, reversible.length - 1), 1)[0] as RawPaymentRow;
    b.ds.late_ledger.push({
      payment_id: p.id,
      version: 2,
      status: "reversed",
      recorded_at: timestampOf(d - 1, 15 * 3600),
    });
  }
}

/** The raw tables of the profile, in load order. */
export const DEPLOYMENT_TABLES = [
  "public.drivers",
  "public.module_ct_cabinet_leads",
  "canon.identity_lead_person",
  "canon.identity_person_driver",
  "observational.lead_events",
  "public.summary_daily",
  "public.partner_payment_rules",
  "public.scout_payment_rules",
  "canon.claims_yango_cabinet_14d",
  "public.yango_payments_raw",
  "public.yango_payments_ledger",
] as const;

/** Every MV of the profile in dependency order: what the snapshot refresh refreshes. */
export const DEPLOYMENT_SNAPSHOT_MVS: readonly string[] = [
  ...DEPLOYMENT_MVS.payments,
  DEPLOYMENT_MVS.receivable,
  ...DEPLOYMENT_MVS.downstream,
  DEPLOYMENT_MVS.unrelated,
];

export interface DeploymentLoadOptions {
  /** The claims view's state (default live), set before the snapshot refresh. */
  state?: DeploymentState;
  /** VACUUM ANALYZE after the main load (default true). */
  vacuum?: boolean;
}

export interface DeploymentLoadResult {
  rows: Record<string, number>;
  loadMs: number;
  refreshMs: Record<string, number>;
}

const RULE_COLUMNS = [
  "id",
  "name",
  "origin_tag",
  "milestone_trips",
  "window_days",
  "amount",
  "valid_from",
  "valid_to",
  "is_active",
] as const;
const TRIP_COLUMNS = ["driver_id", "date_file", "count_orders_completed"] as const;
const PAYMENT_COLUMNS = ["id", "driver_name", "milestone", "amount", "paid_at"] as const;
const LEDGER_COLUMNS = ["payment_id", "version", "status", "recorded_at"] as const;

/**
 * Replaces the profile's data with `ds`: the claims view put in `state`, TRUNCATE + COPY FREEZE in one
 * transaction, VACUUM ANALYZE, every MV refreshed in dependency order (the snapshot), then the late trips,
 * payments and ledger versions, which those MVs do not see until refreshed. The client must not be inside a
 * transaction.
 */
export async function loadDeploymentDataset(
  client: pg.ClientBase,
  ds: DeploymentDataset,
  opts: DeploymentLoadOptions = {},
): Promise<DeploymentLoadResult> {
  const started = performance.now();
  const rows: Record<string, number> = {};
  const count = (table: string, n: number) => {
    rows[table] = (rows[table] ?? 0) + n;
  };
  await client.query("BEGIN");
  try {
    await setDeploymentState(client, opts.state ?? "live");
    await client.query(`TRUNCATE ${DEPLOYMENT_TABLES.join(", ")}`);
    const copy = async <T>(table: string, columns: ReadonlyArray<keyof T & string>, data: readonly T[]) =>
      count(table, await copyRows(client, table, columns, data, true));
    await copy("public.drivers", ["driver_id", "full_name"], ds.drivers);
    await copy("public.module_ct_cabinet_leads", ["id", "external_id", "lead_created_at"], ds.leads);
    await copy("canon.identity_lead_person", ["lead_source_pk", "person_key", "linked_at"], ds.lead_person);
    await copy("canon.identity_person_driver", ["person_key", "driver_id", "linked_at"], ds.person_driver);
    await copy(
      "observational.lead_events",
      ["id", "person_key", "origin_tag", "source", "event_date"],
      ds.lead_events,
    );
    await copy("public.summary_daily", TRIP_COLUMNS, ds.summary_daily);
    await copy("public.partner_payment_rules", RULE_COLUMNS, ds.partner_rules);
    await copy("public.scout_payment_rules", RULE_COLUMNS, ds.scout_rules);
    await copy("canon.claims_yango_cabinet_14d", PHYSICAL_CLAIM_COLUMNS, ds.claims);
    // claim_id is serial: the next INSERT (the job recording a claim) must not collide with a loaded id.
    await client.query(
      `SELECT setval(pg_get_serial_sequence('canon.claims_yango_cabinet_14d', 'claim_id'),
                     COALESCE((SELECT max(claim_id) FROM canon.claims_yango_cabinet_14d), 0) + 1, false)`,
    );
    await copy("public.yango_payments_raw", PAYMENT_COLUMNS, ds.payments);
    await copy("public.yango_payments_ledger", LEDGER_COLUMNS, ds.ledger);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
  await client.query(
    `${opts.vacuum === false ? "ANALYZE" : "VACUUM (ANALYZE)"} ${DEPLOYMENT_TABLES.join(", ")}`,
  );
  const refreshMs: Record<string, number> = {};
  for (const mv of DEPLOYMENT_SNAPSHOT_MVS) refreshMs[mv] = await refreshMv(client, mv);
  // After the snapshot: nothing materialized sees these until it is refreshed.
  count(
    "public.summary_daily",
    await copyRows(client, "public.summary_daily", TRIP_COLUMNS, ds.late_summary_daily),
  );
  count(
    "public.yango_payments_raw",
    await copyRows(client, "public.yango_payments_raw", PAYMENT_COLUMNS, ds.late_payments),
  );
  count(
    "public.yango_payments_ledger",
    await copyRows(client, "public.yango_payments_ledger", LEDGER_COLUMNS, ds.late_ledger),
  );
  await client.query("ANALYZE public.summary_daily, public.yango_payments_raw, public.yango_payments_ledger");
  return { rows, loadMs: Math.round(performance.now() - started), refreshMs };
}

/**
 * Adds a trip row dated '31-02-<year>' for the driver of the most recent lead that has a driver and lead
 * events (so both the gap view and the payment calculation read its trips): every view over trips then
 * raises ("date/time field value out of range", SQLSTATE 22008). For error tests only; the generator never
 * plants it.
 */
export async function plantImpossibleTripDate(
  client: pg.ClientBase,
): Promise<{ driver_id: string; date_file: string }> {
  const { rows } = await client.query<{ driver_id: string; year: string }>(
    `SELECT cd.driver_id, to_char(l.lead_created_at, 'YYYY') AS year
       FROM public.module_ct_cabinet_leads l
       JOIN canon.identity_lead_person ip ON ip.lead_source_pk = COALESCE(l.external_id, l.id::text)
       JOIN ops.v_person_current_driver cd ON cd.person_key = ip.person_key
      WHERE l.lead_created_at IS NOT NULL
        AND EXISTS (SELECT 1 FROM observational.lead_events e WHERE e.person_key = ip.person_key)
      ORDER BY l.lead_created_at DESC, l.id DESC
      LIMIT 1`,
  );
  const row = rows[0];
  if (!row) throw new Error("no lead with a driver to plant an impossible trip date on");
  const date_file = `31-02-${row.year}`;
  await client.query(
    "INSERT INTO public.summary_daily (driver_id, date_file, count_orders_completed) VALUES ($1, $2, 3)",
    [row.driver_id, date_file],
  );
  return { driver_id: row.driver_id, date_file };
}

export { DEPLOYMENT_MODES };

export interface GenerateDeploymentOptions {
  seed: number;
  scale: number;
  /** Default: the database's CURRENT_DATE. */
  asOf?: string;
  historyDays?: number;
  /** The claims view's state (default live). */
  state?: DeploymentState;
  /** Window of the ground truth (default 21, the job's default --days-back). */
  daysBack?: number;
  /** The job's --limit the ground truth's rows are cut to (default 1000, the job's default). */
  limit?: number;
}

/**
 * Builds the dataset, loads it (claims view in `state`, MVs refreshed at the snapshot, late rows after) and
 * returns the ground truth (both states; `state` says which one the database is in) with timings.
 */
export async function generateDeployment(
  client: pg.ClientBase,
  opts: GenerateDeploymentOptions,
): Promise<
  DeploymentGroundTruth & {
    state: DeploymentState;
    dataset: DeploymentDataset;
    load: DeploymentLoadResult;
    buildMs: number;
  }
> {
  const asOf =
    opts.asOf ??
    (await client.query<{ d: string }>("SELECT to_char(CURRENT_DATE, 'YYYY-MM-DD') AS d")).rows[0]?.d;
  if (!asOf) throw new Error("could not read CURRENT_DATE");
  const started = performance.now();
  const dataset = buildDeploymentDataset({
    seed: opts.seed,
    scale: opts.scale,
    asOf,
    historyDays: opts.historyDays,
  });
  const truth = deploymentGroundTruth(dataset, { daysBack: opts.daysBack, limit: opts.limit });
  const buildMs = Math.round(performance.now() - started);
  const state = opts.state ?? "live";
  const load = await loadDeploymentDataset(client, dataset, { state });
  return { ...truth, state, dataset, load, buildMs };
}

/** Human summary of a ground truth. */
export function describeDeploymentTruth(t: DeploymentGroundTruth): string {
  const line = (label: string, tl: Record<string, number>) =>
    `${label.padEnd(28)} ${Object.entries(tl)
      .map(([k, v]) => `${k}=${v}`)
      .join("  ")}`;
  const out = [
    `asOf ${t.asOf}  window: lead_date >= asOf - ${t.daysBack}`,
    line("rows per table", t.counts),
    `gap rows ${t.gapRows}, in the window ${t.windowRows} (analysed: ${Object.values(t.states)[0]?.rows.length}, limit ${t.limit}); inflated M5 drivers ${t.inflatedM5Drivers.length}; stale paid flags ${t.stalePaidFlags}`,
    line("window rows per case", t.byMode),
    line("ledger rows per status", t.ledgerByStatus),
  ];
  for (const s of Object.values(t.states)) {
    out.push(
      `-- ${s.state}: at risk S/ ${s.amountAtRisk}, still missing S/ ${s.amountStillMissing}, gap rows with claim ${s.gapRowsWithClaim}, ISO trip rows ${s.isoTripRowsInWindows}, duplicates ${s.duplicates}, resolved keys ${s.resolvedKeys.length}`,
      line("  verdict (dry run)", s.byVerdict.dryRun),
      line("  verdict (real run)", s.byVerdict.afterRefresh),
      line("  invalid_reason", s.byInvalidReason),
      line("  diagnosis (real run)", s.byDiagnosis),
      line("  diagnosis (dry run)", s.byDryRunDiagnosis),
      `  record (real): ${s.recording.real.claimsRecorded} keys, S/ ${s.recording.real.amountRecorded}; gap window ${s.recording.real.gapsBefore} -> ${s.recording.real.gapsAfter}; dry run would record ${s.recording.dryRun.toRecord} (S/ ${s.recording.dryRun.amountToRecord})`,
      line("  ledger (real run)", s.recording.real.byLedger),
      line("  ledger_why (real run)", s.recording.real.byLedgerWhy),
      line("  warnings (real run)", { ...s.warnings.real }),
    );
  }
  return out.join("\n");
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const seed = Number(arg("--seed") ?? 1);
  const scale = Number(arg("--scale") ?? 1);
  const state = (arg("--state") ?? "live") as DeploymentState;
  const url = process.env.DATABASE_URL;
  let truth: DeploymentGroundTruth;
  let timing = "";
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const {
        dataset: _d,
        load,
        buildMs,
        ...rest
      } = await generateDeployment(client, { seed, scale, asOf: arg("--as-of"), state });
      truth = rest;
      timing = `built in ${buildMs} ms, loaded in ${load.loadMs} ms; refresh ms ${JSON.stringify(load.refreshMs)}`;
    } finally {
      await client.end();
    }
  } else {
    const started = performance.now();
    truth = deploymentGroundTruth(
      buildDeploymentDataset({ seed, scale, asOf: arg("--as-of") ?? new Date().toISOString().slice(0, 10) }),
    );
    timing = `built (dataset + ground truth) in ${Math.round(performance.now() - started)} ms`;
  }
  if (argv.includes("--json")) console.log(JSON.stringify(truth, null, 2));
  else console.log(`${describeDeploymentTruth(truth)}\n${timing}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
