/**
 * Plants many extra cabinet leads straight in SQL (generate_series), for the memory benchmark: the JS
 * generator would need tens of GB to reach a million gap-view rows. Each bulk lead has a person (except
 * 1 in 20) and a driver (except 1 in 25 of those), a lead event, and 0-7 days of one trip each inside its
 * window, so the rows spread over every verdict: NOT_EXPECTED, MISSING (the claims MVs have never seen
 * them: a refresh resolves them) and invalid ones. Lead dates are spread over `spreadDays` before asOf.
 */
import type pg from "pg";

export async function plantBulkLeads(
  client: pg.ClientBase,
  p: { asOf: string; leads: number; spreadDays: number },
): Promise<{ ms: number; tripRows: number }> {
  const started = performance.now();
  const values = [p.asOf, p.leads, p.spreadDays];
  const day = "($1::date - 1 - (i % $3::int))";
  await client.query("BEGIN");
  await client.query(
    `INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at)
     SELECT 50000000 + i, 'BULK-' || i, ${day}::timestamp + interval '10 hours'
       FROM generate_series(1, $2::int) i`,
    values,
  );
  await client.query(
    `INSERT INTO public.identity_lead_person (lead_source_pk, person_key, linked_at)
     SELECT 'BULK-' || i, 'bulk-person-' || i, ${day}::timestamp + interval '11 hours'
       FROM generate_series(1, $2::int) i WHERE i % 20 <> 0`,
    values,
  );
  await client.query(
    `INSERT INTO public.identity_person_driver (person_key, driver_id, linked_at)
     SELECT 'bulk-person-' || i, 'bulk-driver-' || i, ${day}::timestamp + interval '12 hours'
       FROM generate_series(1, $2::int) i WHERE i % 20 <> 0 AND i % 25 <> 0`,
    values,
  );
  await client.query(
    `INSERT INTO public.lead_events (id, person_key, origin_tag, event_type, event_at, source_pk)
     SELECT 50000000 + i, 'bulk-person-' || i, 'cabinet', 'cabinet_lead', ${day}::timestamp + interval '10 hours',
            'BULK-' || i
       FROM generate_series(1, $2::int) i WHERE i % 20 <> 0`,
    values,
  );
  const trips = await client.query(
    `INSERT INTO public.summary_daily (driver_id, date_file, count_orders_completed)
     SELECT 'bulk-driver-' || i, to_char(${day} + k, 'DD-MM-YYYY'), 1
       FROM generate_series(1, $2::int) i
       CROSS JOIN LATERAL generate_series(1, i % 8) k
      WHERE i % 20 <> 0 AND i % 25 <> 0 AND ${day} + k < $1::date`,
    values,
  );
  await client.query("COMMIT");
  await client.query(
    "VACUUM (ANALYZE) public.module_ct_cabinet_leads, public.identity_lead_person, public.identity_person_driver, public.lead_events, public.summary_daily",
  );
  return { ms: Math.round(performance.now() - started), tripRows: trips.rowCount ?? 0 };
}
