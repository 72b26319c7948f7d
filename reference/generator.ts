/**
 * Deterministic generator of realistic reference data, with every failure mode of docs/domain.md planted in
 * known numbers inside the default job window, and the ground truth of what the reconcile job must decide
 * for every gap row of that window.
 *
 *   buildDataset({ seed, scale, asOf })   -> Dataset (plain arrays, nothing touches a database)
 *   generate(client, { seed, scale, asOf? }) -> GroundTruth (builds, loads with COPY, refreshes the claims
 *                                              MVs at the snapshot, then loads the late trips)
 *
 * CLI: `npx tsx reference/generator.ts --seed 1 --scale 1 [--as-of YYYY-MM-DD] [--print] [--json]`; with
 * DATABASE_URL set it also loads the data there (truncating the reference tables first).
 */
import { fileURLToPath } from "node:url";
import pg from "pg";
import {
  type Dataset,
  type DriverRow,
  emptyDataset,
  type PaymentRow,
  type PaymentRuleRow,
  rowCounts,
} from "./dataset.js";
import { dayOf, dmyOf, isoOf, isoWeekday, timestampOf } from "./days.js";
import { type LoadResult, loadDataset } from "./load.js";
import { buildModel, DEFAULT_DAYS_BACK, expectedDecisions, type WindowRow } from "./model.js";
import { PLANTED_MODES, type PlantedMode, plantedCount } from "./plant.js";
import { Rng } from "./random.js";

export type { Diagnosis, InvalidReason, Verdict, WindowRow } from "./model.js";
export type { PlantedMode } from "./plant.js";

export interface BuildOptions {
  seed: number;
  /** 1 ≈ the real deployment (~220k summary_daily rows, ~126k drivers); 10 = ten times the history volume. */
  scale: number;
  /** 'YYYY-MM-DD': the day the data is relative to (the job's as-of); trips exist up to the day before. */
  asOf: string;
  /** Days of lead history before asOf (default 180). */
  historyDays?: number;
}

/** Lead-date offsets (days before asOf) with special payment rules; normal leads avoid them. */
export const SPECIAL_DAYS = {
  /** Partner rule v1 ends the day before, v2 starts the day after: no partner rule covers it. */
  noPartnerRule: [-16],
  /** A duplicate of partner rule v2 is active too. */
  overlappingPartnerRules: [-9, -8],
  /** A duplicate scout rule is active too. */
  overlappingScoutRules: [-6, -5],
} as const;
const SPECIAL = new Set<number>(Object.values(SPECIAL_DAYS).flat());
/** Late trips (arriving after the last claims MV refresh) are those dated on or after asOf + this. */
export const LATE_FROM = -2;

/**
 * The payment rules of the reference data, relative to asOf: partner tariffs v0 (past), v1 (until 17 days
 * ago), v2 (from 15 days ago) and a duplicate upload of v2 valid 9 and 8 days ago; scout rules (7-day
 * window) and a duplicate scout campaign 6 and 5 days ago; an inactive draft tariff; fleet_migration.
 */
export function defaultPaymentRules(asOf: string): PaymentRuleRow[] {
  const d = dayOf(asOf);
  const at = (offset: number | null) => (offset === null ? null : isoOf(d + offset));
  const rules: PaymentRuleRow[] = [];
  const add = (
    name: string,
    origin_tag: PaymentRuleRow["origin_tag"],
    rule_scope: PaymentRuleRow["rule_scope"],
    window_days: number,
    amounts: Array<[number, string]>,
    from: number | null,
    to: number | null,
    is_active = true,
  ) => {
    for (const [milestone_trips, amount] of amounts) {
      rules.push({
        id: rules.length + 1,
        name,
        origin_tag,
        rule_scope,
        window_days,
        milestone_trips,
        amount,
        valid_from: at(from),
        valid_to: at(to),
        is_active,
      });
    }
  };
  const partner: Array<[number, string]> = [
    [1, "25.00"],
    [5, "35.00"],
    [25, "100.00"],
  ];
  const scout: Array<[number, string]> = [
    [1, "10.00"],
    [5, "20.00"],
  ];
  add("partner tariff v0", "cabinet", "partner", 14, partner, null, -91);
  add("partner tariff v1", "cabinet", "partner", 14, partner, -90, -17);
  add("partner tariff v2", "cabinet", "partner", 14, partner, -15, null);
  add("partner tariff v2 (duplicate upload)", "cabinet", "partner", 14, partner, -9, -8);
  add("scout bonus", "cabinet", "scout", 7, scout, null, null);
  add("scout campaign (overlaps scout bonus)", "cabinet", "scout", 7, scout, -6, -5);
  add(
    "partner tariff draft (inactive)",
    "cabinet",
    "partner",
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
    "fleet migration",
    "fleet_migration",
    "partner",
    14,
    [
      [1, "20.00"],
      [5, "30.00"],
      [25, "80.00"],
    ],
    null,
    null,
  );
  return rules;
}

