/**
 * Executes one step of the refresh plan in its own transaction with its own `lock_timeout` and
 * `statement_timeout`, so a refresh blocked behind another session, or slower than its budget, fails
 * alone instead of stalling the run. REFRESH is transactional: a failed one leaves the previous rows.
 */
import type pg from "pg";
import { blockedBy, describeOutcome } from "../core/refresh-plan.js";
import { capFor, cutByDeadline, MIN_REFRESH_MS } from "../core/time-budget.js";
import type { RefreshOutcome, RefreshResult, RefreshStep } from "../core/types.js";
import { errorCode, isConnectionError, SQLSTATE } from "../errors.js";
import { quoteQualified } from "./names.js";

export interface RefreshTimeouts {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

/** Refreshes one view; the outcome carries the SQLSTATE of a failure, so nothing parses its message. */
export async function refreshStep(
  client: pg.ClientBase,
  step: RefreshStep,
  timeouts: RefreshTimeouts,
): Promise<{ outcome: RefreshOutcome; duration_ms: number }> {
  const started = performance.now();
  const target = quoteQualified({ schema: step.schema, name: step.relname });
  const concurrently = step.mode === "concurrently" ? "CONCURRENTLY " : "";
  try {
    await client.query("BEGIN");
    await client.query(
      "SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)",
      [
        `${Math.max(1, Math.floor(timeouts.lockTimeoutMs))}ms`,
        `${Math.max(1, Math.floor(timeouts.statementTimeoutMs))}ms`,
      ],
    );
    await client.query(`REFRESH MATERIALIZED VIEW ${concurrently}${target}`);
    await client.query("COMMIT");
    return { outcome: { kind: "ok" }, duration_ms: elapsed(started) };
  } catch (error) {
    // A lost connection is not a refresh failure: the session (lock, snapshot) is gone with it.
    if (isConnectionError(error)) throw error;
    await client.query("ROLLBACK").catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    return {
      outcome: { kind: "failed", sqlstate: errorCode(error) ?? null, message },
      duration_ms: elapsed(started),
    };
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

export interface StepsContext {
  /** Results so far (the upstream stage's, when refreshing dependents): a failure there skips dependants. */
  readonly previous: readonly RefreshResult[];
  /** The session's role, named in a refusal. */
  readonly role: string;
  /** Milliseconds this step may still use (time left less what is kept back), asked before each step. */
  readonly available: () => number;
  readonly lockTimeoutMs: number;
  readonly statementTimeoutMs: number;
  /** Steps not to refresh because they are fresh for every analysed row they could change, with how. */
  readonly fresh?: ReadonlyMap<string, string>;
  /** Told of each result as it happens (log, warnings, phase timing). */
  readonly onResult: (result: RefreshResult, cutByDeadline: boolean) => void;
}

/**
 * Runs the steps of one stage in order. A step is not attempted when it is fresh (`fresh`: its refresh
 * would change nothing a run is about, docs/contract.md §10.3), when a view it reads was not refreshed
 * (`skipped`), when the role may not refresh it (`not_permitted`), or when too little time is left
 * (`out_of_time`); otherwise it gets its own lock and statement timeouts, capped by the time left.
 */
export async function refreshSteps(
  client: pg.ClientBase,
  steps: readonly RefreshStep[],
  context: StepsContext,
): Promise<RefreshResult[]> {
  const results = new Map(context.previous.map((r) => [r.name, r]));
  const out: RefreshResult[] = [];
  for (const step of steps) {
    const blocker = blockedBy(step, results);
    const available = context.available();
    let outcome: RefreshOutcome;
    let duration_ms = 0;
    let cut = false;
    const fresh = context.fresh?.get(step.name);
    if (fresh !== undefined) outcome = { kind: "fresh", how: fresh };
    else if (blocker !== null) outcome = { kind: "skipped", because: blocker };
    else if (!step.permitted) outcome = { kind: "not_permitted", role: context.role, owner: step.owner };
    else if (available < MIN_REFRESH_MS) {
      outcome = { kind: "out_of_time" };
      cut = true;
    } else {
      const cap = capFor(available, context.statementTimeoutMs);
      ({ outcome, duration_ms } = await refreshStep(client, step, {
        lockTimeoutMs: Math.min(context.lockTimeoutMs, cap.ms),
        statementTimeoutMs: cap.ms,
      }));
      // Cancelled by a statement timeout the deadline imposed (not the configured cap): partial, not failed.
      cut = cutByDeadline(outcome.kind === "failed" && outcome.sqlstate === SQLSTATE.QUERY_CANCELED, cap);
    }
    const result: RefreshResult = {
      name: step.name,
      stage: step.stage,
      mode: step.mode,
      duration_ms,
      ok: outcome.kind === "ok",
      error: describeOutcome(outcome),
      outcome,
    };
    results.set(step.name, result);
    out.push(result);
    context.onResult(result, cut);
  }
  return out;
}
