-- The gap view: lead-first, one row per (canonical lead, milestone 1/5/25). Expected-ness comes from trips
-- counted directly in summary_daily (both date formats, half-open window [lead_date, lead_date + 14)), the
-- claim from the claims view (the materialized chain of 005), so the two can disagree.
--
-- claim_status: 'OK' (due and the claim is there), 'MISSING' (due, no claim: the runbook's gap word),
-- 'NOT_EXPECTED' (not due). gap_reason, first match wins: NO_IDENTITY > NO_DRIVER > INSUFFICIENT_TRIPS for
-- rows not due; CLAIM_NOT_GENERATED for MISSING rows; NULL for OK rows.
CREATE OR REPLACE VIEW ops.v_cabinet_claims_gap_14d AS
SELECT g.lead_id,
       g.lead_source_pk,
       g.lead_date,
       g.week_start,
       g.person_key,
       g.driver_id,
       g.milestone_value,
       g.trips_14d,
       g.milestone_achieved,
       g.claim_expected,
       g.claim_exists,
       CASE WHEN g.claim_expected AND g.claim_exists THEN 'OK'
            WHEN g.claim_expected THEN 'MISSING'
            ELSE 'NOT_EXPECTED' END AS claim_status,
       CASE WHEN g.person_key IS NULL THEN 'NO_IDENTITY'
            WHEN g.driver_id IS NULL THEN 'NO_DRIVER'
            WHEN NOT g.milestone_achieved THEN 'INSUFFICIENT_TRIPS'
            WHEN NOT g.claim_exists THEN 'CLAIM_NOT_GENERATED' END AS gap_reason,
       CASE WHEN g.person_key IS NULL THEN 'no person linked to lead ' || g.lead_source_pk
            WHEN g.driver_id IS NULL THEN 'no driver linked to person ' || g.person_key
            WHEN NOT g.milestone_achieved THEN
              'trips_14d=' || g.trips_14d || ' < ' || g.milestone_value
            WHEN NOT g.claim_exists THEN
              'trips_14d=' || g.trips_14d || ' >= ' || g.milestone_value || ', no claim for lead_date '
              || to_char(g.lead_date, 'YYYY-MM-DD') END AS gap_detail,
       g.expected_amount
  FROM (SELECT l.lead_id,
               l.lead_source_pk,
               l.lead_date,
               date_trunc('week', l.lead_date)::date AS week_start,
               ip.person_key,
               cd.driver_id,
               m.milestone_value,
               t.trips_14d,
               COALESCE(t.trips_14d >= m.milestone_value, false) AS milestone_achieved,
               COALESCE(t.trips_14d >= m.milestone_value, false) AS claim_expected,
               c.driver_id IS NOT NULL AS claim_exists,
               m.expected_amount
          FROM ops.v_cabinet_leads l
          LEFT JOIN public.identity_lead_person ip ON ip.lead_source_pk = l.lead_source_pk
          LEFT JOIN ops.v_person_current_driver cd ON cd.person_key = ip.person_key
          LEFT JOIN LATERAL (
                SELECT COALESCE(sum(s.count_orders_completed), 0)::integer AS trips_14d
                  FROM public.summary_daily s
                 WHERE s.driver_id = cd.driver_id
                   AND ops.parse_date_file(s.date_file) >= l.lead_date
                   AND ops.parse_date_file(s.date_file) < l.lead_date + 14) t ON cd.driver_id IS NOT NULL
         CROSS JOIN (VALUES (1, 25.00::numeric(12, 2)),
                            (5, 35.00::numeric(12, 2)),
                            (25, 100.00::numeric(12, 2))) m (milestone_value, expected_amount)
          LEFT JOIN ops.v_claims_payment_status_cabinet c
            ON c.driver_id = cd.driver_id
           AND c.milestone_value = m.milestone_value
           AND c.lead_date = l.lead_date) g;
