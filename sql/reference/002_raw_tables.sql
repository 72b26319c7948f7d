-- Raw tables, shaped like the deployment (docs/domain.md). No foreign keys: deployed data is messy on purpose
-- (links to drivers that do not exist, leads without identity) and loads must stay fast.

CREATE TABLE IF NOT EXISTS public.drivers (
  driver_id text PRIMARY KEY,
  full_name text,
  hired_at date,
  status text NOT NULL DEFAULT 'active'
);

-- Cabinet leads. The lead date is lead_created_at::date; the canonical key COALESCE(external_id, id::text);
-- re-uploads duplicate a lead under the same key.
CREATE TABLE IF NOT EXISTS public.module_ct_cabinet_leads (
  id bigint PRIMARY KEY,
  external_id text,
  lead_created_at timestamp without time zone
);
CREATE INDEX IF NOT EXISTS module_ct_cabinet_leads_lead_date_idx
  ON public.module_ct_cabinet_leads ((lead_created_at::date));
CREATE INDEX IF NOT EXISTS module_ct_cabinet_leads_source_pk_idx
  ON public.module_ct_cabinet_leads ((COALESCE(external_id, id::text)), lead_created_at, id);

-- Identity: lead (by canonical key) -> person; person -> driver (several links possible, most recent wins).
CREATE TABLE IF NOT EXISTS public.identity_lead_person (
  lead_source_pk text PRIMARY KEY,
  person_key text NOT NULL,
  linked_at timestamp without time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS identity_lead_person_person_idx ON public.identity_lead_person (person_key);

CREATE TABLE IF NOT EXISTS public.identity_person_driver (
  person_key text NOT NULL,
  driver_id text NOT NULL,
  linked_at timestamp without time zone NOT NULL,
  PRIMARY KEY (person_key, linked_at, driver_id)
);
CREATE INDEX IF NOT EXISTS identity_person_driver_driver_idx ON public.identity_person_driver (driver_id);

-- Lead events per person and origin: one 'cabinet_lead' per identified cabinet lead, plus earlier
-- 'scout_registration' events and 'fleet_migration' arrivals. The payment calculation takes the earliest.
CREATE TABLE IF NOT EXISTS public.lead_events (
  id bigint PRIMARY KEY,
  person_key text NOT NULL,
  origin_tag text NOT NULL,
  event_type text NOT NULL,
  event_at timestamp without time zone NOT NULL,
  source_pk text
);
CREATE INDEX IF NOT EXISTS lead_events_person_idx ON public.lead_events (person_key, origin_tag, event_at);

-- Trips: one row per driver per production day, date_file as TEXT ('DD-MM-YYYY'; some 'YYYY-MM-DD').
-- A text column cannot serve a date range, so the index is on the parsed day, covering the columns the
-- views read (index-only scans after VACUUM).
CREATE TABLE IF NOT EXISTS public.summary_daily (
  driver_id text NOT NULL,
  date_file text NOT NULL,
  count_orders_completed integer NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS summary_daily_driver_day_idx
  ON public.summary_daily (driver_id, ops.parse_date_file(date_file))
  INCLUDE (count_orders_completed, date_file);

-- Payment rules: validity is inclusive on both ends, NULL = open. Overlapping active rules happen.
CREATE TABLE IF NOT EXISTS public.payment_rules (
  id integer PRIMARY KEY,
  name text NOT NULL,
  origin_tag text NOT NULL CHECK (origin_tag IN ('cabinet', 'fleet_migration')),
  rule_scope text NOT NULL CHECK (rule_scope IN ('partner', 'scout')),
  window_days integer NOT NULL CHECK (window_days > 0),
  milestone_trips integer NOT NULL CHECK (milestone_trips > 0),
  amount numeric(12, 2) NOT NULL,
  valid_from date,
  valid_to date,
  is_active boolean NOT NULL DEFAULT true
);

-- Payments received from the platform, matched to claims by (driver, milestone, lead date).
CREATE TABLE IF NOT EXISTS public.cabinet_claim_payments (
  id bigint PRIMARY KEY,
  driver_id text NOT NULL,
  milestone_value integer NOT NULL,
  lead_date date NOT NULL,
  amount numeric(12, 2) NOT NULL,
  paid_at timestamp without time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS cabinet_claim_payments_claim_idx
  ON public.cabinet_claim_payments (driver_id, milestone_value, lead_date);
