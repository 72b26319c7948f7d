/**
 * `npm run demo`: the job end to end on a throw-away PostgreSQL. Starts an embedded server, applies a schema,
 * generates a realistic history with every failure mode planted, runs the CLI for real (with the refresh),
 * writes out/report.json and out/report.csv, and stops the server.
 *
 *   npm run demo                                        the reference schema (sql/reference, domain.md)
 *   npm run demo -- --profile deployment [--state drift] the deployment's own view shapes (sql/deployment,
 *                                                        docs/deployment-profile.md), claims view live (default) or drift
 *   npm run demo -- --profile deployment --record-claims  also records the proven claims in the claims ledger
 *                                                        (docs/ledger.md) and prints the gap view's window
 *                                                        before and after (the runbook's first validation query)
 *
 * DEMO_SEED and DEMO_SCALE (default 7 and 1) choose the data; `--pg 14` runs on another installed PostgreSQL
 * major (14 to 18; 18 by default).
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { main } from "../lambda/cli/main.js";
import { DEFAULT_TIME_ZONE } from "../lambda/config.js";
import { generateDeployment } from "../reference/deployment-generator.js";
import {
  DEPLOYMENT_STATE_NAMES,
  type DeploymentState,
  migrateDeployment,
} from "../reference/deployment-schema.js";
import {
  DEFAULT_POSTGRES_MAJOR,
  isPostgresMajor,
  POSTGRES_MAJORS,
  startEmbeddedPostgres,
} from "../reference/embedded.js";
import { generate } from "../reference/generator.js";
import { migrate } from "../reference/migrate.js";

const USAGE = `usage: npm run demo -- [--profile reference|deployment] [--state live|drift]

  --profile reference   the reference schema (sql/reference), the default
  --profile deployment  the deployment's own view shapes (sql/deployment, docs/deployment-profile.md)
  --state live|drift    deployment profile only: the claims view's state (default live)
  --record-claims       record the proven claims in the claims ledger; print the gap view before and after
  --pg 14|15|16|17|18   the embedded PostgreSQL major (default 18)
  --help                this text

Environment: DEMO_SEED (default 7), DEMO_SCALE (default 1).
`;

const { values } = parseArgs({
  options: {
    profile: { type: "string", default: "reference" },
    state: { type: "string" },
    help: { type: "boolean", default: false },
    pg: { type: "string" },
    "record-claims": { type: "boolean", default: false },
  },
  strict: true,
});
const profile = values.profile;
const state = values.state ?? "live";
const pgMajor = values.pg === undefined ? DEFAULT_POSTGRES_MAJOR : Number(values.pg);
const major = isPostgresMajor(pgMajor) ? pgMajor : undefined;
let usageError: string | null = null;
if (major === undefined) usageError = `--pg must be one of ${POSTGRES_MAJORS.join(", ")}`;
else if (profile !== "reference" && profile !== "deployment") usageError = `unknown --profile ${profile}`;
else if (!(DEPLOYMENT_STATE_NAMES as readonly string[]).includes(state))
  usageError = `unknown --state ${state}`;
else if (profile === "reference" && values.state !== undefined)
  usageError = "--state applies to --profile deployment";

if (values.help || usageError) {
  if (usageError) process.stderr.write(`demo: ${usageError}\n`);
  process.stdout.write(USAGE);
  process.exitCode = usageError ? 2 : 0;
} else {
  const seed = Number(process.env.DEMO_SEED ?? 7);
  const scale = Number(process.env.DEMO_SCALE ?? 1);
  const server = await startEmbeddedPostgres({ major });
  let exitCode = 1;
  try {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      // The business day is Lima's, as the job counts it; the data is generated around that day.
      await client.query("SELECT set_config('TimeZone', $1, false)", [DEFAULT_TIME_ZONE]);
      if (profile === "deployment") {
        await migrateDeployment(client);
        const truth = await generateDeployment(client, { seed, scale, state: state as DeploymentState });
        const s = truth.states[truth.state];
        process.stdout.write(
          `demo: embedded PostgreSQL ${server.major} on port ${server.port}; deployment profile, claims view ${truth.state}; ` +
            `generated seed ${seed} scale ${scale} as of ${truth.asOf} in ${truth.buildMs + truth.load.loadMs} ms: ` +
            `${truth.counts.summary_daily} trip rows, ${truth.windowRows} gap-view rows in the window ` +
            `(${s.gapRowsWithClaim} already have their claim in the claims view), ` +
            `${s.resolvedKeys.length} a refresh resolves, ${s.byVerdict.afterRefresh.STILL_MISSING ?? 0} it cannot ` +
            `(S/ ${s.amountStillMissing}, each claim once)\n\n`,
        );
      } else {
        await migrate(client);
        const truth = await generate(client, { seed, scale });
        const stillMissing = truth.byVerdict.afterRefresh.STILL_MISSING ?? 0;
        process.stdout.write(
          `demo: embedded PostgreSQL ${server.major} on port ${server.port}; generated seed ${seed} scale ${scale} as of ${truth.asOf}: ` +
            `${truth.counts.summary_daily} trip rows, ${truth.windowRows.length} gap-view rows in the window, ` +
            `${truth.staleMvGaps} stale claims, ${stillMissing} gaps a refresh cannot fix (S/ ${truth.amountStillMissing})\n\n`,
        );
      }
    } finally {
      await client.end();
    }
    const record = values["record-claims"] === true;
    const before = record ? await gapWindow(server.url) : null;
    exitCode = await main([
      "--database-url",
      server.url,
      "--output-json",
      "out/report.json",
      "--output-csv",
      "out/report.csv",
      "--output-html",
      "out/report.html",
      ...(record ? ["--record-claims"] : []),
    ]);
    if (before) {
      const after = await gapWindow(server.url);
      process.stdout.write(
        `\ndemo: the runbook's first validation query (gap view, 21 days): ${describeWindow(before)} before the run, ${describeWindow(after)} after\n`,
      );
    }
  } finally {
    await server.stop();
  }
  process.exitCode = exitCode;
}

/** The runbook's first validation query, unchanged (docs/contract.md §8), in the business day's zone. */
async function gapWindow(url: string): Promise<Array<{ gap_reason: string | null; count: string }>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SELECT set_config('TimeZone', $1, false)", [DEFAULT_TIME_ZONE]);
    const { rows } = await client.query<{ gap_reason: string | null; count: string }>(`
      SELECT gap_reason, COUNT(*) AS count
      FROM ops.v_cabinet_claims_gap_14d
      WHERE lead_date >= CURRENT_DATE - INTERVAL '21 days'
      GROUP BY gap_reason
      ORDER BY count DESC`);
    return rows;
  } finally {
    await client.end();
  }
}

function describeWindow(rows: ReadonlyArray<{ gap_reason: string | null; count: string }>): string {
  const total = rows.reduce((sum, r) => sum + Number(r.count), 0);
  const parts = rows.map((r) => `${r.gap_reason ?? "(null)"} ${r.count}`).join(", ");
  return `${total} rows (${parts || "none"})`;
}
