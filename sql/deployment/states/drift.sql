-- The claims view, *drift* state: the same columns and rules as the live state, but read from
-- ops.mv_yango_receivable_payable_detail (partner rules with amount > 0 only; no unique index, so only a
-- plain refresh works) and the enriched payments MV. Stale when trips arrive after its last refresh.
CREATE OR REPLACE VIEW ops.v_claims_payment_status_cabinet AS
SELECT c.driver_id,
       c.milestone_value,
       c.lead_date,
       c.achieved_date,
       c.lead_date + 14 AS due_date,
       (CASE c.milestone_value WHEN 1 THEN 25.00 WHEN 5 THEN 35.00 WHEN 25 THEN 100.00 END)::numeric(12, 2)
         AS expected_amount,
       COALESCE(pay.status = 'paid', false) AS paid_flag,
       COALESCE(pay.status, 'not_paid') AS payment_status
  FROM (SELECT DISTINCT ON (d.driver_id, d.milestone_value)
               d.driver_id, d.milestone_value, d.lead_date, d.achieved_date
          FROM ops.mv_yango_receivable_payable_detail d
         WHERE d.achieved_date BETWEEN d.lead_date AND d.lead_date + 14
         ORDER BY d.driver_id, d.milestone_value, d.lead_date DESC, d.achieved_date) c
  LEFT JOIN LATERAL (
        SELECT e.status
          FROM ops.mv_yango_payments_enriched e
         WHERE e.driver_id = c.driver_id
           AND e.milestone_value = c.milestone_value
         ORDER BY e.recorded_at DESC, e.payment_id DESC
         LIMIT 1) pay ON true;
