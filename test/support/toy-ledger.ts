/**
 * The toy schema with a claims ledger shaped like the deployment's (`claim_id` serial, `person_key` uuid,
 * `status` an enum, `amount_expected` NOT NULL, `lead_source_pk` NOT NULL, timestamps, `reason`, a unique index
 * on `(person_key, lead_date, milestone)`), a payment calculation that carries its rule's `amount`, and a gap
 * view that, like the deployment's, decides whether a claim exists from the ledger (expected, generated,
 * paid), not from the claims view. Built on `toy-schema.ts`; every fact is a row a test writes.
 */
import type pg from "pg";
import { createToySchema, seedToy, TOY_LEAD, type ToyLead } from "./toy-schema.js";

export const TOY_LEDGER = "toy.claims_ledger";

const LEDGER_SCHEMA = `
ALTER TABLE toy.payment_calc ADD COLUMN amount numeric(12, 2);
CREATE OR REPLACE VIEW toy.v_payment_calc AS SELECT * FROM toy.payment_calc;
ALTER TABLE toy.gap_rows ADD COLUMN lead_source_pk text;
CREATE TYPE toy.claimstatus AS ENUM ('expected', 'generated', 'paid', 'rejected', 'expired');
CREATE TABLE toy.claims_ledger (
  claim_id serial PRIMARY KEY,
  person_key uuid NOT NULL,
  driver_id text,
  lead_source_pk text NOT NULL,
  lead_date date NOT NULL,
  milestone integer NOT NULL,
  amount_expected numeric(12, 2) NOT NULL,
  status toy.claimstatus NOT NULL DEFAULT 'expected',
  expected_at timestamptz,
  generated_at timestamptz,
  paid_at timestamptz,
  reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX claims_ledger_key ON toy.claims_ledger (person_key, lead_date, milestone);
CREATE INDEX claims_ledger_driver ON toy.claims_ledger (driver_id, milestone);
CREATE INDEX claims_ledger_status ON toy.claims_ledger (status);
CREATE OR REPLACE VIEW toy.v_gap AS
  SELECT g.driver_id, g.lead_date, g.milestone_value, g.gap_reason,
         CASE WHEN EXISTS (SELECT 1 FROM toy.claims_ledger l
                            WHERE l.person_key::text = g.person_key AND l.lead_date = g.lead_date
                              AND l.milestone = g.milestone_value
                              AND l.status IN ('expected', 'generated', 'paid'))
              THEN 'OK' ELSE g.claim_status END AS claim_status,
         g.person_key, g.expected_amount, g.lead_source_pk
    FROM toy.gap_rows g;
`;

/** The rows of `toy-schema.ts`'s situations, plus the ledger's own cases (by driver id). */
export const LEDGER_SITUATIONS: readonly ToyLead[] = [
  // Proven: the refresh brings its claim (RESOLVED), and one already there (ALREADY_EXISTS).
  {
    driver_id: "stale",
    lead_date: TOY_LEAD,
    milestone: 1,
    achieved: "2026-11-02",
    claim: "stale",
    trips: { 1: 1 },
  },
  {
    driver_id: "exists",
    lead_date: TOY_LEAD,
    milestone: 5,
    achieved: "2026-11-03",
    claim: "fresh",
    trips: { 2: 5 },
  },
  // The rule in force pays 0 although the claims view holds the claim: nothing is owed.
  {
    driver_id: "zero",
    lead_date: TOY_LEAD,
    milestone: 25,
    achieved: "2026-11-09",
    claim: "fresh",
    trips: { 8: 25 },
  },
  // Two partner rules in force that pay differently (the second calculation row is added below).
  {
    driver_id: "conflict",
    lead_date: TOY_LEAD,
    milestone: 5,
    achieved: "2026-11-03",
    claim: "fresh",
    trips: { 2: 5 },
  },
  // Claims the ledger already holds, in each status a person or a payment set.
  ...(["expected", "generated", "paid", "rejected", "expired"] as const).map(
    (status): ToyLead => ({
      driver_id: `held-${status}`,
      lead_date: TOY_LEAD,
      milestone: 1,
      achieved: "2026-11-02",
      claim: "fresh",
      trips: { 1: 1 },
    }),
  ),
  // Still missing: never recorded.
  {
    driver_id: "few-trips",
    lead_date: TOY_LEAD,
    milestone: 5,
    achieved: "2026-11-05",
    trips: { 0: 2, 14: 5 },
  },
  { driver_id: null, lead_date: TOY_LEAD, milestone: 5 },
];

/** Builds the toy schema with the ledger, seeds `LEDGER_SITUATIONS` and the ledger's pre-existing rows. */
export async function createToyLedger(client: pg.ClientBase): Promise<void> {
  await createToySchema(client);
  await client.query(LEDGER_SCHEMA);
  await seedToy(client, LEDGER_SITUATIONS);
  await client.query(`UPDATE toy.gap_rows SET person_key = md5(driver_id)::uuid::text,
                             lead_source_pk = 'lead-' || driver_id WHERE driver_id IS NOT NULL`);
  await client.query(
    `UPDATE toy.payment_calc SET amount = CASE milestone_trips WHEN 1 THEN 25 WHEN 5 THEN 35 ELSE 100 END`,
  );
  await client.query(`UPDATE toy.payment_calc SET amount = 0 WHERE driver_id = 'zero'`);
  await client.query(`INSERT INTO toy.payment_calc
                      SELECT driver_id, origin_tag, rule_scope, milestone_trips, milestone_achieved, lead_date,
                             achieved_date, 50 FROM toy.payment_calc WHERE driver_id = 'conflict'`);
  await client.query(`INSERT INTO toy.claims_ledger (person_key, driver_id, lead_source_pk, lead_date, milestone,
                                                     amount_expected, status, reason, created_at, updated_at)
                      SELECT md5(driver_id)::uuid, driver_id, 'lead-' || driver_id, lead_date, milestone_value, 25,
                             substr(driver_id, 6)::toy.claimstatus, 'set by a person',
                             '2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z'
                        FROM toy.gap_rows WHERE driver_id LIKE 'held-%'`);
}

/** Every ledger row as text, in key order: a byte-for-byte picture to compare before and after. */
export async function ledgerSnapshot(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ t: string }>(
    "SELECT l::text AS t FROM toy.claims_ledger l ORDER BY person_key, lead_date, milestone",
  );
  return rows.map((r) => r.t);
}

/** The gap view's rows with a gap status (what the operators' screen shows). */
export async function toyGapCount(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    "SELECT count(*) AS n FROM toy.v_gap WHERE claim_status = 'MISSING'",
  );
  return Number(rows[0]?.n);
}
