/**
 * The package as an operator installs it (docs/cli.md): `npm pack` (which builds the CLI), then
 * `npm install ./reconcile-cabinet-claims-14d-*.tgz` in an empty folder, offline, and the installed CLI run
 * from there: `--help`, `reference load` into a new database and a dry run on it. Nothing of the checkout
 * (no tsx, no node_modules) is reachable from that folder. Slow (a build and an install): its own timeouts.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmptyDatabase, type EmptyDatabase } from "../support/empty-database.js";
import { packCheckout } from "../support/pack.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const PACK_AND_INSTALL_MS = 300_000;

/** The environment of a fresh shell: no DATABASE_URL, no npm or vitest variables from this run. */
const cleanEnv = () => ({ PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir() });

describe("the packed CLI installed in an empty folder", () => {
  let dir: string;
  let bin: string;
  let db: EmptyDatabase;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cli-packed-"));
    const tarball = await packCheckout(dir);
    const app = join(dir, "app");
    await mkdir(app);
    await writeFile(join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
    await run("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], {
      cwd: app,
      env: cleanEnv(),
    });
    bin = join(app, "node_modules/.bin/reconcile-cabinet-claims-14d");
    db = await createEmptyDatabase("reconcile_packed");
  }, PACK_AND_INSTALL_MS);

  afterAll(async () => {
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("installs nothing but itself: the CLI is one bundle", async () => {
    const installed = (await readdir(join(dir, "app/node_modules"))).filter((n) => !n.startsWith("."));
    expect(installed).toEqual(["reconcile-cabinet-claims-14d"]);
  });

  it("answers --help with exit 0", async () => {
    const { stdout, stderr } = await run(bin, ["--help"], { cwd: dir, env: cleanEnv() });
    expect(stderr).toBe("");
    expect(stdout).toMatch(/^Usage: reconcile-cabinet-claims-14d \[options\] \[command\]/);
    expect(stdout).toContain("reference");
  });

  it("loads the reference data into a new database and dry-runs the job on it", async () => {
    const env = { ...cleanEnv(), DATABASE_URL: db.url };
    const load = await run(bin, ["reference", "load", "--scale", "0.02", "--as-of", "2026-11-16"], {
      cwd: dir,
      env,
    });
    expect(load.stdout).toMatch(/^reconcile-cabinet-claims-14d reference load {2}reference/);
    const dry = await run(bin, ["--as-of", "2026-11-16", "--dry-run"], { cwd: dir, env });
    expect(dry.stdout).toMatch(
      /^reconcile-cabinet-claims-14d {2}COMPLETED {2}as of 2026-11-16 {2}\([^)]*dry-run/,
    );
  }, 120_000);

  it("in the checkout, `npm run reconcile -- --help` runs the CLI from source", async () => {
    const { stdout } = await run("npm", ["run", "--silent", "reconcile", "--", "--help"], { cwd: ROOT });
    expect(stdout).toMatch(/^Usage: reconcile-cabinet-claims-14d \[options\] \[command\]/);
  }, 60_000);

  it("a bad flag: exit 2 and one line on stderr", async () => {
    const failure = await run(bin, ["--limit", "ten"], { cwd: dir, env: cleanEnv() }).then(
      () => undefined,
      (error: { code: number; stderr: string; stdout: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stdout).toBe("");
    expect(failure?.stderr).toMatch(/^reconcile-cabinet-claims-14d: [^\n]*--limit must be a whole number\n$/);
  });
});
