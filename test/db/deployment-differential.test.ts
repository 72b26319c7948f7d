import { describe, expect, it } from "vitest";
import { dayOf, isoOf } from "../../reference/days.js";
import { buildDeploymentDataset, loadDeploymentDataset } from "../../reference/deployment-generator.js";
import { buildDeploymentModel } from "../../reference/deployment-model.js";
import { DEPLOYMENT_MVS, type DeploymentState } from "../../reference/deployment-schema.js";
import { deploymentGroundTruth } from "../../reference/deployment-truth.js";
import { refreshMv } from "../../reference/load.js";
import { useTestDatabase } from "../support/db.js";
import {
  insertRecordedKeys,
  readDeploymentAchieved,
  readDeploymentCalc,
  readDeploymentClaims,
  readDeploymentGap,
  readLedger,
  readRowAmounts,
  sorted,
} from "./deployment-support.js";

const SEEDS = 16;

/**
 * The deployment profile's SQL views against the independent TypeScript model, row for row, on small
 * random datasets (every planted case at least once, different calendars, both claims-view states): the
 * gap, payment calculation and achieved views, the claims view as generated and after the MVs beneath it
 * are refreshed; the claims ledger as loaded, each window row's rule amount (§10.1, written in SQL), and the
 * gap view after the ground truth's recorded keys are inserted into the ledger (its `gapsAfter`).
 */
describe("deployment profile vs independent model (differential)", () => {
  const db = useTestDatabase({ profile: "deployment" });

  it(`agrees row for row on ${SEEDS} random seeds`, async () => {
    const client = await db().pool.connect();
    try {
      for (let seed = 2000; seed < 2000 + SEEDS; seed++) {
        // Prepare
        const state: DeploymentState = seed % 2 === 0 ? "live" : "drift";
        const scale = [0.01, 0.02, 0.03][seed % 3] as number;
        const asOf = isoOf(dayOf("2025-01-06") + (seed % 53) * 5 + (seed % 7));
        const ds = buildDeploymentDataset({ seed, scale, asOf, historyDays: 50 });
        const model = buildDeploymentModel(ds);
        const truth = deploymentGroundTruth(ds, { model });
        await loadDeploymentDataset(client, ds, { state, vacuum: false });
        const context = `seed ${seed}, scale ${scale}, asOf ${asOf}, ${state}`;
        // Act / Assess: as generated
        expect(await readDeploymentGap(client), context).toEqual(sorted(model.gap));
        expect(await readDeploymentCalc(client), context).toEqual(sorted(model.paymentCalculation));
        expect(await readDeploymentAchieved(client), context).toEqual(sorted(model.achieved));
        expect(await readDeploymentClaims(client), context).toEqual(sorted(model.claims[state].now));
        // Act / Assess: after refreshing what lies beneath the claims view in this state
        for (const mv of state === "drift"
          ? [...DEPLOYMENT_MVS.payments, DEPLOYMENT_MVS.receivable]
          : DEPLOYMENT_MVS.payments)
          await refreshMv(client, mv);
        expect(await readDeploymentClaims(client), context).toEqual(sorted(model.claims[state].refreshed));
        // Assess: the ledger, and the rule's money per window row
        expect(await readLedger(client), context).toEqual(sorted(ds.claims));
        const from = isoOf(dayOf(asOf) - truth.daysBack);
        const s = truth.states[state];
        expect(await readRowAmounts(client, from), context).toEqual(
          sorted(
            s.rows.map((r) => ({
              lead_source_pk: r.lead_source_pk,
              milestone_value: r.milestone_value,
              amount: r.expected.amount,
              amount_source: r.expected.amount_source,
              amount_conflict: r.expected.amount_conflict,
            })),
          ),
        );
        // Act / Assess: record what a real run records; the gap view's window shrinks to gapsAfter
        const recorded = s.recording.real.recordedKeys;
        expect(
          await insertRecordedKeys(client, recorded, "00000000-0000-4000-8000-000000000001"),
          context,
        ).toBe(recorded.length);
        const gone = new Set(recorded.map((k) => `${k.person_key}|${k.lead_date}|${k.milestone}`));
        const after = await readDeploymentGap(client, `lead_date >= '${from}'::date`);
        expect(after.length, context).toBe(s.recording.real.gapsAfter);
        expect(after, context).toEqual(
          sorted(
            model.gap.filter(
              (g) => g.lead_date >= from && !gone.has(`${g.person_key}|${g.lead_date}|${g.milestone_value}`),
            ),
          ),
        );
      }
    } finally {
      client.release();
    }
  }, 240_000);
});
