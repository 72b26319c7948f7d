#!/usr/bin/env node
// The CLI is bundled to plain JavaScript when the package is installed from a checkout (`prepare`) or
// packed (`npm pack`), so starting it compiles nothing: see scripts/build-cli.ts and docs/cli.md.
try {
  await import("../dist/cli/cli.js");
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/cli/cli.js")) {
    process.stderr.write(
      "reconcile-cabinet-claims-14d: the CLI is not built: run `npm run build:cli` (or `npm ci`) in the checkout\n",
    );
    process.exitCode = 2;
  } else {
    throw error;
  }
}
