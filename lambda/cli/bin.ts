/**
 * Entry point of the CLI: the bundle `dist/cli/cli.js` is built from this file (`scripts/build-cli.ts`),
 * and `npm run reconcile` runs it from source in a checkout.
 */
import { main } from "./main.js";

// A reader that stops early (`| head`) closes the pipe: stop quietly instead of crashing on EPIPE. The
// server ends the session (and releases its lock) when the connection drops.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv.slice(2));
