/**
 * A small schema shaped like the contract, whose every fact is a plain table row the test writes: the gap
 * rows, the canonical achieved rows, the payment calculation, the trips, and the claims behind a chain of
 * two materialized views (lower -> upper -> claims view), a materialized view that reads the claims (a
 * dependent, refreshed after the re-verify) and one unrelated to both (never refreshed). Lets a test set up exactly one situation per verdict or diagnosis.
 */
import type pg from "pg";

export const TOY_OBJECTS = {
  gapView: "toy.v_gap",
  claimsView: "toy.v_claims",
  achievedView: "toy.v_achieved",
  paymentCalcView: "toy.v_payment_calc",
  tripsTable: "toy.summary_daily",
} as const;

/** The same objects as the CLI's flags. */
export const TOY_CLI_OBJECTS = [
  `--gap-view=${TOY_OBJECTS.gapView}`,
  `--claims-view=${TOY_OBJECTS.claimsView}`,
  `--achieved-view=${TOY_OBJECTS.achievedView}`,
  `--payment-calc-view=${TOY_OBJECTS.paymentCalcView}`,
  `--trips-table=${TOY_OBJECTS.tripsTable}`,
];

export const TOY_SCHEMA = `
CREATE SCHEMA toy;
CREATE TABLE toy.gap_rows (driver_id text, lead_date date, milestone_value int, gap_reason text,
  claim_status text, person_key text, expected_amount numeric(12,2));
CREATE TABLE toy.achieved (driver_id text, milestone_value int, achieved_flag boolean, achieved_date date);
CREATE VIEW toy.v_achieved AS SELECT * FROM toy.achieved;
CREATE TABLE toy.payment_calc (driver_id text, origin_tag text, rule_scope text, milestone_trips int,
  milestone_achieved boolean, lead_date date, achieved_date date);
CREATE VIEW toy.v_payment_calc AS SELECT * FROM toy.payment_calc;
CREATE TABLE toy.summary_daily (driver_id text, date_file text, count_orders_completed int);
CREATE INDEX ON toy.summary_daily (driver_id);
CREATE TABLE toy.claim_source (driver_id text NOT NULL, milestone_value int NOT NULL, lead_date date NOT NULL,
  expected_amount numeric(12,2));
CREATE MATERIALIZED VIEW toy.mv_lower AS SELECT * FROM toy.claim_source;
CREATE UNIQUE INDEX mv_lower_key ON toy.mv_lower (driver_id, milestone_value, lead_date);
CREATE VIEW toy.v_lower AS SELECT * FROM toy.mv_lower;
CREATE MATERIALIZED VIEW toy.mv_upper AS SELECT * FROM toy.v_lower;
CREATE UNIQUE INDEX mv_upper_key ON toy.mv_upper (driver_id, milestone_value, lead_date);
CREATE VIEW toy.v_claims AS SELECT *, false AS paid_flag FROM toy.mv_upper;
CREATE MATERIALIZED VIEW toy.mv_for_collection AS SELECT * FROM toy.v_claims;
-- Neither read by the three views nor reading the claims view: no run may ever refresh it.
CREATE MATERIALIZED VIEW toy.mv_unrelated AS
  SELECT driver_id, sum(count_orders_completed) AS trips FROM toy.summary_daily GROUP BY driver_id;
-- Like the deployed gap view, a row stops being a gap once the claims view has its claim.
CREATE VIEW toy.v_gap AS
  SELECT g.driver_id, g.lead_date, g.milestone_value, g.gap_reason,
         CASE WHEN EXISTS (SELECT 1 FROM toy.v_claims c WHERE c.driver_id = g.driver_id
                             AND c.milestone_value = g.milestone_value AND c.lead_date = g.lead_date)
              THEN 'OK' ELSE g.claim_status END AS claim_status,
         g.person_key, g.expected_amount
    FROM toy.gap_rows g;
-- An event trigger records every REFRESH in this database, in order: proves the order and that nothing
-- outside the closure was touched.
CREATE TABLE toy.refresh_log (seq serial, view text);
CREATE FUNCTION toy.log_refresh() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
    INSERT INTO toy.refresh_log (view) VALUES (r.object_identity);
  END LOOP;
END $$;
CREATE EVENT TRIGGER toy_refresh_log ON ddl_command_end WHEN TAG IN ('REFRESH MATERIALIZED VIEW')
  EXECUTE FUNCTION toy.log_refresh();
`;

/** Views refreshed since the schema was seeded, in order. */
export async function refreshLog(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ view: string }>("SELECT view FROM toy.refresh_log ORDER BY seq");
  return rows.map((r) => r.view);
}

export async function createToySchema(client: pg.ClientBase): Promise<void> {
  await client.query("DROP EVENT TRIGGER IF EXISTS toy_refresh_log");
  await client.query("DROP SCHEMA IF EXISTS toy CASCADE");
  await client.query(TOY_SCHEMA);
}

