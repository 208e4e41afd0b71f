/**
 * The weekly evaluation slot in local time: "every <weekday> at HH:MM". Pure functions of a Date,
 * so tests move a fake clock instead of waiting. Days are added with the local calendar
 * (setDate), so a slot stays at 03:00 local across daylight-saving changes.
 */

function parseTime(time: string): [number, number] {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!m) throw new Error(`weekly slot: the time must be HH:MM, got ${JSON.stringify(time)}`);
  return [Number(m[1]), Number(m[2])];
}

/** The first slot strictly after `from`. `weekday`: 0 = Sunday … 6 = Saturday (Date.getDay). */
export function nextWeeklyAt(weekday: number, time: string, from: Date): Date {
  if (!Number.isInteger(weekday) || weekday < 0 || weekday > 6) throw new Error(`weekly slot: weekday must be 0–6, got ${weekday}`);
  const [h, m] = parseTime(time);
  const at = new Date(from);
  at.setHours(h, m, 0, 0);
  at.setDate(at.getDate() + ((weekday - at.getDay() + 7) % 7));
  if (at.getTime() <= from.getTime()) {
    at.setDate(at.getDate() + 7);
    at.setHours(h, m, 0, 0); // a DST change inside the week must not shift the hour
  }
  return at;
}

/** The latest slot at or before `now`. */
export function lastWeeklyAt(weekday: number, time: string, now: Date): Date {
  const [h, m] = parseTime(time);
  const prev = nextWeeklyAt(weekday, time, now);
  prev.setDate(prev.getDate() - 7);
  prev.setHours(h, m, 0, 0);
  return prev;
}

/**
 * Whether a schedule is due at `now`: the latest slot has come, and it is later than both the
 * slot it last ran for and the moment it was switched on or changed (so enabling it on a Tuesday
 * does not run Monday's slot at once). A slot missed while Folio was closed runs once at the
 * next start; older missed slots are not made up.
 */
export function dueSlot(s: { weekday: number; time: string; lastRunAt: string | null; changedAt: string }, now: Date): Date | null {
  const slot = lastWeeklyAt(s.weekday, s.time, now);
  const after = Math.max(new Date(s.changedAt).getTime(), s.lastRunAt ? new Date(s.lastRunAt).getTime() : -Infinity);
  return slot.getTime() > after ? slot : null;
}
