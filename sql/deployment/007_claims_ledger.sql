-- The claims ledger canon.claims_yango_cabinet_14d in the deployment's real shape (docs/deployment-profile.md
-- "The claims ledger"), replacing the simplified table of 001 (migrations are append-only: a database loaded
-- before keeps its ledger of applied files). The job the runbook came with wrote it (status generated); people
-- and payments move rows on (paid, rejected, expired); with contract section 10.2 on, the reconcile job inserts
-- proven claims. person_key is uuid here while the identity tables keep text holding uuids, so readers cast.
-- The unique index on (person_key, lead_date, milestone) is what INSERT ... ON CONFLICT DO NOTHING relies on.
--
-- The old table held generated rows only (every load truncates it), so it is dropped, with the gap view that
-- reads it, when it still has the old shape; the gap view is then created again over the new table.
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM information_schema.columns
              WHERE table_schema = 'canon' AND table_name = 'claims_yango_cabinet_14d' AND column_name = 'id') THEN
    DROP VIEW IF EXISTS ops.v_cabinet_claims_gap_14d;
    DROP TABLE canon.claims_yango_cabinet_14d;
  END IF;
END $$;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                  WHERE n.nspname = 'canon' AND t.typname = 'claimstatus') THEN
    CREATE TYPE canon.claimstatus AS ENUM ('expected', 'generated', 'paid', 'rejected', 'expired');
  END IF;
END $$;
CREATE TABLE IF NOT EXISTS canon.claims_yango_cabinet_14d (
  claim_id serial PRIMARY KEY,
  person_key uuid,
  driver_id text,
  lead_source_pk text NOT NULL,
  lead_date date,
  milestone integer,
  amount_expected numeric(12, 2) NOT NULL,
  status canon.claimstatus NOT NULL DEFAULT 'expected',
  expected_at timestamptz,
  generated_at timestamptz,
  paid_at timestamptz,
  reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS claims_yango_cabinet_14d_person_lead_milestone_key
  ON canon.claims_yango_cabinet_14d (person_key, lead_date, milestone);
CREATE INDEX IF NOT EXISTS claims_yango_cabinet_14d_driver_milestone_idx
  ON canon.claims_yango_cabinet_14d (driver_id, milestone);
CREATE INDEX IF NOT EXISTS claims_yango_cabinet_14d_lead_source_milestone_idx
  ON canon.claims_yango_cabinet_14d (lead_source_pk, milestone);
CREATE INDEX IF NOT EXISTS claims_yango_cabinet_14d_status_idx ON canon.claims_yango_cabinet_14d (status);
CREATE INDEX IF NOT EXISTS claims_yango_cabinet_14d_lead_date_idx ON canon.claims_yango_cabinet_14d (lead_date);

-- The gap view as in 005, over the new ledger: its person_key is uuid, so the identity's text holding a uuid is
-- cast to it (which keeps the ledger's unique index usable). Same columns as before.
CREATE OR REPLACE VIEW ops.v_cabinet_claims_gap_14d AS
SELECT l.id AS lead_id,
       COALESCE(l.external_id, l.id::text) AS lead_source_pk,
       l.lead_created_at::date AS lead_date,
       date_trunc('week', l.lead_created_at)::date AS week_start,
       ip.person_key,
       cd.driver_id,
       l.lead_created_at::date + 14 AS window_end_14d,
       m.milestone_value,
       t.trips_14d,
       true AS milestone_achieved,
       true AS claim_expected,
       false AS claim_exists,
       'CLAIM_NOT_GENERATED'::text AS claim_status,
       'CLAIM_NOT_GENERATED'::text AS gap_reason,
       'trips_14d=' || t.trips_14d || ' >= ' || m.milestone_value
         || ', no claim in canon.claims_yango_cabinet_14d for lead_date '
         || to_char(l.lead_created_at, 'YYYY-MM-DD') AS gap_detail,
       m.expected_amount
  FROM public.module_ct_cabinet_leads l
  JOIN canon.identity_lead_person ip ON ip.lead_source_pk = COALESCE(l.external_id, l.id::text)
  JOIN ops.v_person_current_driver cd ON cd.person_key = ip.person_key
 CROSS JOIN LATERAL (
        SELECT COALESCE(sum(s.count_orders_completed), 0)::integer AS trips_14d
          FROM public.summary_daily s
         WHERE s.driver_id = cd.driver_id
           AND s.date_file ~ '^\d{2}-\d{2}-\d{4}$'
           AND to_date(s.date_file, 'DD-MM-YYYY') >= l.lead_created_at::date
           AND to_date(s.date_file, 'DD-MM-YYYY') < l.lead_created_at::date + 14) t
 CROSS JOIN (VALUES (1, 25.00::numeric(12, 2)),
                    (5, 35.00::numeric(12, 2)),
                    (25, 100.00::numeric(12, 2))) m (milestone_value, expected_amount)
 WHERE l.lead_created_at IS NOT NULL
   AND t.trips_14d >= m.milestone_value
   AND NOT EXISTS (
         SELECT 1
           FROM canon.claims_yango_cabinet_14d c
          WHERE c.person_key = ip.person_key::uuid
            AND c.lead_date = l.lead_created_at::date
            AND c.milestone = m.milestone_value
            AND c.status IN ('expected', 'generated', 'paid'));
