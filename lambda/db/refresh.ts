/**
 * Executes one step of the refresh plan in its own transaction with its own `lock_timeout` and
 * `statement_timeout`, so a refresh blocked behind another session, or slower than its budget, fails
 * alone instead of stalling the run. REFRESH is transactional: a failed one leaves the previous rows.
 */
import type pg from "pg";
import type { RefreshOutcome, RefreshStep } from "../core/types.js";
import { errorCode, isConnectionError } from "../errors.js";
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
