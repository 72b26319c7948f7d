-- Payments, materialized in a chain as deployed: raw payments -> latest ledger version -> enriched (matched
-- to drivers by name). They feed the claims view's paid_flag / payment_status only. Each has a unique index
-- on plain columns, so REFRESH ... CONCURRENTLY works.

CREATE MATERIALIZED VIEW IF NOT EXISTS ops.mv_yango_payments_raw AS
SELECT p.id AS payment_id,
       lower(btrim(p.driver_name)) AS name_key,
       p.milestone AS milestone_value,
       p.amount,
       p.paid_at
  FROM public.yango_payments_raw p
WITH DATA;
CREATE UNIQUE INDEX IF NOT EXISTS mv_yango_payments_raw_key ON ops.mv_yango_payments_raw (payment_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS ops.mv_yango_payments_ledger_latest AS
SELECT DISTINCT ON (l.payment_id)
       l.payment_id,
       r.name_key,
       r.milestone_value,
       r.amount,
       l.version,
       l.status,
       l.recorded_at
  FROM public.yango_payments_ledger l
  JOIN ops.mv_yango_payments_raw r ON r.payment_id = l.payment_id
 ORDER BY l.payment_id, l.version DESC
WITH DATA;
CREATE UNIQUE INDEX IF NOT EXISTS mv_yango_payments_ledger_latest_key
  ON ops.mv_yango_payments_ledger_latest (payment_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS ops.mv_yango_payments_enriched AS
SELECT ll.payment_id,
       d.driver_id,
       ll.milestone_value,
       ll.amount,
       ll.status,
       ll.recorded_at
  FROM ops.mv_yango_payments_ledger_latest ll
  JOIN public.drivers d ON lower(btrim(d.full_name)) = ll.name_key
WITH DATA;
CREATE UNIQUE INDEX IF NOT EXISTS mv_yango_payments_enriched_key
  ON ops.mv_yango_payments_enriched (payment_id, driver_id);
CREATE INDEX IF NOT EXISTS mv_yango_payments_enriched_driver_idx
  ON ops.mv_yango_payments_enriched (driver_id, milestone_value, recorded_at DESC, payment_id DESC);
