/**
 * `npm run bench` flags without running the benchmark: help, defaults (results to an untracked file),
 * `--write-results`, unknown flags, and the Markdown it commits formatted as lint wants it.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { DEFAULT_OUT, formatMarkdown, parseBenchArgs, RESULTS_MD } from "../../bench/options.js";
import { table } from "../../bench/stats.js";

describe("bench options", () => {
  it("by default writes to bench/out/RESULTS.md, which git ignores, and leaves RESULTS.md alone", () => {
    const o = parseBenchArgs([]);
    expect(o.out).toBe(DEFAULT_OUT);
    expect(o.writeResults).toBe(false);
    expect(o.scales).toEqual([1, 10]);
    expect(o.help).toBe(false);
    const ignored = execFileSync("git", ["check-ignore", DEFAULT_OUT], { encoding: "utf8" }).trim();
    expect(ignored).toBe(DEFAULT_OUT);
  });

  it("--write-results, --scales and --help are read", () => {
    const o = parseBenchArgs(["--scales", "1", "--write-results", "--skip", "memory,per-row"]);
    expect(o).toMatchObject({ scales: [1], writeResults: true, perRowScale: 1 });
    expect([...o.skip]).toEqual(["memory", "per-row"]);
    expect(parseBenchArgs(["-h"]).help).toBe(true);
    expect(parseBenchArgs(["--help"]).help).toBe(true);
  });

  it("an unknown flag or a value that is not a number is an error, not a silent default", () => {
    expect(() => parseBenchArgs(["--scale", "1"])).toThrow(/Unknown option '--scale'/);
    expect(() => parseBenchArgs(["--runs", "many"])).toThrow(/--runs must be a number/);
  });

  it("the Markdown committed to RESULTS.md is what Biome's formatter writes (lint passes on it)", () => {
    const raw = `## Results\n\n${table(
      ["case", "median"],
      [
        ["job, a long label", "12 ms"],
        ["x", "1.5 s"],
      ],
    )}\n`;
    const formatted = formatMarkdown(raw);
    expect(formatted).toContain("job, a long label");
    expect(formatMarkdown(formatted)).toBe(formatted);
    expect(RESULTS_MD.endsWith("bench/RESULTS.md")).toBe(true);
  });
});
