/**
 * Calendar arithmetic for the dashboard's weekly views. Instants are Unix ms; "local" means shifted by a fixed
 * UTC offset in minutes (the clinic's, passed in by the caller: the store has no notion of a time zone).
 */
import type { UnixMs } from './types.js';

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** Days since 1970-01-01 of the local calendar day containing `at`. */
export function localDayNumber(at: UnixMs, utcOffsetMinutes = 0): number {
  return Math.floor((at + utcOffsetMinutes * 60_000) / DAY_MS);
}

/** The instant local Monday 00:00 begins the week containing `at` (ISO weeks start on Monday). */
export function weekStartOf(at: UnixMs, utcOffsetMinutes = 0): UnixMs {
  const day = localDayNumber(at, utcOffsetMinutes);
  // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays.
  const sinceMonday = (((day + 3) % 7) + 7) % 7;
  return (day - sinceMonday) * DAY_MS - utcOffsetMinutes * 60_000;
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` calendar date. */
export function calendarDayNumber(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

/** Whole weeks since surgery of the local day containing `at`: 0 for the surgery day and the six after it. */
export function postOpWeek(at: UnixMs, surgeryDate: string, utcOffsetMinutes = 0): number {
  return Math.floor((localDayNumber(at, utcOffsetMinutes) - calendarDayNumber(surgeryDate)) / 7);
}

/** The instant local midnight begins post-operative week `week`. */
export function postOpWeekStart(week: number, surgeryDate: string, utcOffsetMinutes = 0): UnixMs {
  return (calendarDayNumber(surgeryDate) + 7 * week) * DAY_MS - utcOffsetMinutes * 60_000;
}
