/**
 * The package as a library user gets it (contract 10.6): `npm pack`, then a fresh TypeScript project of its
 * own (package.json, a strict NodeNext tsconfig) that installs the tarball with `pg` beside it, type-checks
 * the README's "As a library" example as written there, and runs it on a test database of each schema
 * profile (the reference views, and the deployment's, with rule amounts and a ledger). A second file in
 * that project probes the public types (the report's ledger and money fields, `undoRecordedClaims`) with
 * `@ts-expect-error` lines, which fail the check if the declarations were missing or `any`.
 *
 * Offline: the project's lock file is cut from the checkout's own (pg, its dependencies, the type packages
 * and TypeScript at the versions `npm ci` put in the npm cache), so `npm ci --offline` needs no registry.
 * Nothing of the checkout is reachable from the project. Slow (a build, an install, two compiles): the
 * timeouts sit on each step.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TIME_ZONE } from "../../lambda/config.js";
import type { ReportRow } from "../../lambda/core/types.js";
import { ReconcileCabinetClaims14d } from "../../lambda/reconcile.js";
import { generateDeployment } from "../../reference/deployment-generator.js";
import { generate } from "../../reference/generator.js";
import { createTestDatabase, type SchemaProfile, type TestDatabase } from "../support/db.js";
import { packCheckout } from "../support/pack.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const NAME = "reconcile-cabinet-claims-14d";
/** Pack (which builds the CLI and the library) and the offline install, on a busy machine. */
const PACK_AND_INSTALL_MS = 300_000;
/** One full type check of the project, @types/node included (skipLibCheck off): 15 s idle, far more loaded. */
const TYPECHECK_MS = 180_000;

/** Generating a profile's data on a busy machine. */
const GENERATE_MS = 180_000;

/** What the generator says the example's dry run must find. */
interface Truth {
  readonly gaps: number;
  /** The deployment profile's truth also prices the dry run's money at risk. */
  readonly amountAtRisk?: string;
}

/** Both schema shapes a user has: the reference views, and the deployment's own (rule amounts, a ledger). */
const PROFILES: Array<{
  profile: SchemaProfile;
  load: (client: pg.ClientBase, asOf: string) => Promise<Truth>;
}> = [
  {
    profile: "reference",
    load: async (client, asOf) => {
      const truth = await generate(client, { seed: 11, scale: 0.02, asOf });
      return { gaps: truth.windowRows.length };
    },
  },
  {
    profile: "deployment",
    load: async (client, asOf) => {
      const truth = await generateDeployment(client, { seed: 7, scale: 0.05, asOf, state: "live" });
      return { gaps: truth.windowRows, amountAtRisk: truth.states.live.amountAtRisk };
    },
  },
];

/** The environment of a fresh shell: no DATABASE_URL, no npm or vitest variables from this run. */
const cleanEnv = () => ({ PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir() });

/** The first `ts` block of the README's "As a library" section, exactly as a reader copies it. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("As a library\n"));
  const code = section?.match(/^```ts\n([\s\S]*?)^```$/m)?.[1];
  if (!code) throw new Error('README.md has no ```ts block under "## As a library"');
  return code;
}

/** Types a user of the package relies on; each `@ts-expect-error` fails the check if the types were `any`. */
const PROBE = `import type pg from "pg";
import {
  ContractError,
  InputError,
  type LedgerSummary,
  ReconcileCabinetClaims14d,
  type Report,
  type ReportRow,
  type RunParametersInput,
  type UndoReport,
} from "${NAME}";

declare const pool: pg.Pool;
const job = new ReconcileCabinetClaims14d(pool, { claimsLedger: "canon.claims_yango_cabinet_14d" });
const params: RunParametersInput = { recordClaims: true, maxRecord: 10, dryRun: true, asOf: null };
// @ts-expect-error a misspelt parameter is a type error
const misspelt: RunParametersInput = { dayBack: 3 };

export async function probe(): Promise<unknown[]> {
  const report: Report = await job.runReconcile(params);
  const ledger: LedgerSummary | null = report.ledger;
  const outcome: "recorded" | "would_record" | "nothing_to_record" | "not_permitted" | "over_max_record" | "write_failed" | undefined = ledger?.outcome;
  const row: ReportRow | undefined = report.rows?.[0];
  const source: "rule" | "gap_view" | "milestone" | null | undefined = row?.amount_source;
  const state: "recorded" | "would_record" | "present" | "not_recorded" | null | undefined = row?.ledger;
  const conflict: string | null | undefined = row?.amount_conflict;
  const recorded: number = report.metrics.claims_recorded;
  // @ts-expect-error the report has no such field
  const missing = report.metrics.no_such_metric;
  const undo: UndoReport = await job.undoRecordedClaims(report.run_id, { dryRun: true });
  const status: "completed" | "skipped" = undo.status;
  // @ts-expect-error undo takes a run id
  await job.undoRecordedClaims(42);
  return [misspelt, outcome, source, state, conflict, recorded, missing, undo.deleted, status,
    new InputError("x", []) instanceof Error, ContractError.name];
}
`;

