-- The claims: the receivable MV (read by the claims view in the drift state only), the claims view in its
-- live state (sql/deployment/states/ holds both states; setDeploymentState() swaps them with CREATE OR
-- REPLACE VIEW, same columns, so the MVs below stay valid), and the two MVs built DOWNSTREAM of the claims
-- view: its materialized copy and the collection team's list.

-- Partner achievements of the payment calculation whose rule pays something (amount > 0). No unique index:
-- only a plain REFRESH works on it.
CREATE MATERIALIZED VIEW IF NOT EXISTS ops.mv_yango_receivable_payable_detail AS
SELECT p.person_key,
       p.driver_id,
       p.rule_id,
       p.milestone_trips AS milestone_value,
       p.lead_date,
       p.achieved_date,
       p.amount
  FROM ops.v_payment_calculation p
 WHERE p.origin_tag = 'cabinet'
   AND p.rule_scope = 'partner'
   AND p.milestone_trips IN (1, 5, 25)
   AND p.milestone_achieved
   AND p.amount > 0
WITH DATA;
CREATE INDEX IF NOT EXISTS mv_yango_receivable_payable_detail_driver_idx
  ON ops.mv_yango_receivable_payable_detail (driver_id, milestone_value, lead_date);

-- The claims view, *live* state: driver-first, one row per (driver, milestone 1/5/25) under the LATEST
-- lead date of the payment calculation (the earliest lead event, not the cabinet lead's date) whose partner
-- achievement falls in [lead_date, lead_date + 14], day 14 INCLUDED. A plain view over the live payment
-- calculation; the only materialized views beneath it are the payments chain, which feeds paid_flag only.
-- Amounts are written here, not read from the rules.
CREATE OR REPLACE VIEW ops.v_claims_payment_status_cabinet AS
SELECT cd.driver_id,
       c.milestone_value,
       c.lead_date,
       c.achieved_date,
       c.lead_date + 14 AS due_date,
       (CASE c.milestone_value WHEN 1 THEN 25.00 WHEN 5 THEN 35.00 WHEN 25 THEN 100.00 END)::numeric(12, 2)
         AS expected_amount,
       COALESCE(pay.status = 'paid', false) AS paid_flag,
       COALESCE(pay.status, 'not_paid') AS payment_status
  FROM ops.v_person_current_driver cd
 CROSS JOIN LATERAL (
        SELECT DISTINCT ON (p.milestone_trips)
               p.milestone_trips AS milestone_value, p.lead_date, p.achieved_date
          FROM ops.v_payment_calculation p
         WHERE p.driver_id = cd.driver_id
           AND p.origin_tag = 'cabinet'
           AND p.rule_scope = 'partner'
           AND p.milestone_trips IN (1, 5, 25)
           AND p.milestone_achieved
           AND p.achieved_date BETWEEN p.lead_date AND p.lead_date + 14
         ORDER BY p.milestone_trips, p.lead_date DESC, p.achieved_date) c
  LEFT JOIN LATERAL (
        SELECT e.status
          FROM ops.mv_yango_payments_enriched e
         WHERE e.driver_id = cd.driver_id
           AND e.milestone_value = c.milestone_value
         ORDER BY e.recorded_at DESC, e.payment_id DESC
         LIMIT 1) pay ON true
 WHERE NOT EXISTS (
         SELECT 1
           FROM ops.v_person_current_driver o
          WHERE o.driver_id = cd.driver_id
            AND o.person_key < cd.person_key);

-- Downstream 1: the claims view's materialized copy. Its only unique index is PARTIAL, so REFRESH ...
-- CONCURRENTLY is impossible on it.
CREATE MATERIALIZED VIEW IF NOT EXISTS ops.mv_claims_payment_status_cabinet AS
SELECT * FROM ops.v_claims_payment_status_cabinet
WITH DATA;
CREATE UNIQUE INDEX IF NOT EXISTS mv_claims_payment_status_cabinet_key
  ON ops.mv_claims_payment_status_cabinet (driver_id, milestone_value)
  WHERE driver_id IS NOT NULL;

-- Downstream 2: what the collection team looks at, built on the copy. A plain unique index, so it can be
-- refreshed concurrently (after the copy).
CREATE MATERIALIZED VIEW IF NOT EXISTS ops.mv_yango_cabinet_claims_for_collection AS
SELECT c.driver_id,
       c.milestone_value,
       c.lead_date,
       c.due_date,
       c.expected_amount,
       c.paid_flag,
       c.payment_status,
       d.full_name
  FROM ops.mv_claims_payment_status_cabinet c
  LEFT JOIN public.drivers d ON d.driver_id = c.driver_id
WITH DATA;
CREATE UNIQUE INDEX IF NOT EXISTS mv_yango_cabinet_claims_for_collection_key
  ON ops.mv_yango_cabinet_claims_for_collection (driver_id, milestone_value);
