import * as z from "zod";
import { isIsoDate, isMonday } from "./core/dates.js";
import { DEFAULT_MAX_RECORD } from "./core/ledger.js";
import type { RunParameters } from "./core/types.js";
import { InputError } from "./errors.js";

/**
 * Run parameters (docs/contract.md §3), one schema for every caller: the CLI, a manual or scheduled Lambda
 * invoke and a Step Functions task. camelCase fields; the runbook's snake_case spellings are accepted as
 * aliases. Unknown fields are rejected (a typo such as `dayBack` must not silently run with defaults).
 */

const MILESTONES = [1, 5, 25] as const;
export type Milestone = (typeof MILESTONES)[number];

/** Largest `limit` accepted: beyond it a run would not fit a Lambda's 15 minutes anyway. */
export const MAX_LIMIT = 10_000_000;

// `abort`: zod 4 runs later refinements after a failed one, and `isMonday` throws on a non-date.
const isoDate = z.string().refine(isIsoDate, { message: "must be a date written YYYY-MM-DD", abort: true });
/** Optional fields also accept `null` (Step Functions passes nulls through). */
const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? null);

const objectName = z.string().min(1).max(200);

/** Configurable object names (docs/contract.md §2); each is `schema.name` or a bare name in `public`. */
const ObjectNamesSchema = z.strictObject({
  gapView: objectName.optional(),
  claimsView: objectName.optional(),
  achievedView: objectName.optional(),
  paymentCalcView: objectName.optional(),
  tripsTable: objectName.optional(),
});

const RunParametersSchema = z.strictObject({
  daysBack: z.int().min(0).max(3650).default(21),
  limit: z.int().min(1).max(MAX_LIMIT).default(1000),
  onlyGaps: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  onlyMilestone: optional(z.union(MILESTONES.map((m) => z.literal(m)))),
  weekStart: optional(isoDate.refine(isMonday, { message: "must be a Monday (the start of an ISO week)" })),
  forceRefresh: z.boolean().default(false),
  /**
   * After the re-verify, refresh the materialized views that read the claims view, so a resolved claim
   * reaches them (docs/contract.md §9.3). Only when the upstream refresh ran or was forced.
   */
  refreshDependents: z.boolean().default(true),
  asOf: optional(isoDate),
  /** Write the claims the run proves into the claims ledger (docs/contract.md §10.2). Off by default. */
  recordClaims: z.boolean().default(false),
  /** The claims ledger (`schema.name`; default `DEFAULT_CLAIMS_LEDGER`). */
  claimsLedger: optional(objectName),
  /** More claims to record than this records none and exits 3: a bound on a write to money. */
  maxRecord: z.int().min(0).max(MAX_LIMIT).default(DEFAULT_MAX_RECORD),
  /** Object name overrides for this run (event field `objects`). */
  objects: ObjectNamesSchema.optional(),
  /** `claim_status` words that mean "gap" for this run. */
  gapStatuses: z
    .array(
      z
        .string()
        .min(1)
        .max(100)
        .refine((word) => !word.includes("\0"), { message: "must not contain a NUL character" }),
    )
    .min(1)
    .max(20)
    .optional(),
  /** `lock_timeout` of the reads (ms): a read waiting longer on a lock fails as `LockWaitError`. */
  lockTimeoutMs: z.int().min(1).max(3_600_000).optional(),
});

/** Object names a run overrides (`objects`); the others keep the instance's or the default. */
export interface ObjectNameOverrides {
  gapView?: string;
  claimsView?: string;
  achievedView?: string;
  paymentCalcView?: string;
  tripsTable?: string;
}

/**
 * What a caller passes to `runReconcile`: every field optional (the defaults of docs/contract.md §3), `null`
 * meaning "not given" where Step Functions may pass one. Written out rather than inferred from the schema so
 * that the package's type declarations need no zod; the schema must accept exactly this (checked below).
 */
