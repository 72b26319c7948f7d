-- The gap view: LEAD-FIRST, one row per (uploaded lead, milestone 1/5/25), lead date lead_created_at::date.
-- Trips are summed directly from summary_daily over [lead_date, lead_date + 14) ('DD-MM-YYYY' rows only).
-- A claim "exists" when the PHYSICAL claims table has (person, lead date, milestone) in status expected,
-- generated or paid; the claims view is not consulted, so the two disagree by design. Only the gap rows are
-- kept, and their status is 'CLAIM_NOT_GENERATED' (never 'MISSING'). Leads without a person or a driver
-- never reach it (inner joins); a lead uploaded twice is two leads.
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
          WHERE c.person_key = ip.person_key
            AND c.lead_date = l.lead_created_at::date
            AND c.milestone = m.milestone_value
            AND c.status IN ('expected', 'generated', 'paid'));
