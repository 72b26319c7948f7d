import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Props } from "./fixture.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const STACK = "ReconcileCabinetClaims14d-dev";
/**
 * The real CLI: npx, the app through tsx, the handler bundled in a child process, cdk-nag. About 5 s idle,
 * 40 s seen on a loaded 2-core machine; the child is stopped a little before the hook gives up, so a hung
 * synth fails with its own output rather than a bare timeout.
 */
const CLI_SYNTH_TIMEOUT_MS = 240_000;
/** Importing the bundle and one invocation in a fresh node: under a second idle, 7 s seen under load. */
const PROBE_TIMEOUT_MS = 60_000;

/** The environment of a machine with no AWS credentials and no Docker: only what synth needs. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("AWS_") && !key.startsWith("CDK_")) env[key] = value;
  }
  return {
    ...env,
    CDK_DISABLE_CLI_TELEMETRY: "true",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/nonexistent",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
  };
}

describe("`cdk synth` (the real CLI, offline)", () => {
  let outdir: string;
  let run: ReturnType<typeof spawnSync>;
  let seconds: number;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "cdk-synth-"));
    const started = Date.now();
    run = spawnSync("npx", ["cdk", "synth", "--no-notices", "--quiet", "--output", outdir], {
      cwd: ROOT,
      env: offlineEnv(),
      encoding: "utf8",
      timeout: CLI_SYNTH_TIMEOUT_MS - 10_000,
    });
    seconds = (Date.now() - started) / 1000;
  }, CLI_SYNTH_TIMEOUT_MS);

  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  it("succeeds with cdk-nag applied and writes the template", () => {
    expect(run.status, `${run.stderr}\n${run.stdout}`).toBe(0);
    expect(existsSync(join(outdir, `${STACK}.template.json`))).toBe(true);
    expect(run.stderr).not.toMatch(/AwsSolutions-/);
    console.info(`cdk synth took ${seconds.toFixed(1)} s`);
  });

  it(
    "bundles a handler that a fresh Node.js process can import (ESM, require banner)",
    () => {
      const template = JSON.parse(readFileSync(join(outdir, `${STACK}.template.json`), "utf8"));
      const fn = Object.values(template.Resources as Record<string, Props>).find(
        (r) => r.Type === "AWS::Lambda::Function",
      ) as Props;
      const assetHash = (fn.Properties.Code.S3Key as string).replace(/\.zip$/, "");
      const asset = join(outdir, `asset.${assetHash}`);
      const bundle = join(asset, "index.mjs");
      expect(existsSync(bundle)).toBe(true);
      expect(readFileSync(bundle, "utf8").startsWith("import { createRequire }")).toBe(true);
      // One file and its source map: nothing else is uploaded or loaded.
      expect(readdirSync(asset).sort()).toEqual(["index.mjs", "index.mjs.map"]);
      expect(fn.Properties.Handler).toBe("index.handler");

      // The function's own environment, with tokens replaced by plausible values.
      const fnEnv: Record<string, string> = {};
      for (const [key, value] of Object.entries(
        fn.Properties.Environment.Variables as Record<string, unknown>,
      )) {
        fnEnv[key] = typeof value === "string" ? value : "example-bucket";
      }
      delete fnEnv.NODE_EXTRA_CA_CERTS; // the Lambda runtime's path; absent here
      const probe = spawnSync(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          "const m = await import(process.argv[1]); if (typeof m.handler !== 'function') { console.error('no handler export'); process.exit(3); }" +
            // An invalid event loads the configuration and event parsing and must end as a named InputError.
            " const r = await m.handler({ daysBack: -1 }, { getRemainingTimeInMillis: () => 60000 }).catch((e) => e);" +
            " if (r?.name !== 'InputError') { console.error('expected InputError, got', r); process.exit(4); }",
          bundle,
        ],
        {
          env: { ...offlineEnv(), ...fnEnv, AWS_REGION: "us-east-1" },
          encoding: "utf8",
          timeout: PROBE_TIMEOUT_MS - 10_000,
        },
      );
      expect(probe.status, probe.stderr).toBe(0);
    },
    PROBE_TIMEOUT_MS,
  );
});
