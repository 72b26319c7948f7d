/**
 * Child process of the memory benchmark: runs the CLI once (its arguments are this script's) with the JSON
 * and CSV reports written to files, then prints one JSON line with its exit code, wall time and peak RSS.
 */
import { main } from "../lambda/cli/main.js";

const started = performance.now();
const exitCode = await main(process.argv.slice(2), {
  stdout: () => undefined,
  stderr: (t) => process.stderr.write(t),
});
process.stdout.write(
  `${JSON.stringify({ exitCode, ms: Math.round(performance.now() - started), maxRssKb: process.resourceUsage().maxRSS })}\n`,
);
