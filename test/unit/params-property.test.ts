/**
 * Bad input, generated: thousands of events thrown at the parameter parser (and at the Lambda's event
 * parser, which wraps it). Every one is either accepted with exactly the values it holds (defaults for the
 * rest), or rejected with an `InputError` whose issues name the field that is wrong; nothing else escapes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseEvent } from "../../lambda/aws/input.js";
import { addDays, isMonday } from "../../lambda/core/dates.js";
import { InputError } from "../../lambda/errors.js";
import { MAX_LIMIT, parseRunParameters, type RunParameters } from "../../lambda/params.js";
import { RUNBOOK_DEFAULTS } from "../support/run-parameters.js";

const RUNS = 1_500;

const DEFAULTS = RUNBOOK_DEFAULTS;

const SNAKE: Readonly<Record<string, string>> = {
  daysBack: "days_back",
  onlyGaps: "only_gaps",
  dryRun: "dry_run",
  onlyMilestone: "only_milestone",
  weekStart: "week_start",
  forceRefresh: "force_refresh",
  asOf: "as_of",
  gapStatuses: "gap_statuses",
};
const KNOWN = new Set([...Object.keys(DEFAULTS), "objects", "gapStatuses", ...Object.values(SNAKE), "limit"]);
const OBJECT_KEYS = ["gapView", "claimsView", "achievedView", "paymentCalcView", "tripsTable"] as const;

/** Real calendar dates, 1900 to 2199, as YYYY-MM-DD. */
const isoDate = fc
  .integer({ min: Date.UTC(1900, 0, 1) / 86_400_000, max: Date.UTC(2199, 11, 31) / 86_400_000 })
  .map((day) => new Date(day * 86_400_000).toISOString().slice(0, 10));
const monday = isoDate.map((d) => {
  let day = d;
  while (!isMonday(day)) day = addDays(day, 1);
  return day;
});
const notMonday = isoDate.filter((d) => !isMonday(d));
/** Text that is not a YYYY-MM-DD calendar date: other formats, impossible days, noise. */
const notADate = fc.oneof(
  fc.constantFrom("2025-02-29", "2026-02-30", "2026-13-01", "2026-00-10", "2026-11-31", "26-11-2026"),
  fc.constantFrom("2026/11/16", "16-11-2026", "2026-11-16T00:00:00Z", " 2026-11-16", "", "today"),
  fc.string().filter((s) => !/^\d{4}-\d{2}-\d{2}$/.test(s)),
);
/** Anything but a boolean / an integer, for type errors. */
const notBoolean = fc.oneof(fc.constantFrom("true", "false", 1, 0, "yes", [], {}), fc.string(), fc.double());
const notInteger = fc.oneof(
  fc.constantFrom("5", "21", true, false, [], {}, Number.NaN, Number.POSITIVE_INFINITY, 1.5, -0.5),
  fc.string(),
  fc.double().filter((n) => !Number.isInteger(n)),
);
const nullish = fc.constantFrom(null, undefined);

/** One valid value per field, and the value the parser must return for it. */
const validFields = {
  daysBack: fc.integer({ min: 0, max: 3650 }),
  limit: fc.integer({ min: 1, max: MAX_LIMIT }),
  onlyGaps: fc.boolean(),
  dryRun: fc.boolean(),
  forceRefresh: fc.boolean(),
  onlyMilestone: fc.oneof(fc.constantFrom(1, 5, 25), nullish),
  weekStart: fc.oneof(monday, nullish),
  asOf: fc.oneof(isoDate, nullish),
  gapStatuses: fc.array(fc.string({ minLength: 1, maxLength: 100 }), { minLength: 1, maxLength: 20 }),
  objects: fc.record(
    Object.fromEntries(OBJECT_KEYS.map((k) => [k, fc.string({ minLength: 1, maxLength: 200 })])) as Record<
      (typeof OBJECT_KEYS)[number],
      fc.Arbitrary<string>
    >,
    { requiredKeys: [] },
  ),
};
type Field = keyof typeof validFields;
const FIELDS = Object.keys(validFields) as Field[];

