/**
 * Which proven claims go into the claims ledger (docs/contract.md §10.2), decided purely from the finished
 * rows and what the ledger already holds. The database side (`db/ledger.ts`) reads the ledger's keys and
 * writes the candidates in one statement; nothing here touches a database.
 *
 * A ledger row is money a person or a payment acts on, so the rules are strict: only a claim the claims view
 * holds under the row's own lead date (`ALREADY_EXISTS`, `RESOLVED`), priced above 0 by its rule with no
 * disagreement between rules, with a person key; never a change to a row the ledger already has, whatever
 * its status.
 */
import { AmountSum } from "./amounts.js";
import type { LedgerOutcome, LedgerState, LedgerWhy, ReportRow, Verdict } from "./types.js";

/** At most this many claims recorded by one run unless the caller says otherwise (`maxRecord`). */
export const DEFAULT_MAX_RECORD = 1000;

/** The job's name in the ledger's `reason`; `ledger undo` finds a run's rows by the whole text. */
export const LEDGER_REASON_PREFIX = "reconcile-cabinet-claims-14d run ";

export function ledgerReason(runId: string): string {
  return `${LEDGER_REASON_PREFIX}${runId}`;
}

/** The verdicts that prove a claim: the claims view holds it under the row's own lead date. */
const PROVEN: ReadonlySet<Verdict> = new Set(["ALREADY_EXISTS", "RESOLVED"]);

/** The ledger's key of a row: `(person_key, lead_date, milestone)`, or null when a part is missing. */
export function ledgerKeyOf(
  row: Pick<ReportRow, "person_key" | "lead_date" | "milestone_value">,
): string | null {
  const person = row.person_key;
  if (person === null || person === undefined || person === "" || row.lead_date === null) return null;
  if (row.milestone_value === null) return null;
  return JSON.stringify([person, row.lead_date, row.milestone_value]);
}

/** Ledger columns that must have a value in the row (NOT NULL without a default in this ledger). */
export interface LedgerRequired {
  readonly leadSourcePk: boolean;
  readonly driverId: boolean;
  /** The ledger's person key is a `uuid`: a key that is not one is left out, not allowed to fail the write. */
  readonly uuidPersonKey?: boolean;
}

/** The canonical text form only: the ledger's keys are compared as their canonical text. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why one row cannot be recorded (first match wins), or null when it can. */
export function notRecordable(row: ReportRow, required: LedgerRequired): LedgerWhy | null {
  if (!PROVEN.has(row.verdict)) return "NOT_PROVEN";
  if (ledgerKeyOf(row) === null) return "NO_PERSON_KEY";
  if (required.uuidPersonKey && !UUID.test(row.person_key as string)) return "INVALID_PERSON_KEY";
  if (row.amount_source !== "rule" || !(Number(row.amount) > 0)) return "NO_RULE_AMOUNT";
  if (row.amount_conflict !== null) return "AMOUNT_CONFLICT";
  if (required.leadSourcePk && (row.lead_source_pk === null || row.lead_source_pk === undefined))
    return "MISSING_VALUE";
  if (required.driverId && row.driver_id === null) return "MISSING_VALUE";
  return null;
}

/** One claim to write: the values of the lowest-`ord` row of its ledger key. */
export interface LedgerCandidate {
  readonly key: string;
  readonly person_key: string;
  readonly lead_date: string;
  readonly milestone: number;
  readonly amount: string;
  readonly driver_id: string | null;
  readonly lead_source_pk: string | null;
}

export interface LedgerPlan {
  /** Every row with its ledger state as far as the data decides it (`would_record` for the candidates). */
  readonly rows: ReportRow[];
  readonly candidates: LedgerCandidate[];
}

/**
 * Decides each row's ledger state. All rows of one ledger key (a lead uploaded twice) share the state of the
 * lowest-`ord` one, so a key is recorded once and its money counted once. `present` maps a ledger key to the
 * ledger's status word.
 */
export function planLedger(
  rows: readonly ReportRow[],
  present: ReadonlyMap<string, string>,
  required: LedgerRequired,
): LedgerPlan {
  const byKey = new Map<string, Pick<ReportRow, "ledger" | "ledger_status" | "ledger_why">>();
  const candidates: LedgerCandidate[] = [];
  const ordered = [...rows].sort((a, b) => a.ord - b.ord);
  const planned = new Map<number, Pick<ReportRow, "ledger" | "ledger_status" | "ledger_why">>();
  for (const row of ordered) {
    const key = ledgerKeyOf(row);
    const shared = key === null ? undefined : byKey.get(key);
    if (shared) {
      planned.set(row.ord, shared);
      continue;
    }
    let state: Pick<ReportRow, "ledger" | "ledger_status" | "ledger_why">;
    const status = key === null ? undefined : present.get(key);
    if (status !== undefined) {
      state = { ledger: "present", ledger_status: status, ledger_why: null };
    } else {
      const why = notRecordable(row, required);
      if (why !== null || key === null) {
        state = { ledger: "not_recorded", ledger_status: null, ledger_why: why ?? "NO_PERSON_KEY" };
      } else {
        state = { ledger: "would_record", ledger_status: null, ledger_why: null };
        candidates.push({
          key,
          person_key: row.person_key as string,
          lead_date: row.lead_date as string,
          milestone: row.milestone_value as number,
          amount: row.amount,
          driver_id: row.driver_id,
          lead_source_pk: row.lead_source_pk ?? null,
        });
      }
    }
    if (key !== null) byKey.set(key, state);
    planned.set(row.ord, state);
  }
  return { rows: rows.map((row) => ({ ...row, ...(planned.get(row.ord) as object) })), candidates };
}

