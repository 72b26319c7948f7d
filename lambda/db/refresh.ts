/**
 * Executes one step of the refresh plan in its own transaction with its own `lock_timeout` and
 * `statement_timeout`, so a refresh blocked behind another session, or slower than its budget, fails
 * alone instead of stalling the run. REFRESH is transactional: a failed one leaves the previous rows.
 */
import type pg from "pg";
import type { RefreshResult, RefreshStep } from "../core/types.js";
import { isConnectionError } from "../errors.js";
import { quoteQualified } from "./names.js";

export interface RefreshTimeouts {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

export async function refreshStep(
  client: pg.ClientBase,
  step: RefreshStep,
  timeouts: RefreshTimeouts,
): Promise<RefreshResult> {
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
    return { name: step.name, mode: step.mode, duration_ms: elapsed(started), ok: true, error: null };
  } catch (error) {
    // A lost connection is not a refresh failure: the session (lock, snapshot) is gone with it.
    if (isConnectionError(error)) throw error;
    await client.query("ROLLBACK").catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    return { name: step.name, mode: step.mode, duration_ms: elapsed(started), ok: false, error: message };
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