/** One wrong value per field. */
const invalidFields: Record<Field, fc.Arbitrary<unknown>> = {
  daysBack: fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 3651 }), notInteger, fc.constant(null)),
  limit: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: MAX_LIMIT + 1 }), notInteger, fc.constant(null)),
  onlyGaps: fc.oneof(notBoolean, fc.constant(null)),
  dryRun: fc.oneof(notBoolean, fc.constant(null)),
  forceRefresh: fc.oneof(notBoolean, fc.constant(null)),
  onlyMilestone: fc.oneof(
    fc.integer().filter((n) => ![1, 5, 25].includes(n)),
    fc.constantFrom("1", "5", "25", 5.5, true),
  ),
  weekStart: fc.oneof(notMonday, notADate, fc.integer()),
  asOf: fc.oneof(notADate, fc.integer(), fc.constant(true)),
  gapStatuses: fc.oneof(
    fc.constant([]),
    fc.constant([""]),
    fc.array(fc.string({ minLength: 1, maxLength: 5 }), { minLength: 21, maxLength: 25 }),
    fc.tuple(fc.string({ minLength: 101, maxLength: 120 })),
    fc.constantFrom("MISSING", 1, null, { 0: "MISSING" }),
  ),
  objects: fc.oneof(
    fc.constantFrom(null, "ops.v", [], 1),
    fc.constantFrom(...OBJECT_KEYS).chain((k) =>
      fc.oneof(
        fc.constant({ [k]: "" }),
        fc.string({ minLength: 201, maxLength: 220 }).map((v) => ({ [k]: v })),
        fc.constantFrom(1, null, true, ["ops.v"]).map((v) => ({ [k]: v })),
      ),
    ),
    fc
      .string({ minLength: 1 })
      .filter((k) => !(OBJECT_KEYS as readonly string[]).includes(k) && k !== "__proto__")
      .map((k) => ({ [k]: "ops.v" })),
  ),
};

/** A field spelled as given, or in the runbook's snake_case when it has one. */
const spelled = (field: string, snake: boolean) => (snake && SNAKE[field] ? SNAKE[field] : field);

/** A valid event: any subset of fields, each camelCase or snake_case, with the values expected back. */
const validEvent = fc
  .record(
    Object.fromEntries(FIELDS.map((f) => [f, fc.tuple(validFields[f], fc.boolean())])) as {
      [F in Field]: fc.Arbitrary<[unknown, boolean]>;
    },
    { requiredKeys: [] },
  )
  .map((chosen) => {
    const event: Record<string, unknown> = {};
    const expected: Record<string, unknown> = { ...DEFAULTS };
    for (const [field, [value, snake]] of Object.entries(chosen) as Array<[Field, [unknown, boolean]]>) {
      if (value === undefined && !snake) continue; // absent
      event[spelled(field, snake)] = value;
      expected[field] = value ?? (field in DEFAULTS ? DEFAULTS[field as keyof RunParameters] : undefined);
      if (expected[field] === undefined) delete expected[field];
    }
    return { event, expected };
  });

function outcome(fn: () => unknown): { value?: unknown; error?: unknown } {
  try {
    return { value: fn() };
  } catch (error) {
    return { error };
  }
}

