/**
 * The original runbook's two validation queries (docs/contract.md §8), verbatim: the reference schema must run
 * them unchanged.
 */
export const RUNBOOK_QUERY_1 = `SELECT gap_reason, COUNT(*) AS count
FROM ops.v_cabinet_claims_gap_14d
WHERE lead_date >= CURRENT_DATE - INTERVAL '21 days'
GROUP BY gap_reason
ORDER BY count DESC;`;

export const RUNBOOK_QUERY_2 = `SELECT cg.driver_id, cg.milestone_value, cg.lead_date, cg.gap_reason,
       CASE WHEN c.driver_id IS NOT NULL THEN 'RESUELTO' ELSE 'PENDIENTE' END AS status
FROM ops.v_cabinet_claims_gap_14d cg
LEFT JOIN ops.v_claims_payment_status_cabinet c
  ON c.driver_id = cg.driver_id AND c.milestone_value = cg.milestone_value AND c.lead_date = cg.lead_date
WHERE cg.lead_date >= CURRENT_DATE - INTERVAL '21 days' AND cg.claim_status = 'MISSING'
ORDER BY cg.lead_date DESC
LIMIT 20;`;
