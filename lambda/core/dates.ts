/**
 * Calendar dates as `YYYY-MM-DD` strings. The job never turns a business date into a `Date` at local
 * midnight (a Lima date read on a UTC machine would shift a day); arithmetic runs on UTC and the result
 * goes straight back to a string. ISO strings compare correctly with `<`.
 */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date in `YYYY-MM-DD` form (rejects `2025-02-31`). */
export function isIsoDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function toUtc(iso: string): Date {
  if (!isIsoDate(iso)) throw new RangeError(`not a YYYY-MM-DD date: ${iso}`);
  return new Date(`${iso}T00:00:00Z`);
}

/** Lead dates repeat across rows (a window holds a few hundred distinct days): remember the answers. */
const added = new Map<string, string>();

export function addDays(iso: string, days: number): string {
  const key = `${iso}+${days}`;
  let result = added.get(key);
  if (result === undefined) {
    const date = toUtc(iso);
    date.setUTCDate(date.getUTCDate() + days);
    result = date.toISOString().slice(0, 10);
    if (added.size > 100_000) added.clear();
    added.set(key, result);
  }
  return result;
}

export function isMonday(iso: string): boolean {
  return toUtc(iso).getUTCDay() === 1;
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((toUtc(to).getTime() - toUtc(from).getTime()) / 86_400_000);
}

/** The claim window is half-open: `[leadDate, leadDate + 14 days)`. Day 13 counts; day 14 does not. */
export const WINDOW_DAYS = 14;

export function isInsideWindow(leadDate: string, day: string): boolean {
  return day >= leadDate && day < addDays(leadDate, WINDOW_DAYS);
}

/** True for a time zone name this runtime knows (IANA, e.g. `America/Lima`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
