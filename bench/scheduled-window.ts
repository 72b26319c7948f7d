/**
 * `npx tsx bench/scheduled-window.ts [--scales 1,10] [--runs 2]`: the stack's scheduled parameters
 * (daysBack 60, limit 20,000: infra/stack-config.ts) on the reference profile, timed end to end. Each
 * measured run starts on a fresh clone of the scale's template (its claims MVs stale as the generator left
 * them, so the first run refreshes: the expensive hour), then runs once more on the same clone (the steady
 * hour: nothing changed since). Prints one Markdown table; the numbers go to bench/RESULTS.md by hand.
 */
import { parseArgs } from "node:util";
import { runJob } from "./capture.js";
import { makeTemplate, onClone, startBenchServer } from "./db.js";
import { median, ms, table } from "./stats.js";

const { values } = parseArgs({
  options: { scales: { type: "string", default: "1,10" }, runs: { type: "string", default: "2" } },
});
const scales = String(values.scales).split(",").map(Number);
const runs = Number(values.runs);
const AS_OF = "2025-06-16";
/** The schedule's input (infra/stack-config.ts DEFAULTS.scheduleInput), pinned to a fixed business day. */
const params = { daysBack: 60, limit: 20_000, asOf: AS_OF };

const server = await startBenchServer();
const lines: string[][] = [];
try {
  for (const scale of scales) {
    const template = await makeTemplate(server, scale, AS_OF);
    process.stderr.write(`scale ${scale}: template in ${template.generateMs} ms\n`);
    const first: number[] = [];
    const steady: number[] = [];
    let processed = 0;
    let gapsFound = 0;
    let status = "";
    for (let i = 0; i < runs; i++) {
      await onClone(server, template.name, async (url) => {
        const a = await runJob(url, params);
        const b = await runJob(url, params);
        first.push(a.ms);
        steady.push(b.ms);
        processed = a.report.metrics.processed;
        gapsFound = a.report.metrics.gaps_found;
        status = `${a.report.status}/${b.report.status}`;
        process.stderr.write(
          `scale ${scale} run ${i + 1}: first ${ms(a.ms)}, steady ${ms(b.ms)}, processed ${processed}, gaps_found ${gapsFound}\n`,
        );
      });
    }
    lines.push([
      String(scale),
      JSON.stringify(params),
      String(gapsFound),
      String(processed),
      status,
      ms(median(first)),
      ms(median(steady)),
    ]);
  }
} finally {
  await server.stop();
}
process.stdout.write(
  `${table(
    [
      "scale",
      "parameters",
      "gaps_found",
      "processed",
      "status",
      "first run (refresh), median",
      "next run, median",
    ],
    lines,
  )}\n`,
);