/**
 * A package-lock.json for the project, cut from the checkout's: `names` and everything they need, at the
 * checkout's versions and paths, plus the tarball. `npm ci --offline` then installs from the npm cache.
 */
async function offlineLock(names: readonly string[], tarball: string, manifest: Record<string, unknown>) {
  const checkout = JSON.parse(await readFile(join(ROOT, "package-lock.json"), "utf8"));
  const all: Record<string, Record<string, unknown>> = checkout.packages;
  const own = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
  const locate = (from: string, name: string): string => {
    for (let base = from; ; base = base.slice(0, Math.max(0, base.lastIndexOf("/node_modules/")))) {
      const key = `${base ? `${base}/` : ""}node_modules/${name}`;
      if (all[key]) return key;
      if (!base) throw new Error(`package-lock.json has no ${name} (needed by ${from || "the project"})`);
    }
  };
  const packages: Record<string, unknown> = {};
  const visit = (key: string) => {
    if (packages[key]) return;
    // `dev` and `peer` describe the checkout's tree, not this one's.
    const {
      dev: _dev,
      peer: _peer,
      devOptional: _devOptional,
      ...entry
    } = all[key] as Record<string, unknown>;
    packages[key] = entry;
    const needs = { ...(entry.dependencies as object), ...(entry.optionalDependencies as object) };
    for (const dep of Object.keys(needs)) visit(locate(key, dep));
  };
  for (const name of names) visit(locate("", name));
  packages[`node_modules/${NAME}`] = {
    version: own.version,
    resolved: `file:${tarball}`,
    license: own.license,
    bin: own.bin,
    engines: own.engines,
    peerDependencies: own.peerDependencies,
    peerDependenciesMeta: own.peerDependenciesMeta,
  };
  return { name: "app", lockfileVersion: 3, requires: true, packages: { "": manifest, ...packages } };
}