const FIRST_NAMES = [
  "Luis",
  "Carlos",
  "José",
  "Jorge",
  "Miguel",
  "Juan",
  "Ana",
  "María",
  "Rosa",
  "Pedro",
  "Víctor",
];
const LAST_NAMES = [
  "Quispe",
  "Flores",
  "Sánchez",
  "Rodríguez",
  "García",
  "Huamán",
  "Mamani",
  "Torres",
  "Chávez",
];

class Builder {
  readonly ds: Dataset;
  readonly d: number;
  readonly rng: Rng;
  #leadId = 100_000;
  #eventId = 0;
  #externalSeq = 0;
  /** Drivers whose trips from this day on are late (arrive after the snapshot). */
  readonly #lateFrom = new Map<string, number>();
  readonly #driverIds = new Set<string>();

  constructor(
    readonly opts: BuildOptions,
    rng: Rng,
  ) {
    this.ds = emptyDataset(opts.asOf);
    this.d = dayOf(opts.asOf);
    this.rng = rng;
  }

  driver(rng: Rng, hiredDay: number, status = "active"): string {
    let id = rng.hex(32);
    while (this.#driverIds.has(id)) id = rng.hex(32);
    this.#driverIds.add(id);
    this.ds.drivers.push(this.#driverRow(rng, id, hiredDay, status));
    return id;
  }

  #driverRow(rng: Rng, driver_id: string, hiredDay: number, status: string): DriverRow {
    return {
      driver_id,
      full_name: `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)} ${rng.pick(LAST_NAMES)}`,
      hired_at: isoOf(hiredDay),
      status,
    };
  }

  get driverCount(): number {
    return this.#driverIds.size;
  }

  /** A cabinet lead row; returns its canonical key. `external` false forces a null external_id. */
  lead(
    rng: Rng,
    day: number | null,
    secs: number,
    external: boolean | string = rng.chance(0.8),
  ): {
    id: number;
    sourcePk: string;
    createdAt: string | null;
  } {
    const id = ++this.#leadId;
    let external_id: string | null = null;
    if (typeof external === "string") external_id = external;
    else if (external) external_id = `CAB-${String(700_000 + ++this.#externalSeq * 7 + rng.int(0, 6))}`;
    const createdAt = day === null ? null : timestampOf(day, secs);
    this.ds.leads.push({ id, external_id, lead_created_at: createdAt });
    return { id, sourcePk: external_id ?? String(id), createdAt };
  }

  person(rng: Rng): string {
    return rng.uuid();
  }

  linkLead(sourcePk: string, person: string, at: string): void {
    this.ds.lead_person.push({ lead_source_pk: sourcePk, person_key: person, linked_at: at });
  }

  linkDriver(person: string, driver: string, at: string): void {
    this.ds.person_driver.push({ person_key: person, driver_id: driver, linked_at: at });
  }

  event(person: string, origin: string, type: string, at: string, sourcePk: string | null): void {
    this.ds.lead_events.push({
      id: ++this.#eventId,
      person_key: person,
      origin_tag: origin,
      event_type: type,
      event_at: at,
      source_pk: sourcePk,
    });
  }

  /** A trips row; days from asOf on do not exist yet and are dropped. */
  trip(driver: string, day: number, n: number, format: "dmy" | "iso" = "dmy"): void {
    if (day > this.d - 1) return;
    const row = {
      driver_id: driver,
      date_file: format === "dmy" ? dmyOf(day) : isoOf(day),
      count_orders_completed: n,
    };
    const late = this.#lateFrom.get(driver);
    if (late !== undefined && day >= late) this.ds.late_summary_daily.push(row);
    else this.ds.summary_daily.push(row);
  }

  rawTrip(driver: string, dateFile: string, n: number): void {
    this.ds.summary_daily.push({ driver_id: driver, date_file: dateFile, count_orders_completed: n });
  }

  markLate(driver: string, fromDay: number): void {
    this.#lateFrom.set(driver, fromDay);
  }

  /**
   * A cabinet lead with its person, lead event and (unless `withDriver` is false) a new driver: the common
   * shape. `identity` false leaves the lead without a person.
   */
  cabinetLead(
    rng: Rng,
    day: number | null,
    opts: { identity?: boolean; withDriver?: boolean; external?: boolean | string; driver?: string } = {},
  ): {
    sourcePk: string;
    person: string | null;
    driver: string | null;
    createdAt: string | null;
    secs: number;
  } {
    const secs = rng.int(8 * 3600, 21 * 3600 + 59 * 60);
    const lead = this.lead(rng, day, secs, opts.external ?? rng.chance(0.8));
    if (opts.identity === false || (day === null && opts.identity !== true)) {
      return { sourcePk: lead.sourcePk, person: null, driver: null, createdAt: lead.createdAt, secs };
    }
    const person = this.person(rng);
    const linkDay = day ?? this.d - 30;
    this.linkLead(lead.sourcePk, person, timestampOf(linkDay, Math.min(secs + 300, 86_399)));
    if (lead.createdAt !== null) this.event(person, "cabinet", "cabinet_lead", lead.createdAt, lead.sourcePk);
    let driver: string | null = null;
    if (opts.withDriver !== false) {
      driver = opts.driver ?? this.driver(rng, linkDay);
      this.linkDriver(person, driver, timestampOf(linkDay, Math.min(secs + 7200, 86_399)));
    }
    return { sourcePk: lead.sourcePk, person, driver, createdAt: lead.createdAt, secs };
  }
}

/** Trips per day from a long-tailed distribution around `mean` (a few heavy days). */
function tripsPerDay(rng: Rng, mean: number): number {
  if (rng.chance(0.05)) return 0;
  return Math.min(45, Math.max(1, Math.round(mean * Math.exp(0.5 * rng.normal()))));
}

/** Builds the whole dataset in memory. Same options, same dataset. */
export function buildDataset(opts: BuildOptions): Dataset {
  if (!(opts.scale > 0)) throw new Error(`scale must be > 0, got ${opts.scale}`);
  const root = new Rng(opts.seed);
  const b = new Builder(opts, root);
  const d = b.d;
  const history = opts.historyDays ?? 180;
  b.ds.payment_rules = defaultPaymentRules(opts.asOf);

  background(b, root.fork("background"), history);
  normalLeads(b, root.fork("leads"), history);
  plant(b, root.fork("plant"));

  // Drivers who never drove for the fleet in this history (the registry is much larger than the trips).
  const filler = root.fork("filler");
  const target = Math.round(126_000 * opts.scale);
  while (b.driverCount < target)
    b.driver(filler, d - filler.int(30, 2000), filler.chance(0.7) ? "inactive" : "active");

  payments(b, root.fork("payments"));
  return b.ds;
}

/** Fleet drivers that are not cabinet recruits: most of summary_daily. */
function background(b: Builder, rng: Rng, history: number): void {
  const d = b.d;
  const n = Math.round(6200 * b.opts.scale);
  const drivers: string[] = [];
  for (let i = 0; i < n; i++) {
    const start = d - history - 20 + rng.int(0, history + 15);
    const driver = b.driver(rng, start - rng.int(0, 400));
    drivers.push(driver);
    const end = Math.min(d - 1, start + 10 + Math.round(-70 * Math.log(1 - rng.next())));
    const p = 0.3 + 0.6 * rng.next();
    const mean = Math.exp(1.5 + 0.6 * rng.normal());
    for (let day = start; day <= end; day++) {
      if (rng.chance(p)) b.trip(driver, day, tripsPerDay(rng, mean), rng.chance(0.004) ? "iso" : "dmy");
    }
  }
  // A few impossible dates that match the DD-MM-YYYY pattern (deployed to_date would raise on them).
  const year = Number(isoOf(d).slice(0, 4));
  const bad = ["31-02", "30-02", "31-04", "31-06", "31-09", "31-11"];
  for (let i = 0; i < Math.max(1, Math.round(3 * b.opts.scale)) && drivers.length > 0; i++) {
    b.rawTrip(rng.pick(drivers), `${rng.pick(bad)}-${year - rng.int(0, 1)}`, rng.int(1, 12));
  }
}

/** Ordinary cabinet leads over the history; inside the job window they are clean (no failure mode). */
function normalLeads(b: Builder, rng: Rng, history: number): void {
  const d = b.d;
  const windowStart = d - DEFAULT_DAYS_BACK;
  for (let day = d - history; day <= d; day++) {
    if (SPECIAL.has(day - d)) continue;
    const weekday = isoWeekday(day);
    const factor = weekday === 7 ? 0.5 : weekday === 6 ? 0.8 : 1.1;
    const count = rng.poisson(8 * b.opts.scale * factor);
    for (let i = 0; i < count; i++) {
      const inWindow = day >= windowStart;
      const identity = inWindow || rng.chance(0.97);
      const withDriver = inWindow || rng.chance(0.95);
      const lead = b.cabinetLead(rng, day, { identity, withDriver });
      if (!inWindow && lead.createdAt && rng.chance(0.02)) {
        // A re-upload of an old lead under the same key, a day or three later.
        const external = b.ds.leads.at(-1)?.external_id;
        if (external) b.lead(rng, day + rng.int(1, 3), rng.int(8 * 3600, 20 * 3600), external);
      }
      if (lead.driver === null) continue;
      if (rng.chance(0.05)) {
        // Already drove before the lead (never on the lead day itself): these trips never count.
        for (let k = rng.int(3, 10); k >= 1; k--)
          if (rng.chance(0.6)) b.trip(lead.driver, day - k, rng.int(1, 8));
      }
      if (rng.chance(0.35)) continue; // never starts
      let start = day + 1;
      while (start < day + 12 && rng.chance(0.6)) start++;
      const end = start + 5 + Math.round(-45 * Math.log(1 - rng.next()));
      const p = 0.45 + 0.5 * rng.next();
      const mean = Math.exp(1.3 + 0.6 * rng.normal());
      for (let t = start; t <= end && t <= d - 1; t++)
        if (rng.chance(p)) b.trip(lead.driver, t, tripsPerDay(rng, mean));
    }
  }
}

function plant(b: Builder, root: Rng): void {
  const d = b.d;
  const scale = b.opts.scale;
  /** Offsets in [lo, hi] that are not special days. */
  const normal = (lo: number, hi: number) => {
    const out: number[] = [];
    for (let o = lo; o <= hi; o++) if (!SPECIAL.has(o)) out.push(o);
    return out;
  };
  const each = (mode: PlantedMode, fn: (rng: Rng, i: number) => string[]) => {
    const rng = root.fork(mode);
    for (let i = 0; i < plantedCount(mode, scale); i++) {
      for (const pk of fn(rng, i)) b.ds.modes[pk] = mode;
    }
  };
  const trips = (driver: string, lead: number, perDay: Array<[number, number]>) => {
    for (const [offset, n] of perDay) b.trip(driver, lead + offset, n);
  };

  each("stale_mv", (rng, i) => {
    const variant = i % 3;
    const offset = rng.pick(
      variant === 0 ? normal(-12, -3) : variant === 1 ? normal(-12, -6) : normal(-12, -8),
    );
    const lead = d + offset;
    const l = b.cabinetLead(rng, lead);
    const x = l.driver as string;
    b.markLate(x, d + LATE_FROM);
    if (variant === 0) {
      b.trip(x, d - 1, 2); // M1 reached by late trips only
    } else if (variant === 1) {
      trips(x, lead, [
        [1, 1],
        [2, 1],
        [3, 1],
      ]);
      b.trip(x, d - 2, 1);
      b.trip(x, d - 1, 2); // M5 reached by late trips
    } else {
      const days = d + LATE_FROM - 1 - lead; // pre-snapshot driving days: lead+1 .. asOf-3
      for (let k = 1; k <= days; k++) b.trip(x, lead + k, Math.floor(22 / days) + (k <= 22 % days ? 1 : 0));
      b.trip(x, d - 2, 2);
      b.trip(x, d - 1, 2); // M25 reached by late trips
    }
    return [l.sourcePk];
  });

  each("lead_date_mismatch", (rng) => {
    const lead = d + rng.pick(normal(-21, -8));
    let scouted = lead - rng.int(3, 8);
    if (SPECIAL.has(scouted - d)) scouted--;
    const l = b.cabinetLead(rng, lead);
    b.event(l.person as string, "cabinet", "scout_registration", timestampOf(scouted, 10 * 3600), null);
    // 2 a day: M1 and M5 inside the scouting date's window, M25 never (at most 20 trips there).
    for (let k = 1; k <= 13; k++) b.trip(l.driver as string, lead + k, 2);
    return [l.sourcePk];
  });

  each("no_partner_rule", (rng, i) => {
    const lead = d + (SPECIAL_DAYS.noPartnerRule[0] as number);
    const l = b.cabinetLead(rng, lead);
    const x = l.driver as string;
    if (i % 3 !== 2) {
      for (let k = 1; k <= 10; k++) b.trip(x, lead + k, 2);
    } else {
      b.trip(x, lead + 1, 1); // M1 inside the scout week; M5 only on day 11
      for (let k = 8; k <= 11; k++) b.trip(x, lead + k, 1);
    }
    return [l.sourcePk];
  });

  each("overlapping_partner_rules", (rng, i) => {
    const lead = d + (SPECIAL_DAYS.overlappingPartnerRules[i % 2] as number);
    const l = b.cabinetLead(rng, lead);
    const total = [3, 4, 13, 4][i % 4] as number;
    const perDay: Array<[number, number]> =
      total === 13
        ? [
            [1, 3],
            [2, 3],
            [3, 3],
            [4, 2],
            [5, 2],
          ]
        : Array.from({ length: total }, (_, k) => [k + 1, 1] as [number, number]);
    trips(l.driver as string, lead, perDay);
    return [l.sourcePk];
  });

  each("overlapping_scout_rules", (rng, i) => {
    const lead = d + (SPECIAL_DAYS.overlappingScoutRules[i % 2] as number);
    const l = b.cabinetLead(rng, lead);
    const total = [3, 4][i % 2] as number;
    trips(
      l.driver as string,
      lead,
      Array.from({ length: total }, (_, k) => [k + 1, 1] as [number, number]),
    );
    return [l.sourcePk];
  });

  each("lead_day_trips", (rng, i) => {
    const variant = i % 3;
    const lead =
      d + rng.pick(variant === 0 ? normal(-20, -2) : variant === 1 ? normal(-20, -3) : normal(-20, -7));
    const l = b.cabinetLead(rng, lead);
    const x = l.driver as string;
    if (variant === 0) trips(x, lead, [[0, 1]]);
    else if (variant === 1)
      trips(x, lead, [
        [0, 3],
        [1, 1],
        [2, 1],
      ]);
    else
      trips(x, lead, [
        [0, 10],
        [1, 3],
        [2, 3],
        [3, 3],
        [4, 3],
        [5, 3],
      ]);
    return [l.sourcePk];
  });

  each("re_registered_in_window", (rng) => {
    const first = d + rng.pick(normal(-21, -17));
    const second = d + rng.pick(normal(first - d + 4, first - d + 8));
    const a = b.cabinetLead(rng, first);
    const x = a.driver as string;
    const c = b.cabinetLead(rng, second, { driver: x });
    // 1 a day: M1 and M5 reached inside both windows, M25 in neither.
    for (let k = 1; k <= 13; k++) b.trip(x, second + k, 1);
    return [a.sourcePk, c.sourcePk];
  });

  each("re_registered_old", (rng, i) => {
    const first = d - rng.int(60, 150);
    const a = b.cabinetLead(rng, first);
    const x = a.driver as string;
    const days = rng.int(20, 40);
    for (let k = 1; k <= days; k++) b.trip(x, first + k, rng.int(3, 6));
    const second = d + rng.pick(normal(-21, -10));
    const c = b.cabinetLead(rng, second, { driver: x });
    if (i % 3 === 1) b.trip(x, second + 2, 2); // M1 again under the new lead; M5 and M25 only long ago
    return [a.sourcePk, c.sourcePk];
  });

  each("no_identity", (rng) => [
    b.cabinetLead(rng, d + rng.pick(normal(-21, 0)), { identity: false }).sourcePk,
  ]);

  each("no_driver", (rng) => [
    b.cabinetLead(rng, d + rng.pick(normal(-21, 0)), { withDriver: false }).sourcePk,
  ]);

  each("iso_dates", (rng) => {
    const lead = d + rng.pick(normal(-21, -7));
    const l = b.cabinetLead(rng, lead);
    for (let k = 1; k <= 6; k++) b.trip(l.driver as string, lead + k, 1, k % 2 === 0 ? "iso" : "dmy");
    return [l.sourcePk];
  });

  each("impossible_date", (rng) => {
    const lead = d + rng.pick(normal(-21, -7));
    const l = b.cabinetLead(rng, lead);
    const x = l.driver as string;
    for (let k = 1; k <= 6; k++) b.trip(x, lead + k, 2);
    const year = isoOf(lead).slice(0, 4);
    b.rawTrip(x, `31-02-${year}`, 30);
    b.rawTrip(x, `30-02-${year}`, 30);
    return [l.sourcePk];
  });

  each("zero_trip_days", (rng) => {
    const lead = d + rng.pick(normal(-21, -6));
    const l = b.cabinetLead(rng, lead);
    for (let k = 1; k <= 5; k++) b.trip(l.driver as string, lead + k, 0);
    return [l.sourcePk];
  });

  each("boundary_day13", (rng) => {
    const lead = d + rng.pick(normal(-21, -15));
    const l = b.cabinetLead(rng, lead);
    trips(l.driver as string, lead, [
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [13, 1], // the 5th trip on day 13: M5 reached
      [14, 20], // day 14 does not count (else M25 would be reached)
    ]);
    return [l.sourcePk];
  });

  each("boundary_day14", (rng) => {
    const lead = d + rng.pick(normal(-21, -15));
    const l = b.cabinetLead(rng, lead);
    trips(l.driver as string, lead, [
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [14, 1], // the 5th trip on day 14: M5 not reached
    ]);
    return [l.sourcePk];
  });

  each("reupload_duplicate", (rng) => {
    const lead = d + rng.pick(normal(-21, -5));
    const l = b.cabinetLead(rng, lead, { external: true });
    const external = b.ds.leads.at(-1)?.external_id as string;
    b.lead(rng, lead + rng.int(1, 2), rng.int(8 * 3600, 20 * 3600), external);
    for (let k = 1; k <= 8; k++) b.trip(l.driver as string, lead + k, 2);
    return [l.sourcePk];
  });

  each("multi_driver_person", (rng) => {
    const lead = d + rng.pick(normal(-21, -7));
    const old = b.driver(rng, lead - 400);
    const l = b.cabinetLead(rng, lead);
    b.linkDriver(l.person as string, old, timestampOf(lead - 300, 9 * 3600));
    for (let k = 1; k <= 10; k++) b.trip(old, lead + k, 3); // the old account: never counts
    for (let k = 1; k <= 3; k++) b.trip(l.driver as string, lead + k, 1);
    return [l.sourcePk];
  });

  each("no_lead_date", (rng) => {
    const l = b.cabinetLead(rng, null, { identity: true });
    if (l.driver) for (let k = 1; k <= 5; k++) b.trip(l.driver, d - 10 + k, 3);
    return [l.sourcePk];
  });

  each("fleet_migration", (rng) => {
    const day = d + rng.int(-21, -1);
    const person = b.person(rng);
    const x = b.driver(rng, day);
    b.event(person, "fleet_migration", "fleet_migration", timestampOf(day, 9 * 3600), null);
    b.linkDriver(person, x, timestampOf(day, 10 * 3600));
    for (let k = 1; k <= 12; k++) b.trip(x, day + k, 3);
    return [];
  });
}

/** Payments for most claims due at least 5 days ago (matched on the snapshot's claims). */
function payments(b: Builder, rng: Rng): void {
  const model = buildModel(b.ds);
  const rows: PaymentRow[] = [];
  const claims = [...model.before.claims].sort(
    (x, y) =>
      (x.driver_id < y.driver_id ? -1 : x.driver_id > y.driver_id ? 1 : 0) ||
      x.milestone_value - y.milestone_value,
  );
  for (const c of claims) {
    if (dayOf(c.due_date) > b.d - 5 || !rng.chance(0.7)) continue;
    const paidDay = Math.min(b.d - 1, dayOf(c.due_date) + rng.int(1, 10));
    rows.push({
      id: rows.length + 1,
      driver_id: c.driver_id,
      milestone_value: c.milestone_value,
      lead_date: c.lead_date,
      amount: c.expected_amount,
      paid_at: timestampOf(paidDay, 12 * 3600),
    });
  }
  b.ds.payments = rows;
}

type Tally = Record<string, number>;

/** What the generator planted and what the job must decide, for every gap row in the window. */
export interface GroundTruth {
  asOf: string;
  seed: number | null;
  scale: number | null;
  daysBack: number;
  /** Rows per table (summary_daily includes the late rows; summary_daily_late counts them apart). */
  counts: Record<string, number>;
  loadMs: number;
  rowsPerSecond: number;
  /** Durations of the snapshot refresh of each claims MV (ms), when loaded. */
  refreshMs: Record<string, number>;
  /** Every gap-view row with lead_date >= asOf - daysBack, in the job's order. */
  windowRows: WindowRow[];
  /** claim_status counts of the window as generated (stale claims MVs) and after refreshing them. */
  byStatus: Tally;
  byStatusAfterRefresh: Tally;
  /** gap_reason counts of the window (key "NULL" for rows with a claim, whose gap_reason is NULL). */
  byReason: Tally;
  byReasonAfterRefresh: Tally;
  byVerdict: { dryRun: Tally; afterRefresh: Tally };
  byInvalidReason: Tally;
  byDiagnosis: Tally;
  /** Window rows per mode ('normal' for unplanted leads). */
  byMode: Tally;
  /** Leads planted per mode (all, including those outside the gap view). */
  plantedLeads: Tally;
  /** MISSING rows that a refresh in order turns OK: query 1's CLAIM_NOT_GENERATED count drops by this. */
  staleMvGaps: number;
  /** Sum of expected_amount over rows still missing after the refresh (decimal string). */
  amountStillMissing: string;
}

const tally = (items: Iterable<string>): Tally => {
  const out: Tally = {};
  for (const k of items) out[k] = (out[k] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
};

/** Ground truth of a dataset (generated or hand-made) without touching a database. */
export function groundTruthOf(
  ds: Dataset,
  meta: { seed?: number; scale?: number; daysBack?: number; load?: LoadResult } = {},
): GroundTruth {
  const daysBack = meta.daysBack ?? DEFAULT_DAYS_BACK;
  const model = buildModel(ds);
  const rows = expectedDecisions(ds, model, daysBack);
  const cents = rows
    .filter((r) => r.expected.afterRefresh === "STILL_MISSING")
    .reduce((sum, r) => sum + ({ 1: 2500, 5: 3500, 25: 10000 }[r.milestone_value] ?? 0), 0);
  const planted = tally(Object.values(ds.modes));
  return {
    asOf: ds.asOf,
    seed: meta.seed ?? null,
    scale: meta.scale ?? null,
    daysBack,
    counts: rowCounts(ds),
    loadMs: meta.load?.loadMs ?? 0,
    rowsPerSecond: meta.load?.rowsPerSecond ?? 0,
    refreshMs: meta.load?.refreshMs ?? {},
    windowRows: rows,
    byStatus: tally(rows.map((r) => r.claim_status)),
    byStatusAfterRefresh: tally(rows.map((r) => r.claim_status_after_refresh)),
    byReason: tally(rows.map((r) => r.gap_reason ?? "NULL")),
    byReasonAfterRefresh: tally(
      model.after.gap
        .filter((g) => dayOf(g.lead_date) >= dayOf(ds.asOf) - daysBack)
        .map((g) => g.gap_reason ?? "NULL"),
    ),
    byVerdict: {
      dryRun: tally(rows.map((r) => r.expected.dryRun)),
      afterRefresh: tally(rows.map((r) => r.expected.afterRefresh)),
    },
    byInvalidReason: tally(
      rows.flatMap((r) => (r.expected.invalid_reason ? [r.expected.invalid_reason] : [])),
    ),
    byDiagnosis: tally(rows.flatMap((r) => (r.expected.diagnosis ? [r.expected.diagnosis] : []))),
    byMode: tally(rows.map((r) => r.mode)),
    plantedLeads: planted,
    staleMvGaps: rows.filter((r) => r.claim_status === "MISSING" && r.claim_status_after_refresh === "OK")
      .length,
    amountStillMissing: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`,
  };
}

export interface GenerateOptions {
  seed: number;
  scale: number;
  /** Default: the database's CURRENT_DATE. */
  asOf?: string;
  historyDays?: number;
  /** Window of the ground truth (default 21, the job's default --days-back). */
  daysBack?: number;
}

/**
 * Builds the dataset, loads it (TRUNCATE + COPY), refreshes the claims MVs at the snapshot point, loads the
 * late trips (so the claims MVs are stale exactly for the planted stale_mv rows) and returns the ground
 * truth with load statistics.
 */
export async function generate(
  client: pg.ClientBase,
  opts: GenerateOptions,
): Promise<GroundTruth & { dataset: Dataset }> {
  const asOf =
    opts.asOf ??
    (await client.query<{ d: string }>("SELECT to_char(CURRENT_DATE, 'YYYY-MM-DD') AS d")).rows[0]?.d;
  if (!asOf) throw new Error("could not read CURRENT_DATE");
  const dataset = buildDataset({ seed: opts.seed, scale: opts.scale, asOf, historyDays: opts.historyDays });
  const load = await loadDataset(client, dataset);
  const truth = groundTruthOf(dataset, { seed: opts.seed, scale: opts.scale, daysBack: opts.daysBack, load });
  return { ...truth, dataset };
}

/** Human summary of a ground truth (the CLI's --print). */
export function describeGroundTruth(t: GroundTruth): string {
  const line = (label: string, tl: Tally) =>
    `${label.padEnd(26)} ${Object.entries(tl)
      .map(([k, v]) => `${k}=${v}`)
      .join("  ")}`;
  return [
    `asOf ${t.asOf}  seed ${t.seed}  scale ${t.scale}  window: lead_date >= asOf - ${t.daysBack}`,
    line("rows per table", t.counts),
    t.loadMs > 0
      ? `loaded in ${t.loadMs} ms (${t.rowsPerSecond} rows/s); refresh ms ${JSON.stringify(t.refreshMs)}`
      : "",
    `window rows ${t.windowRows.length}; stale-MV gaps ${t.staleMvGaps}; amount still missing ${t.amountStillMissing}`,
    line("claim_status", t.byStatus),
    line("claim_status after refresh", t.byStatusAfterRefresh),
    line("gap_reason", t.byReason),
    line("gap_reason after refresh", t.byReasonAfterRefresh),
    line("verdict (dry run)", t.byVerdict.dryRun),
    line("verdict (after refresh)", t.byVerdict.afterRefresh),
    line("invalid_reason", t.byInvalidReason),
    line("diagnosis", t.byDiagnosis),
    line("window rows per mode", t.byMode),
    line("planted leads per mode", t.plantedLeads),
  ]
    .filter(Boolean)
    .join("\n");
}

export { PLANTED_MODES };

async function main(argv: string[]): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(
      "Usage: npx tsx reference/generator.ts [--seed 1] [--scale 1] [--as-of YYYY-MM-DD] [--json]\n\n" +
        "Prints the ground truth of the generated data; with DATABASE_URL set, also loads it there (into an\n" +
        "already migrated reference schema). To create the schema too: reconcile-cabinet-claims-14d reference load.",
    );
    return;
  }
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const seed = Number(arg("--seed") ?? 1);
  const scale = Number(arg("--scale") ?? 1);
  const url = process.env.DATABASE_URL;
  let truth: GroundTruth;
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { dataset: _dataset, ...rest } = await generate(client, { seed, scale, asOf: arg("--as-of") });
      truth = rest;
    } finally {
      await client.end();
    }
  } else {
    const asOf = arg("--as-of") ?? new Date().toISOString().slice(0, 10);
    truth = groundTruthOf(buildDataset({ seed, scale, asOf }), { seed, scale });
  }
  if (argv.includes("--json")) console.log(JSON.stringify(truth, null, 2));
  else console.log(describeGroundTruth(truth));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