// Thousands of generated cases per test: 1-3 s on a loaded 2-core machine, past the 5 s default at worst.
describe("parameters, generated (fast-check)", { timeout: 30_000 }, () => {
  it(`accepts ${RUNS} valid events, camelCase or snake_case, with exactly their values`, () => {
    fc.assert(
      fc.property(validEvent, ({ event, expected }) => {
        expect(parseRunParameters(event)).toEqual(expected);
        // The handler's event parser gives the same, raw or wrapped in an EventBridge rule's envelope.
        expect(parseEvent(event).params).toEqual(expected);
        expect(parseEvent(envelope(event)).params).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });

  it(`rejects ${RUNS} events with one wrong field by an InputError naming that field, and only it`, () => {
    const badEvent = fc
      .tuple(validEvent, fc.constantFrom(...FIELDS), fc.boolean())
      .chain(([valid, field, snake]) =>
        invalidFields[field].map((bad) => {
          const event = { ...valid.event };
          delete event[field];
          delete event[SNAKE[field] ?? field];
          event[spelled(field, snake)] = bad;
          return { event, field };
        }),
      );
    fc.assert(
      fc.property(badEvent, ({ event, field }) => {
        const { error } = outcome(() => parseRunParameters(event));
        expect(error).toBeInstanceOf(InputError);
        const issues = (error as InputError).issues;
        expect(issues.length).toBeGreaterThan(0);
        for (const issue of issues)
          expect(issue.field === field || issue.field.startsWith(`${field}.`)).toBe(true);
        expect((error as InputError).message).toMatch(new RegExp(`^invalid parameters: ${field}`));
        expect((error as InputError).message).not.toContain("\n");
        // Inside an envelope the field is named where it sits in the event.
        const wrapped = outcome(() => parseEvent(envelope(event)));
        expect(wrapped.error).toBeInstanceOf(InputError);
        for (const issue of (wrapped.error as InputError).issues)
          expect(issue.field).toMatch(new RegExp(`^detail\\.${field}`));
      }),
      { numRuns: RUNS },
    );
  });

  it("rejects an unknown field, or a field given under both spellings, naming it", () => {
    const unknownKey = fc.string({ minLength: 1, maxLength: 30 }).filter((k) => !KNOWN.has(k));
    fc.assert(
      fc.property(validEvent, unknownKey, fc.anything(), ({ event }, key, value) => {
        const { error } = outcome(() => parseRunParameters({ ...event, [key]: value }));
        expect(error).toBeInstanceOf(InputError);
        expect((error as InputError).issues).toContainEqual({
          field: key,
          message: "is not a known parameter",
        });
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(SNAKE)), fc.anything(), fc.anything(), (field, a, b) => {
        const { error } = outcome(() => parseRunParameters({ [field]: a, [SNAKE[field] as string]: b }));
        expect(error).toBeInstanceOf(InputError);
        expect((error as InputError).issues[0]).toEqual({
          field,
          message: "is given twice (camelCase and snake_case)",
        });
      }),
      { numRuns: 200 },
    );
  });

  it("a key spelled __proto__ (JSON.parse makes it an own key) is an unknown field, not a prototype", () => {
    const event = JSON.parse('{"__proto__": {"limit": 5, "dryRun": true}}') as unknown;
    const { error } = outcome(() => parseRunParameters(event));
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues).toContainEqual({
      field: "__proto__",
      message: "is not a known parameter",
    });
  });

  it(`anything at all (${RUNS * 2} values, JSON and not): accepted or InputError, nothing else escapes`, () => {
    const anyEvent = fc.oneof(
      fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true }),
      fc.json().map((text) => JSON.parse(text) as unknown),
      fc.dictionary(fc.constantFrom(...KNOWN, "detail-type", "detail", "__proto__"), fc.anything()),
    );
    fc.assert(
      fc.property(anyEvent, (event) => {
        for (const parse of [() => parseRunParameters(event), () => parseEvent(event).params]) {
          const { value, error } = outcome(parse);
          if (error !== undefined) {
            expect(error).toBeInstanceOf(InputError);
            expect((error as InputError).issues.length).toBeGreaterThan(0);
          } else {
            // Accepted: a complete parameter set of the right types, and the input had no stray key.
            const p = value as RunParameters;
            expect(Number.isInteger(p.daysBack) && p.daysBack >= 0).toBe(true);
            expect(Number.isInteger(p.limit) && p.limit >= 1).toBe(true);
            expect([null, 1, 5, 25]).toContain(p.onlyMilestone);
          }
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

function envelope(detail: Record<string, unknown>) {
  return {
    version: "0",
    id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Reconcile request",
    source: "ops.reconcile",
    account: "123456789012",
    time: "2026-11-24T15:00:00Z",
    region: "us-east-1",
    resources: [],
    detail,
  };
}