export interface RunParametersInput {
  daysBack?: number;
  limit?: number;
  onlyGaps?: boolean;
  dryRun?: boolean;
  onlyMilestone?: 1 | 5 | 25 | null;
  weekStart?: string | null;
  forceRefresh?: boolean;
  refreshDependents?: boolean;
  asOf?: string | null;
  recordClaims?: boolean;
  claimsLedger?: string | null;
  maxRecord?: number;
  objects?: ObjectNameOverrides;
  gapStatuses?: string[];
  lockTimeoutMs?: number;
}
export type { RunParameters };

// The schema validates from RunParametersInput into the core's RunParameters, field for field: a drift
// either side is a compile error here. `Required` because two types of optional fields only are assignable
// to each other whatever their names.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShape: Same<z.output<typeof RunParametersSchema>, RunParameters> = true;
const sameInput: Same<Required<z.input<typeof RunParametersSchema>>, Required<RunParametersInput>> = true;
const sameObjects: Same<Required<z.output<typeof ObjectNamesSchema>>, Required<ObjectNameOverrides>> = true;
void sameShape;
void sameInput;
void sameObjects;

const ALIASES: Readonly<Record<string, string>> = {
  days_back: "daysBack",
  only_gaps: "onlyGaps",
  dry_run: "dryRun",
  only_milestone: "onlyMilestone",
  week_start: "weekStart",
  force_refresh: "forceRefresh",
  refresh_dependents: "refreshDependents",
  as_of: "asOf",
  record_claims: "recordClaims",
  claims_ledger: "claimsLedger",
  max_record: "maxRecord",
  gap_statuses: "gapStatuses",
  lock_timeout_ms: "lockTimeoutMs",
};

/** Renames snake_case aliases; a field given under both spellings is an error, not a silent choice. */
function canonicalKeys(input: Record<string, unknown>): {
  value: Record<string, unknown>;
  conflicts: string[];
} {
  const value: Record<string, unknown> = {};
  const conflicts: string[] = [];
  for (const [key, raw] of Object.entries(input)) {
    // Own keys only: "constructor" or "__proto__" must not find Object.prototype's members.
    const name = Object.hasOwn(ALIASES, key) ? (ALIASES[key] as string) : key;
    if (Object.hasOwn(value, name)) conflicts.push(name);
    // Defined, not assigned: a JSON key "__proto__" must stay a key (reported as unknown), not a prototype.
    Object.defineProperty(value, name, { value: raw, enumerable: true, writable: true, configurable: true });
  }
  return { value, conflicts };
}

function describeIssue(issue: z.core.$ZodIssue): Array<{ field: string; message: string }> {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      field: [...issue.path.map(String), key].join("."),
      message: "is not a known parameter",
    }));
  }
  const field = issue.path.length > 0 ? issue.path.map(String).join(".") : "(input)";
  let message = issue.message;
  if (issue.code === "invalid_type")
    message = `must be ${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}`;
  if (issue.code === "too_small" && issue.origin === "number") message = `must be at least ${issue.minimum}`;
  if (issue.code === "too_big" && issue.origin === "number") message = `must be at most ${issue.maximum}`;
  if (issue.code === "invalid_union" && field === "onlyMilestone") message = "must be 1, 5 or 25";
  return [{ field, message }];
}

/**
 * Validates parameters from any caller. Throws `InputError` listing every bad field, e.g.
 * `invalid parameters: daysBack must be at least 0; weekStart must be a Monday (...)`.
 */
export function parseRunParameters(input: unknown): RunParameters {
  if (input === undefined || input === null) input = {};
  if (typeof input !== "object" || Array.isArray(input)) {
    throw new InputError("invalid parameters: expected a JSON object", [
      { field: "(input)", message: "must be an object" },
    ]);
  }
  const { value, conflicts } = canonicalKeys(input as Record<string, unknown>);
  const issues = conflicts.map((field) => ({ field, message: "is given twice (camelCase and snake_case)" }));
  const result = RunParametersSchema.safeParse(value);
  if (!result.success) issues.push(...result.error.issues.flatMap(describeIssue));
  if (issues.length > 0 || !result.success) {
    const text = issues.map((i) => `${i.field} ${i.message}`).join("; ");
    throw new InputError(`invalid parameters: ${text}`, issues);
  }
  return result.data;
}
