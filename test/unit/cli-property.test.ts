/**
 * Bad input, generated, at the CLI: argument lists built from the runbook's flags (valid, one flag wrong,
 * or pure noise) go through `main`. A valid list reaches the run with exactly its values; a list with one
 * wrong flag exits 2 with one line naming that flag; nothing throws out of `main`. The run itself is
 * replaced by one that only validates and records its parameters, and the connection check by one that
 * accepts every URL (no database in the unit tier).
 */
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { main } from "../../lambda/cli/main.js";
import { addDays, isMonday } from "../../lambda/core/dates.js";
import type { Report } from "../../lambda/core/types.js";
import { MAX_LIMIT, type RunParameters } from "../../lambda/params.js";
import { RUNBOOK_DEFAULTS } from "../support/run-parameters.js";

const seen = vi.hoisted(() => ({ params: undefined as unknown, runs: 0 }));

vi.mock("../../lambda/reconcile.js", async () => {
  const { parseRunParameters } = await import("../../lambda/params.js");
  return {
    ReconcileCabinetClaims14d: class {
      async runReconcile(input: unknown) {
        seen.runs += 1;
        const parameters = parseRunParameters(input);
        seen.params = parameters;
        return {
          run_id: "r",
          status: "skipped",
          as_of: "2026-11-10",
          parameters,
          warnings: [],
          metrics: {},
        } as unknown as Report;
      }
    },
  };
});

// The connection check before the run is the database's business; here every URL is accepted as is.
vi.mock("../../lambda/cli/connection.js", async (original) => ({
  ...(await original<typeof import("../../lambda/cli/connection.js")>()),
  probe: async () => undefined,
}));

const RUNS = 1_000;
/** A thousand runs through commander and the run's set-up take a few seconds on a loaded 2-core machine. */
const PROPERTY_TIMEOUT_MS = 60_000;
const DB = "--database-url=postgres://reconcile@127.0.0.1:1/reconcile";

const DEFAULTS = RUNBOOK_DEFAULTS;

const isoDate = fc
  .integer({ min: Date.UTC(1900, 0, 1) / 86_400_000, max: Date.UTC(2199, 11, 31) / 86_400_000 })
  .map((day) => new Date(day * 86_400_000).toISOString().slice(0, 10));
const monday = isoDate.map((d) => {
  let day = d;
  while (!isMonday(day)) day = addDays(day, 1);
  return day;
});

type Flag = "--days-back" | "--limit" | "--only-milestone" | "--week-start" | "--as-of";
const FIELD: Record<Flag, keyof RunParameters> = {
  "--days-back": "daysBack",
  "--limit": "limit",
  "--only-milestone": "onlyMilestone",
  "--week-start": "weekStart",
  "--as-of": "asOf",
};
const VALID: Record<Flag, fc.Arbitrary<string | number>> = {
  "--days-back": fc.integer({ min: 0, max: 3650 }),
  "--limit": fc.integer({ min: 1, max: MAX_LIMIT }),
  "--only-milestone": fc.constantFrom(1, 5, 25),
  "--week-start": monday,
  "--as-of": isoDate,
};
const notWhole = fc.oneof(
  fc.constantFrom("ten", "1.5", "1e3", "0x10", "", " ", "5 5", "NaN", "Infinity"),
  fc.string().filter((s) => !/^\s*-?\d+\s*$/.test(s) && !s.startsWith("-")),
);
const INVALID: Record<Flag, fc.Arbitrary<string>> = {
  "--days-back": fc.oneof(fc.integer({ min: 3651 }).map(String), fc.constantFrom("-1", "-30"), notWhole),
  "--limit": fc.oneof(
    fc.integer({ min: MAX_LIMIT + 1, max: 2 ** 40 }).map(String),
    fc.constantFrom("0", "-5"),
    notWhole,
  ),
  "--only-milestone": fc.oneof(
    fc
      .integer({ min: 0, max: 1000 })
      .filter((n) => ![1, 5, 25].includes(n))
      .map(String),
    notWhole,
  ),
  "--week-start": fc.oneof(
    isoDate.filter((d) => !isMonday(d)),
    fc.constantFrom("2025-02-29", "2026-13-01", "16-11-2026", "2026/11/16", "monday", ""),
  ),
  "--as-of": fc.constantFrom("2025-02-29", "2026-02-30", "2026-00-01", "10-11-2026", "yesterday", ""),
};
const BOOLEANS = {
  "--only-gaps": "onlyGaps",
  "--dry-run": "dryRun",
  "--force-refresh": "forceRefresh",
} as const;

/** `--flag value` or `--flag=value`. */
const written = (flag: string, value: string | number, joined: boolean) =>
  joined ? [`${flag}=${value}`] : [flag, String(value)];

