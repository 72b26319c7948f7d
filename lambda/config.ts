import type { ObjectNameOverrides } from "./params.js";

/**
 * Names of the objects the job reads (docs/contract.md §2). Defaults are the deployed names; every one can be
 * overridden (flag, environment, event field), because deployments name things differently.
 */
export interface ObjectNames {
  gapView: string;
  claimsView: string;
  achievedView: string;
  paymentCalcView: string;
  tripsTable: string;
}

export const DEFAULT_OBJECTS: Readonly<ObjectNames> = {
  gapView: "ops.v_cabinet_claims_gap_14d",
  claimsView: "ops.v_claims_payment_status_cabinet",
  achievedView: "ops.v_cabinet_milestones_achieved_from_payment_calc",
  paymentCalcView: "ops.v_payment_calculation",
  tripsTable: "public.summary_daily",
};

/** The claims ledger the job records proven claims in when `recordClaims` is on (docs/contract.md §10.2). */
export const DEFAULT_CLAIMS_LEDGER = "canon.claims_yango_cabinet_14d";

/** `MISSING` is the runbook's word; deployed gap views emit `CLAIM_NOT_GENERATED`. Both are gaps. */
export const DEFAULT_GAP_STATUSES: readonly string[] = ["MISSING", "CLAIM_NOT_GENERATED"];

/** The business day's zone: where the fleet works (Peru, no daylight saving). The one default of it. */
export const DEFAULT_TIME_ZONE = "America/Lima";

export interface ReconcileOptions {
  objects?: Partial<ObjectNames>;
  /** The claims ledger (default `DEFAULT_CLAIMS_LEDGER`); a run's `claimsLedger` parameter wins. */
  claimsLedger?: string;
  gapStatuses?: readonly string[];
  /** IANA zone for the database session, so `CURRENT_DATE` is the business day (default `DEFAULT_TIME_ZONE`). */
  timeZone?: string;
  /** Per-refresh `lock_timeout` (default 10 s): a refresh never waits long behind another session. */
  refreshLockTimeoutMs?: number;
  /** Per-refresh `statement_timeout` (default 5 min: several times a deployed refresh, docs/domain.md). */
  refreshStatementTimeoutMs?: number;
  /** `statement_timeout` for the job's read queries (default 2 min). */
  statementTimeoutMs?: number;
  /**
   * `lock_timeout` for the job's reads (default `DEFAULT_LOCK_TIMEOUT_MS`): a read waiting longer on a lock
   * (a plain REFRESH, a DDL) fails as `LockWaitError` instead of running into the statement timeout.
   */
  lockTimeoutMs?: number;
  /** Rows fetched per cursor page when streaming decisions (default 5,000). */
  pageSize?: number;
  /** Key of the session-level advisory lock that keeps runs from overlapping. */
  lockKey?: bigint;
}

export interface ResolvedOptions {
  objects: ObjectNames;
  claimsLedger: string;
  gapStatuses: readonly string[];
  timeZone: string;
  refreshLockTimeoutMs: number;
  refreshStatementTimeoutMs: number;
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  pageSize: number;
  lockKey: bigint;
}

/** The reads' `lock_timeout` unless configured (`--lock-timeout`, `LOCK_TIMEOUT_MS`, event `lockTimeoutMs`). */
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

/** A fixed key, derived once from the job's name (any 64-bit constant works; it must not change). */
export const DEFAULT_LOCK_KEY = 0x52_43_43_31_34_44n; // "RCC14D"

export function resolveOptions(
  options: ReconcileOptions = {},
  overrides?: ObjectNameOverrides,
): ResolvedOptions {
  const defined = <T extends object>(o: T | undefined) =>
    Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined && v !== "")) as Partial<T>;
  return {
    objects: { ...DEFAULT_OBJECTS, ...defined(options.objects), ...defined(overrides) },
    claimsLedger: options.claimsLedger || DEFAULT_CLAIMS_LEDGER,
    gapStatuses:
      options.gapStatuses && options.gapStatuses.length > 0 ? options.gapStatuses : DEFAULT_GAP_STATUSES,
    timeZone: options.timeZone ?? DEFAULT_TIME_ZONE,
    refreshLockTimeoutMs: options.refreshLockTimeoutMs ?? 10_000,
    refreshStatementTimeoutMs: options.refreshStatementTimeoutMs ?? 300_000,
    statementTimeoutMs: options.statementTimeoutMs ?? 120_000,
    lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    pageSize: options.pageSize ?? 5_000,
    lockKey: options.lockKey ?? DEFAULT_LOCK_KEY,
  };
}
