-- Building blocks shared by the gap view and the payment calculation. Written as plain (flattenable)
-- selects with anti-joins instead of DISTINCT ON / window functions, so that a filter on lead_date or
-- driver_id pushes down to an index instead of being applied after the whole history was computed.

-- One row per canonical lead (COALESCE(external_id, id::text)) that has a lead date; re-uploads collapse to
-- the earliest upload (lead_created_at, then id). Leads without lead_created_at are excluded everywhere.
CREATE OR REPLACE VIEW ops.v_cabinet_leads AS
SELECT l.id AS lead_id,
       COALESCE(l.external_id, l.id::text) AS lead_source_pk,
       l.lead_created_at,
       l.lead_created_at::date AS lead_date
  FROM public.module_ct_cabinet_leads l
 WHERE l.lead_created_at IS NOT NULL
   AND NOT EXISTS (
         SELECT 1
           FROM public.module_ct_cabinet_leads e
          WHERE COALESCE(e.external_id, e.id::text) = COALESCE(l.external_id, l.id::text)
            AND e.lead_created_at IS NOT NULL
            AND (e.lead_created_at, e.id) < (l.lead_created_at, l.id));

-- The current driver of each person: the most recent link (linked_at, then driver_id) wins.
CREATE OR REPLACE VIEW ops.v_person_current_driver AS
SELECT pd.person_key, pd.driver_id, pd.linked_at
  FROM public.identity_person_driver pd
 WHERE NOT EXISTS (
         SELECT 1
           FROM public.identity_person_driver n
          WHERE n.person_key = pd.person_key
            AND (n.linked_at, n.driver_id) > (pd.linked_at, pd.driver_id));

-- The lead date the payment calculation uses: the earliest lead EVENT per person and origin. For a person
-- with an earlier scouting registration this is not the cabinet lead's date (docs/domain.md failure mode 4).
CREATE OR REPLACE VIEW ops.v_person_lead_dates AS
SELECT e.person_key, e.origin_tag, min(e.event_at)::date AS lead_date, count(*)::integer AS events
  FROM public.lead_events e
 GROUP BY e.person_key, e.origin_tag;