export interface ToyLead {
  driver_id: string | null;
  lead_date: string | null;
  milestone: number;
  status?: string;
  /** Canonical achieved: date, or false for not achieved, or undefined for no row. */
  achieved?: string | false;
  /** Claims present before the run ("stale": only in claim_source, the MVs do not have it yet). */
  claim?: "fresh" | "stale" | { lead_date: string };
  paymentCalc?: { achieved: string | false } | "none";
  /** Trips per day offset from the lead date. */
  trips?: Record<number, number>;
}

/** Writes one situation per lead. Fresh claims are refreshed into both views; stale ones are not. */
export async function seedToy(client: pg.ClientBase, leads: readonly ToyLead[]): Promise<void> {
  for (const lead of leads) {
    await client.query(
      "INSERT INTO toy.gap_rows (driver_id, lead_date, milestone_value, gap_reason, claim_status, person_key) VALUES ($1, $2, $3, $4, $5, $6)",
      [
        lead.driver_id,
        lead.lead_date,
        lead.milestone,
        "CLAIM_NOT_GENERATED",
        lead.status ?? "MISSING",
        `p-${lead.driver_id}`,
      ],
    );
    if (lead.driver_id === null) continue;
    if (lead.achieved !== undefined) {
      await client.query("INSERT INTO toy.achieved VALUES ($1, $2, $3, $4)", [
        lead.driver_id,
        lead.milestone,
        lead.achieved !== false,
        lead.achieved === false ? null : lead.achieved,
      ]);
    }
    if (lead.paymentCalc !== "none" && lead.lead_date !== null) {
      const achieved = lead.paymentCalc?.achieved ?? lead.achieved ?? false;
      await client.query("INSERT INTO toy.payment_calc VALUES ($1, 'cabinet', 'partner', $2, $3, $4, $5)", [
        lead.driver_id,
        lead.milestone,
        achieved !== false,
        lead.lead_date,
        achieved === false ? null : achieved,
      ]);
    }
    for (const [offset, n] of Object.entries(lead.trips ?? {})) {
      await client.query(
        "INSERT INTO toy.summary_daily VALUES ($1, to_char($2::date + $3::int, 'DD-MM-YYYY'), $4)",
        [lead.driver_id, lead.lead_date, Number(offset), n],
      );
    }
  }
  const insertClaim = (lead: ToyLead) => {
    const leadDate = typeof lead.claim === "object" ? lead.claim.lead_date : lead.lead_date;
    return client.query("INSERT INTO toy.claim_source VALUES ($1, $2, $3, NULL)", [
      lead.driver_id,
      lead.milestone,
      leadDate,
    ]);
  };
  // Fresh claims go through the whole chain; stale ones land in the source after the last refresh, so
  // only a refresh of the lower view, then the upper one, brings them into the claims view.
  for (const lead of leads)
    if (lead.claim && lead.claim !== "stale" && lead.driver_id !== null) await insertClaim(lead);
  await client.query("REFRESH MATERIALIZED VIEW toy.mv_lower");
  await client.query("REFRESH MATERIALIZED VIEW toy.mv_upper");
  await client.query("REFRESH MATERIALIZED VIEW toy.mv_for_collection");
  for (const lead of leads) if (lead.claim === "stale" && lead.driver_id !== null) await insertClaim(lead);
  await client.query("TRUNCATE toy.refresh_log");
}

/** The lead date of the situations below (the window counts from it; the tests run as of 2026-11-10). */
export const TOY_LEAD = "2026-11-01";

/** One lead per verdict and diagnosis; the driver id names the situation. */
export const TOY_SITUATIONS: readonly ToyLead[] = [
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
    milestone: 1,
    achieved: "2026-11-02",
    claim: "fresh",
    status: "OK",
  },
  { driver_id: null, lead_date: TOY_LEAD, milestone: 5 },
  { driver_id: "not-achieved", lead_date: TOY_LEAD, milestone: 5, achieved: false, trips: { 0: 3 } },
  { driver_id: "day14", lead_date: TOY_LEAD, milestone: 5, achieved: "2026-11-15", trips: { 14: 5 } },
  {
    driver_id: "other-lead",
    lead_date: TOY_LEAD,
    milestone: 5,
    achieved: "2026-11-05",
    claim: { lead_date: "2026-10-20" },
    trips: { 4: 5 },
  },
  {
    driver_id: "no-calc",
    lead_date: TOY_LEAD,
    milestone: 5,
    achieved: "2026-11-05",
    paymentCalc: "none",
    trips: { 4: 5 },
  },
  {
    driver_id: "calc-no",
    lead_date: TOY_LEAD,
    milestone: 5,
    achieved: "2026-11-05",
    paymentCalc: { achieved: false },
    trips: { 4: 5 },
  },
  {
    driver_id: "few-trips",
    lead_date: TOY_LEAD,
    milestone: 5,
    achieved: "2026-11-05",
    trips: { 0: 2, 14: 5 },
  },
  { driver_id: "day13", lead_date: TOY_LEAD, milestone: 5, achieved: "2026-11-14", trips: { 13: 5 } },
];
