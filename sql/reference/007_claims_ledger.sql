-- A claims ledger (docs/ledger.md), for trying --record-claims on the reference profile. Its gap view does not
-- read it (existence comes from the claims view, 006), so recording changes no gap row here; the deployment
-- profile's ledger is the one its gap view reads (sql/deployment/007). Shaped differently from the
-- deployment's on purpose, so the job's casts to the ledger's own column types are proven on both: a text
-- person key, a text status with a CHECK instead of an enum, a smallint milestone, an identity key, and the
-- unique key as a table constraint instead of an index.
CREATE SCHEMA IF NOT EXISTS canon;

CREATE TABLE IF NOT EXISTS canon.claims_yango_cabinet_14d (
  claim_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  person_key text NOT NULL,
  driver_id text,
  lead_source_pk text,
  lead_date date NOT NULL,
  milestone smallint NOT NULL CHECK (milestone IN (1, 5, 25)),
  amount_expected numeric(12, 2) NOT NULL CHECK (amount_expected >= 0),
  status text NOT NULL DEFAULT 'expected'
    CHECK (status IN ('expected', 'generated', 'paid', 'rejected', 'expired')),
  generated_at timestamptz,
  reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT claims_yango_cabinet_14d_key UNIQUE (person_key, lead_date, milestone)
);
