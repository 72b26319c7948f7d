/**
 * The pure half of `npm run test:pg`: which majors were asked for, what vitest's JSON report says about a
 * run, and the table printed at the end. No processes, no servers; `test-pg.ts` does those.
 */
import { isPostgresMajor, POSTGRES_MAJORS, type PostgresMajor } from "../reference/embedded.js";

/** `"14,16"` (or `"all"`) to the majors, in the order given, without repeats; throws naming a bad one. */
export function parseMajors(text: string): PostgresMajor[] {
  if (text.trim() === "all") return [...POSTGRES_MAJORS];
  const majors: PostgresMajor[] = [];
  for (const part of text.split(",")) {
    const word = part.trim();
    const major = /^\d+$/.test(word) ? Number(word) : Number.NaN;
    if (!isPostgresMajor(major)) {
      throw new Error(`"${word}" is not an installed PostgreSQL major (${POSTGRES_MAJORS.join(", ")})`);
    }
    if (!majors.includes(major)) majors.push(major);
  }
  return majors;
}

/** The fields of vitest's JSON reporter (`--reporter=json`) this script reads. */
export interface VitestJsonReport {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numFailedTestSuites: number;
  success: boolean;
  testResults: Array<{ name: string; status: string }>;
}

/** One major's line of the table. */
export interface MajorResult {
  major: PostgresMajor;
  /** `server_version_num`, when the server started. */
  versionNum?: number;
  files: number;
  failedFiles: number;
  tests: number;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  /** vitest's exit code (null when it was killed). */
  exitCode: number | null;
  /** Why the major could not be run at all (server did not start, no report). */
  error?: string;
}

export function summarise(
  major: PostgresMajor,
  report: VitestJsonReport,
  run: { versionNum: number; seconds: number; exitCode: number | null },
): MajorResult {
  return {
    major,
    versionNum: run.versionNum,
    files: report.testResults.length,
    failedFiles: report.testResults.filter((f) => f.status === "failed").length,
    tests: report.numTotalTests,
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
    seconds: run.seconds,
    exitCode: run.exitCode,
  };
}

/**
 * A major passes when vitest exited 0 and its report has tests, all of them passing or deliberately skipped,
 * and no failed file (a failing `beforeAll` fails the file and only skips its tests).
 */
export function passed(result: MajorResult): boolean {
  return (
    result.error === undefined &&
    result.exitCode === 0 &&
    result.tests > 0 &&
    result.failed === 0 &&
    result.failedFiles === 0
  );
}

function version(num: number | undefined): string {
  if (num === undefined) return "-";
  return `${Math.floor(num / 10_000)}.${num % 10_000}`;
}

/** A Markdown table (readable as is in a terminal, pasteable into the docs). */
export function formatTable(results: readonly MajorResult[]): string {
  const header = ["major", "server", "files", "tests", "passed", "failed", "skipped", "seconds", "result"];
  const rows = results.map((r) => [
    String(r.major),
    version(r.versionNum),
    r.error === undefined ? `${r.files - r.failedFiles}/${r.files}` : "-",
    String(r.tests),
    String(r.passed),
    String(r.failed),
    String(r.skipped),
    r.seconds.toFixed(0),
    passed(r) ? "ok" : `FAILED${r.error === undefined ? "" : `: ${r.error}`}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === cells.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === widths.length - 1 ? ` ${"-".repeat(w)} ` : ` ${"-".repeat(w - 1)}: `)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}