/** A valid argument list (any subset of flags, any order, either spelling) and the parameters it means. */
const validArgs = fc
  .record(
    {
      valued: fc
        .subarray(Object.keys(VALID) as Flag[])
        .chain((flags) => fc.tuple(...flags.map((f) => fc.tuple(fc.constant(f), VALID[f], fc.boolean())))),
      booleans: fc.subarray(Object.keys(BOOLEANS) as Array<keyof typeof BOOLEANS>),
      seed: fc.integer(),
    },
    { requiredKeys: ["valued", "booleans", "seed"] },
  )
  .map(({ valued, booleans }) => {
    const groups: string[][] = [];
    const expected: Record<string, unknown> = { ...DEFAULTS };
    for (const [flag, value, joined] of valued) {
      groups.push(written(flag, value, joined));
      expected[FIELD[flag]] = value;
    }
    for (const flag of booleans) {
      groups.push([flag]);
      expected[BOOLEANS[flag]] = true;
    }
    return { groups, expected: expected as unknown as RunParameters };
  })
  .chain(({ groups, expected }) =>
    fc.shuffledSubarray(groups, { minLength: groups.length }).map((order) => ({ groups: order, expected })),
  );

async function cli(argv: string[]) {
  let stdout = "";
  let stderr = "";
  seen.params = undefined;
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe("CLI arguments, generated (fast-check)", () => {
  it(
    `runs ${RUNS} valid argument lists with exactly their values`,
    async () => {
      await fc.assert(
        fc.asyncProperty(validArgs, async ({ groups: argv, expected }) => {
          const run = await cli([DB, ...argv.flat()]);
          expect(run.stderr).toBe("");
          expect(run.code).toBe(0);
          expect(seen.params).toEqual(expected);
        }),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    `exits 2 with one line naming the flag for ${RUNS} lists with one wrong value`,
    async () => {
      const bad = fc
        .tuple(validArgs, fc.constantFrom(...(Object.keys(INVALID) as Flag[])), fc.boolean(), fc.nat())
        .chain(([valid, flag, joined, at]) =>
          INVALID[flag].map((value) => {
            // Replace any valid occurrence of the flag by the wrong one, anywhere in the list. A value that
            // starts with "-" or is empty can only be written --flag=value.
            const groups = valid.groups.filter((g) => g[0] !== flag && !g[0]?.startsWith(`${flag}=`));
            const cut = at % (groups.length + 1);
            const wrong = written(flag, value, joined || value === "" || value.startsWith("-"));
            return { argv: [...groups.slice(0, cut), wrong, ...groups.slice(cut)].flat(), flag };
          }),
        );
      await fc.assert(
        fc.asyncProperty(bad, async ({ argv, flag }) => {
          const run = await cli([DB, ...argv]);
          expect(run.code).toBe(2);
          expect(run.stdout).toBe("");
          expect(run.stderr).toMatch(/^reconcile-cabinet-claims-14d: [^\n]*\n$/);
          expect(run.stderr).toContain(flag);
          expect(seen.params).toBeUndefined();
        }),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    `never throws on ${RUNS} lists of noise; exit codes 0 or 2, errors on one line`,
    async () => {
      const token = fc.oneof(
        fc.string(),
        fc.constantFrom(
          ...Object.keys(VALID),
          ...Object.keys(BOOLEANS),
          "--json",
          "--verbose",
          "--nope",
          "-x",
          "--",
        ),
        fc
          .tuple(
            fc.constantFrom(...Object.keys(VALID), "--gap-view", "--time-zone", "--gap-status"),
            fc.string(),
          )
          .map(([flag, value]) => `${flag}=${value}`),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(token, { maxLength: 8 }), async (argv) => {
          const run = await cli([DB, ...argv.filter((a) => a !== "--help" && a !== "-h")]);
          expect([0, 2]).toContain(run.code);
          // One line, unless --verbose asked for the stack trace after it.
          if (run.code === 2 && !argv.includes("--verbose"))
            expect(run.stderr).toMatch(/^reconcile-cabinet-claims-14d: [^\n]*\n$/);
          if (run.code === 2) expect(run.stderr).toMatch(/^reconcile-cabinet-claims-14d: \S/);
        }),
        { numRuns: RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it("a malformed --week-start or --as-of is bad input (exit 2), never another error", async () => {
    for (const [flag, value] of [
      ["--week-start", "2026-13-01"],
      ["--week-start", "2025-02-29"],
      ["--as-of", "2026-02-30"],
    ]) {
      const run = await cli([DB, `${flag}=${value}`]);
      expect(run.code, `${flag}=${value}`).toBe(2);
      expect(run.stderr).toMatch(
        new RegExp(`^reconcile-cabinet-claims-14d: InputError: ${flag} must be a date`),
      );
    }
  });
});
