// A zone with daylight saving time, set before any Date is made: the slot is local wall-clock time.
process.env.TZ = 'Europe/Berlin';

import { describe, expect, it } from 'vitest';
import { dueSlot, lastWeeklyAt, nextWeeklyAt } from '../../src/main/core/evaluation';

const local = (y: number, mo: number, d: number, h = 0, mi = 0) => new Date(y, mo - 1, d, h, mi);

describe('the weekly evaluation slot', () => {
  it('is the next <weekday> at HH:MM strictly after the given time', () => {
    // Wednesday 9 December 2026 → Monday 14th 03:00.
    expect(nextWeeklyAt(1, '03:00', local(2026, 12, 9, 10))).toEqual(local(2026, 12, 14, 3));
    // On the day, before and at the time.
    expect(nextWeeklyAt(1, '03:00', local(2026, 12, 14, 2, 59))).toEqual(local(2026, 12, 14, 3));
    expect(nextWeeklyAt(1, '03:00', local(2026, 12, 14, 3, 0))).toEqual(local(2026, 12, 21, 3));
    // Sunday is 0, Saturday 6.
    expect(nextWeeklyAt(0, '23:30', local(2026, 12, 9))).toEqual(local(2026, 12, 13, 23, 30));
    expect(nextWeeklyAt(6, '00:00', local(2026, 12, 12, 0, 1))).toEqual(local(2026, 12, 19, 0, 0));
    // Across a year.
    expect(nextWeeklyAt(5, '18:30', local(2026, 12, 26, 12))).toEqual(local(2027, 1, 1, 18, 30));
  });

  it('keeps 03:00 local across the end of daylight saving time', () => {
    // Clocks go back on Sunday 25 October 2026 in Berlin: Monday 03:00 is 02:00 UTC, not 01:00.
    const at = nextWeeklyAt(1, '03:00', local(2026, 10, 23, 12));
    expect(at.getHours()).toBe(3);
    expect(at.toISOString()).toBe('2026-10-26T02:00:00.000Z');
    expect(nextWeeklyAt(1, '03:00', local(2026, 10, 19, 3)).toISOString()).toBe('2026-10-26T02:00:00.000Z');
    // And in spring (29 March 2026): Monday 30th 03:00 CEST is 01:00 UTC.
    expect(nextWeeklyAt(1, '03:00', local(2026, 3, 27)).toISOString()).toBe('2026-03-30T01:00:00.000Z');
  });

  it('knows the latest slot at or before now', () => {
    expect(lastWeeklyAt(1, '03:00', local(2026, 12, 14, 3, 0))).toEqual(local(2026, 12, 14, 3));
    expect(lastWeeklyAt(1, '03:00', local(2026, 12, 14, 2, 59))).toEqual(local(2026, 12, 7, 3));
    expect(lastWeeklyAt(1, '03:00', local(2026, 12, 9))).toEqual(local(2026, 12, 7, 3));
  });

  it('is due once per slot, only for slots after it was switched on or changed', () => {
    const s = { weekday: 1, time: '03:00', lastRunAt: null as string | null, changedAt: local(2026, 12, 9).toISOString() };
    expect(dueSlot(s, local(2026, 12, 13))).toBeNull(); // Monday 7th was before it was switched on
    expect(dueSlot(s, local(2026, 12, 14, 3))).toEqual(local(2026, 12, 14, 3));
    const ran = { ...s, lastRunAt: local(2026, 12, 14, 3).toISOString() };
    expect(dueSlot(ran, local(2026, 12, 20))).toBeNull();
    expect(dueSlot(ran, local(2026, 12, 24))).toEqual(local(2026, 12, 21, 3)); // missed while closed: once
  });

  it('refuses a malformed slot', () => {
    expect(() => nextWeeklyAt(7, '03:00', new Date())).toThrow(/weekday must be 0–6/);
    expect(() => nextWeeklyAt(1, '3:00', new Date())).toThrow(/HH:MM/);
  });
});
