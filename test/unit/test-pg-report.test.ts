import { describe, expect, it } from "vitest";
import {
  formatTable,
  type MajorResult,
  parseMajors,
  passed,
  summarise,
  type VitestJsonReport,
} from "../../scripts/test-pg-report.js";

const report = (over: Partial<VitestJsonReport> = {}): VitestJsonReport => ({
  numTotalTests: 5,
  numPassedTests: 4,
  numFailedTests: 0,
  numPendingTests: 1,
  numTodoTests: 0,
  numFailedTestSuites: 0,
  success: true,
  testResults: [
    { name: "/r/test/db/a.test.ts", status: "passed" },
    { name: "/r/test/db/b.test.ts", status: "passed" },
  ],
  ...over,
});

describe("npm run test:pg: majors", () => {
  it("reads a comma-separated list in order, without repeats, and 'all'", () => {
    expect(parseMajors("16, 14,16")).toEqual([16, 14]);
    expect(parseMajors("all")).toEqual([14, 15, 16, 17, 18]);
  });

  it("names a major that is not installed", () => {
    expect(() => parseMajors("14,13")).toThrow('"13" is not an installed PostgreSQL major');
    expect(() => parseMajors("16.1")).toThrow('"16.1" is not');
  });
});

describe("npm run test:pg: results", () => {
  const run = { versionNum: 160014, seconds: 61.4, exitCode: 0 };

  it("counts files, tests and skips from vitest's JSON report", () => {
    expect(summarise(16, report(), run)).toEqual({
      major: 16,
      versionNum: 160014,
      files: 2,
      failedFiles: 0,
      tests: 5,
      passed: 4,
      failed: 0,
      skipped: 1,
      seconds: 61.4,
      exitCode: 0,
    });
    expect(passed(summarise(16, report(), run))).toBe(true);
  });

  it("fails a major on a failed test, a failed file, a non-zero exit or no tests at all", () => {
    expect(passed(summarise(16, report({ numFailedTests: 1 }), run))).toBe(false);
    const failedFile = report({
      testResults: [{ name: "/r/test/db/a.test.ts", status: "failed" }],
      numPassedTests: 0,
      numPendingTests: 5,
    });
    expect(passed(summarise(16, failedFile, run))).toBe(false);
    expect(passed(summarise(16, report(), { ...run, exitCode: 1 }))).toBe(false);
    expect(passed(summarise(16, report({ numTotalTests: 0, numPassedTests: 0, testResults: [] }), run))).toBe(
      false,
    );
  });

  it("prints one row per major, with the reason when a server did not start", () => {
    const broken: MajorResult = {
      major: 15,
      files: 0,
      failedFiles: 0,
      tests: 0,
      passed: 0,
      failed: 0,
      skipped: 0,
      seconds: 2,
      exitCode: null,
      error: "server did not start: boom",
    };
    const lines = formatTable([summarise(16, report(), run), broken]).split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^\| major \| server \| files \| tests \| passed \| failed \| skipped \| seconds \| result/,
    );
    expect(lines[2]).toBe(
      "|    16 |  16.14 |   2/2 |     5 |      4 |      0 |       1 |      61 | ok                                 |",
    );
    expect(lines[3]).toContain("FAILED: server did not start: boom");
  });
});
