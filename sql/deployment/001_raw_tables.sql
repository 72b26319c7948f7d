-- Raw tables of the deployment profile (docs/deployment-profile.md "Raw data"), in the schemas the deployment uses:
-- public (leads, trips, rules, drivers, payments), canon (identity, the physical claims table),
-- observational (lead events). No foreign keys: deployed data is messy on purpose and loads must stay fast.

CREATE SCHEMA IF NOT EXISTS ops;
CREATE SCHEMA IF NOT EXISTS canon;
CREATE SCHEMA IF NOT EXISTS observational;

-- The driver registry (~126k at scale 1, most never drove in the history). Payments are matched to drivers
-- by name, so full_name matters.
CREATE TABLE IF NOT EXISTS public.drivers (
  driver_id text PRIMARY KEY,
  full_name text NOT NULL
);

-- Cabinet leads as uploaded. Lead key COALESCE(external_id, id::text); lead date lead_created_at::date. A lead
-- uploaded twice without external_id is two rows with two keys.
CREATE TABLE IF NOT EXISTS public.module_ct_cabinet_leads (
  id bigint PRIMARY KEY,
  external_id text,
  lead_created_at timestamp without time zone
);
CREATE INDEX IF NOT EXISTS module_ct_cabinet_leads_lead_date_idx
  ON public.module_ct_cabinet_leads ((lead_created_at::date));

-- Identity: lead key -> person; person -> driver (several links possible, the most recent wins).
CREATE TABLE IF NOT EXISTS canon.identity_lead_person (
  lead_source_pk text PRIMARY KEY,
  person_key text NOT NULL,
  linked_at timestamp without time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS identity_lead_person_person_idx ON canon.identity_lead_person (person_key);

CREATE TABLE IF NOT EXISTS canon.identity_person_driver (
  person_key text NOT NULL,
  driver_id text NOT NULL,
  linked_at timestamp without time zone NOT NULL,
  PRIMARY KEY (person_key, linked_at, driver_id)
);
CREATE INDEX IF NOT EXISTS identity_person_driver_driver_idx ON canon.identity_person_driver (driver_id);

-- Lead events: one per ingested cabinet lead (source 'cabinet_lead') and one per scouting registration
-- (source 'scouting'), both origin 'cabinet'; 'fleet_migration' arrivals. Not every lead is ingested.
CREATE TABLE IF NOT EXISTS observational.lead_events (
  id bigint PRIMARY KEY,
  person_key text NOT NULL,
  origin_tag text NOT NULL,
  source text NOT NULL,
  event_date date NOT NULL
);
CREATE INDEX IF NOT EXISTS lead_events_person_idx
  ON observational.lead_events (person_key, origin_tag, event_date);

-- Trips, one row per driver and day, date_file as TEXT ('DD-MM-YYYY'; some uploads 'YYYY-MM-DD'). The views
-- parse with to_date, which is not IMMUTABLE, so no expression index: each driver's few rows are found
-- through driver_id and filtered.
CREATE TABLE IF NOT EXISTS public.summary_daily (
  driver_id text NOT NULL,
  date_file text NOT NULL,
  count_orders_completed integer NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS summary_daily_driver_idx
  ON public.summary_daily (driver_id) INCLUDE (date_file, count_orders_completed);

-- Payment rules, one table per scope. Validity inclusive on both ends, NULL = open; overlaps happen; some
-- partner rules carry amount 0. Ids are unique across both tables.
CREATE TABLE IF NOT EXISTS public.partner_payment_rules (
  id integer PRIMARY KEY,
  name text NOT NULL,
  origin_tag text NOT NULL,
  milestone_trips integer NOT NULL CHECK (milestone_trips > 0),
  window_days integer NOT NULL DEFAULT 14 CHECK (window_days > 0),
  amount numeric(12, 2) NOT NULL,
  valid_from date,
  valid_to date,
  is_active boolean NOT NULL DEFAULT true
);
CREATE TABLE IF NOT EXISTS public.scout_payment_rules (
  id integer PRIMARY KEY,
  name text NOT NULL,
  origin_tag text NOT NULL,
  milestone_trips integer NOT NULL CHECK (milestone_trips > 0),
  window_days integer NOT NULL DEFAULT 7 CHECK (window_days > 0),
  amount numeric(12, 2) NOT NULL,
  valid_from date,
  valid_to date,
  is_active boolean NOT NULL DEFAULT true
);

-- The physical claims table an earlier job wrote and nothing writes now. The gap view decides "claim exists"
-- from it (status expected, generated or paid), not from the claims view.
CREATE TABLE IF NOT EXISTS canon.claims_yango_cabinet_14d (
  id bigint PRIMARY KEY,
  person_key text NOT NULL,
  lead_date date NOT NULL,
  milestone integer NOT NULL,
  status text NOT NULL CHECK (status IN ('expected', 'generated', 'paid', 'rejected', 'expired'))
);
CREATE INDEX IF NOT EXISTS claims_yango_cabinet_14d_key_idx
  ON canon.claims_yango_cabinet_14d (person_key, lead_date, milestone);

-- Payments from the platform, matched to drivers by name only, versioned in a ledger (latest version wins).
CREATE TABLE IF NOT EXISTS public.yango_payments_raw (
  id bigint PRIMARY KEY,
  driver_name text NOT NULL,
  milestone integer NOT NULL,
  amount numeric(12, 2) NOT NULL,
  paid_at timestamp without time zone NOT NULL
);
CREATE TABLE IF NOT EXISTS public.yango_payments_ledger (
  payment_id bigint NOT NULL,
  version integer NOT NULL,
  status text NOT NULL CHECK (status IN ('paid', 'reversed')),
  recorded_at timestamp without time zone NOT NULL,
  PRIMARY KEY (payment_id, version)
);