/** How the write went, as the database side reports it. */
export type LedgerWrite =
  | { readonly kind: "dry_run" }
  | { readonly kind: "not_permitted"; readonly why: string }
  | { readonly kind: "over_max_record"; readonly max: number }
  | { readonly kind: "failed"; readonly error: string }
  /** Written: the keys the INSERT actually added (a key another writer added meanwhile is not among them). */
  | { readonly kind: "written"; readonly inserted: ReadonlySet<string> };

/** A write the run will not attempt, or `null`: go ahead and write the candidates. */
export function refusedWrite(
  plan: LedgerPlan,
  run: { readonly dryRun: boolean; readonly notWritable: string | null; readonly maxRecord: number },
): Exclude<LedgerWrite, { kind: "failed" | "written" }> | null {
  if (plan.candidates.length === 0) return { kind: "dry_run" };
  // Checked in a dry run too: it says what a real run could not do.
  if (run.notWritable !== null) return { kind: "not_permitted", why: run.notWritable };
  if (run.dryRun) return { kind: "dry_run" };
  if (plan.candidates.length > run.maxRecord) return { kind: "over_max_record", max: run.maxRecord };
  return null;
}

/** What each kind of write leaves: the run's outcome, and the reason its candidates carry when refused. */
const SETTLED: Readonly<Record<LedgerWrite["kind"], { outcome: LedgerOutcome; why: LedgerWhy | null }>> = {
  dry_run: { outcome: "would_record", why: null },
  not_permitted: { outcome: "not_permitted", why: "NOT_PERMITTED" },
  over_max_record: { outcome: "over_max_record", why: "OVER_MAX_RECORD" },
  failed: { outcome: "write_failed", why: "WRITE_FAILED" },
  written: { outcome: "recorded", why: null },
};

/** The final state of every row and the tallies, once the write (or its refusal) is known. */
export function settleLedger(
  plan: LedgerPlan,
  write: LedgerWrite,
): { rows: ReportRow[]; outcome: LedgerOutcome; recorded: number; amount: string; error: string | null } {
  const inserted = write.kind === "written" ? write.inserted : new Set<string>();
  const amount = new AmountSum();
  let recorded = 0;
  for (const c of plan.candidates) {
    if (!inserted.has(c.key)) continue;
    recorded += 1;
    amount.add(c.amount);
  }
  const { outcome, why } = SETTLED[write.kind];
  const rows = plan.rows.map((row): ReportRow => {
    if (row.ledger !== "would_record") return row;
    if (why !== null) return { ...row, ledger: "not_recorded", ledger_why: why };
    if (write.kind !== "written") return row;
    // Not inserted although the ledger lacked it when read: another writer added the key in between.
    const state: LedgerState = inserted.has(ledgerKeyOf(row) as string) ? "recorded" : "present";
    return { ...row, ledger: state };
  });
  const error =
    write.kind === "not_permitted"
      ? write.why
      : write.kind === "over_max_record"
        ? `${plan.candidates.length} claims to record is more than max-record ${write.max}`
        : write.kind === "failed"
          ? write.error
          : null;
  return {
    rows,
    outcome: plan.candidates.length === 0 ? "nothing_to_record" : outcome,
    recorded,
    amount: amount.toString(),
    error,
  };
}

/**
 * Claimed gap rows that stay in the gap view for good: `ALREADY_EXISTS` under a gap status, less those this
 * run records (or, dry, would record), which leave it.
 */
export function claimedGapsStaying(rows: readonly ReportRow[], gapStatuses: ReadonlySet<string>): number {
  return rows.filter(
    (r) =>
      r.verdict === "ALREADY_EXISTS" &&
      gapStatuses.has(r.claim_status ?? "") &&
      r.ledger !== "recorded" &&
      r.ledger !== "would_record",
  ).length;
}

/** Outcomes after which a real run exits 3: it proved claims it could not record. */
export function ledgerNeedsAttention(outcome: LedgerOutcome | undefined): boolean {
  return outcome === "not_permitted" || outcome === "over_max_record" || outcome === "write_failed";
}

/**
 * Ledger keys a person decided against (`rejected`, `expired`) although the claims view holds the claim:
 * they stay in the gap view for good, and the job never changes them.
 */
export function decidedAgainst(rows: readonly ReportRow[]): Array<{
  person_key: string;
  lead_date: string;
  milestone: number;
  status: string;
}> {
  const seen = new Set<string>();
  const out: Array<{ person_key: string; lead_date: string; milestone: number; status: string }> = [];
  for (const row of rows) {
    if (row.ledger !== "present" || !PROVEN.has(row.verdict)) continue;
    if (row.ledger_status !== "rejected" && row.ledger_status !== "expired") continue;
    const key = ledgerKeyOf(row) as string;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      person_key: row.person_key as string,
      lead_date: row.lead_date as string,
      milestone: row.milestone_value as number,
      status: row.ledger_status,
    });
  }
  return out;
}
