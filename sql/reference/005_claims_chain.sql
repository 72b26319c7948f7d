-- The claims: a chain of two materialized views under a plain view, plus one materialized view built on
-- top of the claims (a dependant, outside their dependency closure) that the reconcile job must never
-- refresh. Refresh order matters: lower (mv_cabinet_claims_base), then upper
-- (mv_claims_payment_status_cabinet); refreshing the upper one first reads the stale lower one.

-- Lower MV: one row per (driver, milestone, lead date) the cabinet partner payment calculation achieved.
-- Overlapping rules collapse here (canonical aggregate: earliest date, highest amount).
-- Modelled deployed bug (documented in README.md): a "recount" of trips for the collection team starts the
-- day AFTER the lead (day 0 dropped) and claims whose recount falls short of the milestone are dropped.
CREATE MATERIALIZED VIEW IF NOT EXISTS ops.mv_cabinet_claims_base AS
SELECT p.driver_id,
       p.milestone_trips AS milestone_value,
       p.lead_date,
       min(p.achieved_date) AS achieved_date,
       p.lead_date + 14 AS due_date,
       max(p.amount) AS expected_amount,
       rc.trips_recount,
       count(*)::integer AS rule_rows
  FROM ops.v_payment_calculation p
 CROSS JOIN LATERAL (
        SELECT COALESCE(sum(s.count_orders_completed), 0)::integer AS trips_recount
          FROM public.summary_daily s
         WHERE s.driver_id = p.driver_id
           AND s.date_file LIKE '__-__-____'
           AND ops.parse_date_file(s.date_file) > p.lead_date
           AND ops.parse_date_file(s.date_file) < p.lead_date + 14) rc
 WHERE p.origin_tag = 'cabinet'
   AND p.rule_scope = 'partner'
   AND p.milestone_achieved
   AND p.driver_id IS NOT NULL
   AND p.milestone_trips IN (1, 5, 25)
   AND rc.trips_recount >= p.milestone_trips
 GROUP BY p.driver_id, p.milestone_trips, p.lead_date, rc.trips_recount
WITH DATA;
CREATE UNIQUE INDEX IF NOT EXISTS mv_cabinet_claims_base_key
  ON ops.mv_cabinet_claims_base (driver_id, milestone_value, lead_date);

-- Upper MV: one claim per (driver, milestone), under the latest lead date with a valid claim (a
-- re-registered driver keeps only the newest), matched to payments.
CREATE MATERIALIZED VIEW IF NOT EXISTS ops.mv_claims_payment_status_cabinet AS
SELECT b.driver_id,
       b.milestone_value,
       b.lead_date,
       b.achieved_date,
       b.due_date,
       b.expected_amount,
       pay.paid_amount IS NOT NULL AS paid_flag,
       CASE WHEN pay.paid_amount IS NOT NULL THEN 'paid' ELSE 'not_paid' END AS payment_status,
       pay.paid_amount,
       pay.paid_at
  FROM ops.mv_cabinet_claims_base b
  LEFT JOIN (SELECT cp.driver_id, cp.milestone_value, cp.lead_date,
                    sum(cp.amount) AS paid_amount, max(cp.paid_at) AS paid_at
               FROM public.cabinet_claim_payments cp
              GROUP BY cp.driver_id, cp.milestone_value, cp.lead_date) pay
    ON pay.driver_id = b.driver_id AND pay.milestone_value = b.milestone_value AND pay.lead_date = b.lead_date
 WHERE NOT EXISTS (
         SELECT 1
           FROM ops.mv_cabinet_claims_base n
          WHERE n.driver_id = b.driver_id
            AND n.milestone_value = b.milestone_value
            AND n.lead_date > b.lead_date)
WITH DATA;
CREATE UNIQUE INDEX IF NOT EXISTS mv_claims_payment_status_cabinet_key
  ON ops.mv_claims_payment_status_cabinet (driver_id, milestone_value);

-- The claims view the job reads: a plain view over the upper MV.
CREATE OR REPLACE VIEW ops.v_claims_payment_status_cabinet AS
SELECT c.driver_id,
       c.milestone_value,
       c.lead_date,
       c.achieved_date,
       c.due_date,
       c.expected_amount,
       c.paid_flag,
       c.payment_status,
       c.paid_at
  FROM ops.mv_claims_payment_status_cabinet c;

-- Outside the closure: the collection team's list of unpaid claims, built ON the claims view. Its only
-- unique index is partial (a WHERE clause), as in deployments where REFRESH ... CONCURRENTLY was therefore
-- impossible (docs/domain.md failure mode 2). The reconcile job must never refresh it.
CREATE MATERIALIZED VIEW IF NOT EXISTS ops.mv_yango_cabinet_claims_for_collection AS
SELECT c.driver_id,
       c.milestone_value,
       c.lead_date,
       c.due_date,
       c.expected_amount,
       d.full_name
  FROM ops.v_claims_payment_status_cabinet c
  LEFT JOIN public.drivers d ON d.driver_id = c.driver_id
 WHERE NOT c.paid_flag
WITH DATA;
CREATE UNIQUE INDEX IF NOT EXISTS mv_yango_cabinet_claims_for_collection_key
  ON ops.mv_yango_cabinet_claims_for_collection (driver_id, milestone_value)
  WHERE expected_amount > 0;
