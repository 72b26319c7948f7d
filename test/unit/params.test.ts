import { describe, expect, it } from "vitest";
import { InputError } from "../../lambda/errors.js";
import { parseRunParameters } from "../../lambda/params.js";
import { RUNBOOK_DEFAULTS } from "../support/run-parameters.js";

const rejection = (input: unknown): InputError => {
  try {
    parseRunParameters(input);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error("expected an InputError");
};

describe("parseRunParameters", () => {
  it("fills the runbook's defaults for an empty, null or {} payload", () => {
    const expected = RUNBOOK_DEFAULTS;
    expect(parseRunParameters({})).toEqual(expected);
    expect(parseRunParameters(undefined)).toEqual(expected);
    expect(parseRunParameters(null)).toEqual(expected);
  });

  it("accepts the snake_case spellings of the runbook", () => {
    const p = parseRunParameters({
      days_back: 7,
      only_gaps: true,
      dry_run: true,
      only_milestone: 25,
      week_start: "2026-11-16",
      as_of: "2026-11-20",
      force_refresh: true,
    });
    expect(p).toMatchObject({
      daysBack: 7,
      onlyGaps: true,
      dryRun: true,
      onlyMilestone: 25,
      weekStart: "2026-11-16",
      asOf: "2026-11-20",
      forceRefresh: true,
    });
  });

  it("names every bad field in one message", () => {
    const e = rejection({ daysBack: -1, limit: 0, weekStart: "2026-11-17", onlyMilestone: 3, dayBack: 1 });
    expect(e.issues.map((i) => i.field).sort()).toEqual([
      "dayBack",
      "daysBack",
      "limit",
      "onlyMilestone",
      "weekStart",
    ]);
    expect(e.message).toContain("weekStart must be a Monday");
    expect(e.message).toContain("onlyMilestone must be 1, 5 or 25");
    expect(e.message).toContain("dayBack is not a known parameter");
    expect(e.message.split("\n")).toHaveLength(1);
  });

  it("rejects wrong types, impossible dates and fields given twice", () => {
    expect(rejection({ limit: "5" }).message).toContain("limit must be a number");
    expect(rejection({ dryRun: "true" }).message).toContain("dryRun must be a boolean");
    expect(rejection({ daysBack: 1.5 }).issues[0]?.field).toBe("daysBack");
    expect(rejection({ asOf: "2025-02-29" }).message).toContain("asOf must be a date written YYYY-MM-DD");
    expect(rejection({ days_back: 1, daysBack: 2 }).message).toContain("daysBack is given twice");
    expect(rejection([1]).issues[0]?.field).toBe("(input)");
    expect(rejection("x").issues[0]?.field).toBe("(input)");
  });

  it("treats nulls from Step Functions as not set", () => {
    expect(parseRunParameters({ onlyMilestone: null, weekStart: null, asOf: null }).onlyMilestone).toBeNull();
  });

  it("keeps object names as data and rejects unknown object keys", () => {
    expect(parseRunParameters({ objects: { gapView: 'ops."x; DROP TABLE y"' } }).objects?.gapView).toBe(
      'ops."x; DROP TABLE y"',
    );
    expect(rejection({ objects: { gap: "x" } }).issues[0]?.field).toBe("objects.gap");
  });
});
