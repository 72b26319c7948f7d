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
