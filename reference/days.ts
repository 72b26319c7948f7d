/**
 * Calendar days as integers (days since 1970-01-01, UTC, so no time zone can shift them) and the text forms
 * the reference data uses. Shared by the generator and the model; nothing here touches a database.
 */

const MS_PER_DAY = 86_400_000;
const isoCache = new Map<number, string>();

/** 'YYYY-MM-DD' to a day number; throws on anything else (inputs here are the code's own). */
export function dayOf(iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${iso}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const day = ms / MS_PER_DAY;
  if (isoOf(day) !== iso) throw new Error(`not a calendar date: ${iso}`);
  return day;
}

/** A day number as 'YYYY-MM-DD'. */
export function isoOf(day: number): string {
  let s = isoCache.get(day);
  if (s === undefined) {
    s = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
    isoCache.set(day, s);
  }
  return s;
}

/** A day number as the deployed summary_daily format 'DD-MM-YYYY'. */
export function dmyOf(day: number): string {
  const iso = isoOf(day);
  return `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)}`;
}

/** 'YYYY-MM-DD HH:MM:SS' (timestamp without time zone) for a day and seconds after midnight. */
export function timestampOf(day: number, secondsOfDay: number): string {
  const h = Math.floor(secondsOfDay / 3600);
  const m = Math.floor((secondsOfDay % 3600) / 60);
  const s = secondsOfDay % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${isoOf(day)} ${pad(h)}:${pad(m)}:${pad(s)}`;
}

/** ISO weekday, Monday = 1 ... Sunday = 7. */
export function isoWeekday(day: number): number {
  // 1970-01-01 was a Thursday (4).
  return ((((day + 3) % 7) + 7) % 7) + 1;
}
