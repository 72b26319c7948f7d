/**
 * A short soak inside `npm test`: 40 consecutive runs on generated reference data while a background
 * writer adds leads and trips, through the same engine as `npm run soak` (scripts/soak.ts, 200 runs by
 * default). Every run's invariants hold (metrics equal the verdicts streamed, processed = should + already
 * + invalid, amounts add up exactly), no session is left behind, the pool never holds more than its two.
 * Memory growth is only judged by the long soak (40 runs are too few to tell a leak from noise).
 */
import { describe, expect, it } from "vitest";
import { runSoak } from "../../scripts/soak.js";
import { useTestDatabase } from "../support/db.js";

const RUNS = 40;

describe("soak (short)", () => {
  const db = useTestDatabase();

  it(`${RUNS} runs under a concurrent writer: every invariant holds, no session leaks`, async () => {
    const result = await runSoak({ url: db().url, runs: RUNS, scale: 0.1, asOf: "2026-11-24" });
    expect(result.failures).toEqual([]);
    expect(result.statuses).toEqual({ completed: RUNS });
    // The writer really wrote while the job ran, and the job saw the window grow.
    expect(result.writer.errors).toBe(0);
    expect(result.writer.batches).toBeGreaterThan(RUNS);
    expect(result.gapsFound.last).toBeGreaterThan(result.gapsFound.first);
    expect(result.sessions.betweenRunsMax).toBeLessThanOrEqual(2);
    expect(result.sessions.after).toBe(result.sessions.before);
  });
});