describe("the packed library in a fresh TypeScript project", () => {
  let dir = "";
  let app = "";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "library-packed-"));
    const tarball = await packCheckout(dir);
    app = join(dir, "app");
    await mkdir(app);
    const version = async (name: string) =>
      JSON.parse(await readFile(join(ROOT, "node_modules", name, "package.json"), "utf8")).version as string;
    const manifest = {
      name: "app",
      private: true,
      type: "module",
      dependencies: { [NAME]: `file:${tarball}`, pg: await version("pg") },
      devDependencies: Object.fromEntries(
        await Promise.all(
          ["@types/node", "@types/pg", "typescript"].map(async (n) => [n, await version(n)] as const),
        ),
      ),
    };
    const lock = await offlineLock(["pg", "@types/node", "@types/pg", "typescript"], tarball, manifest);
    const tsconfig = {
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        // The package's declarations are checked too, not only used.
        skipLibCheck: false,
        types: ["node"],
        outDir: "out",
      },
      include: ["example.ts", "probe.ts"],
    };
    await Promise.all([
      writeFile(join(app, "package.json"), JSON.stringify(manifest, null, 2)),
      writeFile(join(app, "package-lock.json"), JSON.stringify(lock, null, 2)),
      writeFile(join(app, "tsconfig.json"), JSON.stringify(tsconfig, null, 2)),
      writeFile(join(app, "example.ts"), await readmeExample()),
      writeFile(join(app, "probe.ts"), PROBE),
    ]);
    await run("npm", ["ci", "--offline", "--no-audit", "--no-fund"], { cwd: app, env: cleanEnv() });
    // The example as JavaScript (type-checked by the test below; here only emitted).
    await run(join(app, "node_modules/.bin/tsc"), ["-p", app, "--noCheck"], { cwd: app, env: cleanEnv() });
  }, PACK_AND_INSTALL_MS);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("installs with nothing of its own beside it: the library is one bundle that imports only pg", async () => {
    // Prepare
    const installed = join(app, "node_modules", NAME);
    // Act
    const files = await readdir(installed);
    const bundle = await readFile(join(installed, "dist/lib/index.js"), "utf8");
    // Assess
    expect(files).not.toContain("node_modules");
    expect(files).toContain("dist");
    // esbuild writes a static import on a line of its own; CommonJS code inside calls `__require`.
    const imported = new Set(
      [...bundle.matchAll(/^import [^;\n]* from "([^"]+)";$|\b__require\("([^"]+)"\)/gm)].map(
        (m) => (m[1] ?? m[2]) as string,
      ),
    );
    const { builtinModules } = await import("node:module");
    const foreign = [...imported].filter(
      (m) => !m.startsWith("node:") && !builtinModules.includes(m) && !/^pg(\/|$)/.test(m),
    );
    expect(foreign).toEqual([]);
    expect(imported).toContain("pg");
  });

  it(
    "type-checks the README's example and the public types (tsc --noEmit, strict, NodeNext)",
    async () => {
      const check = await run(join(app, "node_modules/.bin/tsc"), ["--noEmit", "-p", app], {
        cwd: app,
        env: cleanEnv(),
      }).then(
        () => "",
        (error: { stdout: string }) => error.stdout,
      );
      expect(check).toBe("");
    },
    TYPECHECK_MS,
  );

  describe.each(PROFILES)("on the $profile profile's views", ({ profile, load }) => {
    let db: TestDatabase | undefined;
    let truth: Truth | undefined;

    beforeAll(async () => {
      db = await createTestDatabase({ profile });
      // The example's window ends on the business day, as a user's would: the data is generated for it.
      const client = await db.pool.connect();
      try {
        const { rows } = await client.query<{ today: string }>(
          "SELECT to_char(now() AT TIME ZONE $1, 'YYYY-MM-DD') AS today",
          [DEFAULT_TIME_ZONE],
        );
        truth = await load(client, rows[0]?.today as string);
      } finally {
        client.release();
      }
    }, GENERATE_MS);

    afterAll(async () => {
      await db?.drop();
    });

    it("runs the README's example: it prints the dry run's report", async () => {
      // Prepare: the same run from the source, for the rows the example prints.
      const pool = (db as TestDatabase).pool;
      const expected = await new ReconcileCabinetClaims14d(pool).runReconcile({ daysBack: 21, dryRun: true });
      // Act
      const { stdout, stderr } = await run(process.execPath, ["out/example.js"], {
        cwd: app,
        env: { ...cleanEnv(), DATABASE_URL: (db as TestDatabase).url },
        timeout: 60_000,
      });
      // Assess
      expect(stderr).toBe("");
      const [head, ...lines] = stdout.trimEnd().split("\n");
      const { gaps_found, amount_at_risk } = expected.metrics;
      expect(gaps_found).toBe(truth?.gaps);
      if (truth?.amountAtRisk !== undefined) expect(amount_at_risk).toBe(truth.amountAtRisk);
      expect(head).toBe(`completed: ${gaps_found} gaps, S/ ${amount_at_risk} at risk`);
      const atRisk = (expected.rows ?? []).filter((r: ReportRow) => r.amount_at_risk !== "0.00");
      expect(atRisk.length).toBeGreaterThan(0);
      expect(lines).toEqual(
        atRisk.map(
          (r) =>
            `${r.lead_date} ${r.driver_id} ${r.milestone_value}: ${r.diagnosis ?? r.verdict}, S/ ${r.amount} (${r.amount_source})`,
        ),
      );
    }, 120_000);
  });
});
