/**
 * Reads a query through a cursor, a page at a time: memory stays flat whatever the number of rows, and
 * round trips grow by one per page, never per row.
 */
import type pg from "pg";
import Cursor from "pg-cursor";

/**
 * `onPage` receives each page and returns false to stop early. `guard` wraps every read (the run turns a
 * statement cut by its deadline into a partial run there).
 */
export async function eachPage<Row>(
  client: pg.ClientBase,
  query: string | { readonly text: string; readonly values: readonly unknown[] },
  pageSize: number,
  onPage: (rows: Row[]) => Promise<boolean> | boolean,
  guard: <T>(read: () => Promise<T>) => Promise<T> = (read) => read(),
): Promise<void> {
  const { text, values } = typeof query === "string" ? { text: query, values: undefined } : query;
  const cursor = client.query(new Cursor<Row>(text, values as unknown[] | undefined));
  // Once the cursor has failed (a query error, or the connection lost under it) its portal is gone and
  // pg-cursor has already sent Sync; close() would then wait for a ReadyForQuery that a dead connection
  // never sends, and the run would hang instead of failing.
  let failed = false;
  cursor.on("error", () => {
    failed = true;
  });
  try {
    for (;;) {
      const page = await guard(() => cursor.read(pageSize));
      const go = await onPage(page);
      if (!go || page.length < pageSize) break;
    }
  } finally {
    if (!failed) await cursor.close().catch(() => undefined);
  }
}
