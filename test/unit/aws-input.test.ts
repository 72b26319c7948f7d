import { describe, expect, it } from "vitest";
import { parseEvent } from "../../lambda/aws/input.js";
import { InputError } from "../../lambda/errors.js";
import { parseRunParameters } from "../../lambda/params.js";
import { SCHEDULED_EVENT, SCHEDULER_EVENT, STEP_FUNCTIONS_PAYLOAD } from "../support/lambda-events.js";

const DEFAULTS = parseRunParameters({});

function inputError(event: unknown): InputError {
  try {
    parseEvent(event);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).name).toBe("InputError");
    return error as InputError;
  }
  throw new Error("expected an InputError");
}

describe("parseEvent", () => {
  it("EventBridge Scheduler / Step Functions raw input", () => {
    const parsed = parseEvent(SCHEDULER_EVENT);
    expect(parsed.source).toBe("direct");
    expect(parsed.params).toEqual(DEFAULTS);
    expect(parseEvent({ days_back: 7, dry_run: true, only_milestone: 5 }).params).toMatchObject({
      daysBack: 7,
      dryRun: true,
      onlyMilestone: 5,
    });
    expect(parseEvent(STEP_FUNCTIONS_PAYLOAD).params).toMatchObject({
      daysBack: 30,
      limit: 500,
      onlyGaps: true,
    });
  });

  it("empty payloads mean every default", () => {
    for (const event of [undefined, null, "", {}]) {
      expect(parseEvent(event)).toEqual({ source: "direct", params: DEFAULTS });
    }
  });

  it("an EventBridge rule's Scheduled Event (detail {}) means every default", () => {
    expect(parseEvent(SCHEDULED_EVENT)).toEqual({ source: "eventbridge-rule", params: DEFAULTS });
  });

  it("an EventBridge rule envelope carries the parameters in detail", () => {
    const parsed = parseEvent({
      ...SCHEDULED_EVENT,
      "detail-type": "ReconcileRequested",
      source: "fleet.ops",
      detail: { dryRun: true, weekStart: "2026-11-16" },
    });
    expect(parsed.params).toMatchObject({ dryRun: true, weekStart: "2026-11-16" });
  });

  it("parsed parameters validate again unchanged (the core parses them too)", () => {
    const { params } = parseEvent({ daysBack: 3, onlyMilestone: 25, gap_statuses: ["MISSING"] });
    expect(parseRunParameters(params)).toEqual(params);
  });

  it("lists each bad field", () => {
    const error = inputError({ daysBack: -1, limit: "many", weekStart: "2026-11-17", dayBack: 3 });
    const fields = error.issues.map((i) => i.field).sort();
    expect(fields).toEqual(["dayBack", "daysBack", "limit", "weekStart"]);
    expect(error.message).toMatch(/daysBack must be at least 0/);
    expect(error.message).toMatch(/weekStart must be a Monday/);
    expect(error.message).toMatch(/dayBack is not a known parameter/);
  });

  it("rejects payloads that are not objects", () => {
    for (const event of ["dryRun", 42, [1, 2], true])
      expect(inputError(event).issues.length).toBeGreaterThan(0);
  });

  it("names bad fields inside an envelope by their place in the event", () => {
    const error = inputError({ ...SCHEDULED_EVENT, detail: { limit: 0 } });
    expect(error.issues).toEqual([{ field: "detail.limit", message: "must be at least 1" }]);
  });

  it("a broken envelope is an InputError naming the envelope fields", () => {
    const { time: _time, ...noTime } = SCHEDULED_EVENT;
    const error = inputError({ ...noTime, account: 123 });
    expect(error.message).toMatch(/invalid EventBridge envelope/);
    expect(error.issues.map((i) => i.field).sort()).toEqual(["account", "time"]);
  });
});
