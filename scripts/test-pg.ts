/**
 * `npm run test:pg -- 14,15,16,17,18`: the `db` test tier on each PostgreSQL major, one after the other,
 * each on its own embedded server (started here, handed to vitest as DATABASE_URL, stopped afterwards), then
 * one table of the results. Exits 1 when any major failed. The counts come from vitest's JSON reporter;
 * its usual output is shown as the tests run.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Command, CommanderError } from "commander";
import { POSTGRES_MAJORS, type PostgresMajor, startEmbeddedPostgres } from "../reference/embedded.js";
import {
  formatTable,
  type MajorResult,
  parseMajors,
  passed,
  summarise,
  type VitestJsonReport,
} from "./test-pg-report.js";

const vitestCli = join(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");

function runVitest(args: readonly string[], databaseUrl: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitestCli, ...args], {
      stdio: "inherit",
      env: { ...process.env, DATABASE_URL: databaseUrl },
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve(code));
  });
}

async function runMajor(major: PostgresMajor, vitestArgs: readonly string[]): Promise<MajorResult> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const failure = (error: string, versionNum?: number): MajorResult => ({
    major,
    versionNum,
    files: 0,
    failedFiles: 0,
    tests: 0,
    passed: 0,
    failed: 0,
    skipped: 0,
    seconds: seconds(),
    exitCode: null,
    error,
  });
  process.stdout.write(`\n=== PostgreSQL ${major}: starting an embedded server\n`);
  let server: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
  try {
    server = await startEmbeddedPostgres({ major });
  } catch (error) {
    return failure(`server did not start: ${error instanceof Error ? error.message : String(error)}`);
  }
  const outDir = await mkdtemp(join(tmpdir(), "reconcile-test-pg-"));
  try {
    process.stdout.write(
      `=== PostgreSQL ${major}: server_version_num ${server.versionNum}, port ${server.port}\n`,
    );
    const reportFile = join(outDir, "vitest.json");
    const exitCode = await runVitest(
      [
        "run",
        "--project",
        "db",
        "--reporter=default",
        "--reporter=json",
        `--outputFile.json=${reportFile}`,
        ...vitestArgs,
      ],
      server.url,
    );
    let report: VitestJsonReport;
    try {
      report = JSON.parse(await readFile(reportFile, "utf8")) as VitestJsonReport;
    } catch {
      return failure(`vitest wrote no report (exit code ${String(exitCode)})`, server.versionNum);
    }
    return summarise(major, report, { versionNum: server.versionNum, seconds: seconds(), exitCode });
  } finally {
    await server.stop();
    await rm(outDir, { recursive: true, force: true });
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const program = new Command()
    .name("npm run test:pg --")
    .description(
      "Run the db test tier on each PostgreSQL major, each on its own embedded server, and print a table " +
        "(major, files, tests passed/failed, seconds). Exits 1 when any major fails.",
    )
    .argument("[majors]", `comma-separated majors, or "all" (${POSTGRES_MAJORS.join(",")})`, "all")
    .argument("[vitest-args...]", "passed on to vitest after a second --, e.g. -- test/db/harness.test.ts")
    .addHelpText(
      "after",
      "\nExamples:\n  npm run test:pg -- 14,15,16,17,18\n  npm run test:pg -- 14 -- test/db/cli.test.ts\n" +
        "\nTo run the suite against a server of your own instead: DATABASE_URL=... npm run test:db",
    )
    .exitOverride();
  try {
    program.parse(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  const [majorsText, vitestArgs] = program.processedArgs as [string, string[]];
  let majors: PostgresMajor[];
  try {
    majors = parseMajors(majorsText);
  } catch (error) {
    process.stderr.write(`test:pg: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const results: MajorResult[] = [];
  for (const major of majors) results.push(await runMajor(major, vitestArgs));
  process.stdout.write(`\nThe db tier on each PostgreSQL major:\n\n${formatTable(results)}\n`);
  return results.every(passed) ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
