/**
 * Maintenance windows' cron expressions (emulator/core/aws-cron.ts, maintenance-windows.ts): the
 * EventBridge form AWS uses, with `?`, `L`, `W`, `#`, names, ranges, steps and the year field, in
 * UTC with 1 as Sunday; what AWS refuses; and when windows are open.
 */
import { describe, expect, it } from 'vitest';
import { parseAwsCron } from '../../../../emulator/core/aws-cron.js';
import { nextWindowStart, openWindowEnd, upcomingStarts } from '../../../../emulator/core/maintenance-windows.js';

const at = (iso: string): number => Date.parse(`${iso}Z`);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString().slice(0, 16));
const next = (expr: string, from: string): string | undefined => iso(parseAwsCron(expr).nextAtOrAfter(at(from)));
const FROM = '2026-06-01T12:00'; // a Monday

describe('parseAwsCron', () => {
  it.each([
    ['cron(0 13 * * ? *)', '2026-06-01T13:00'],
    ['0 13 * * ? *', '2026-06-01T13:00'],
    ['cron(0 12 * * ? *)', '2026-06-01T12:00'],
    ['cron(0 2 ? * 1 *)', '2026-06-07T02:00'],
    ['cron(0 2 ? * SUN *)', '2026-06-07T02:00'],
    ['cron(0 2 ? * MON-FRI *)', '2026-06-02T02:00'],
    ['cron(0 2 ? * 6L *)', '2026-06-26T02:00'],
    ['cron(0 2 ? * 3#2 *)', '2026-06-09T02:00'],
    ['cron(0 2 15W * ? *)', '2026-06-15T02:00'],
    ['cron(0 2 L * ? *)', '2026-06-30T02:00'],
    ['cron(0/15 * * * ? *)', '2026-06-01T12:00'],
    ['cron(5/15 * * * ? *)', '2026-06-01T12:05'],
    ['cron(0 0 1 JAN ? 2027)', '2027-01-01T00:00'],
    ['cron(0 0 1,15 * ? 2026-2027)', '2026-06-15T00:00'],
  ])('%s next at or after Monday 2026-06-01 12:00 is %s', (expr, expected) => {
    expect(next(expr, FROM)).toBe(expected);
  });

  it('has no next start past its last year', () => {
    expect(parseAwsCron('cron(0 0 1 1 ? 2025)').nextAtOrAfter(at(FROM))).toBeUndefined();
  });

  it.each([
    ['cron(0 13 * * *)', /6 fields/],
    ['cron(0 13 * * * *)', /exactly one of Day-of-month/],
    ['cron(0 13 ? * ? *)', /exactly one of Day-of-month/],
    ['cron(? 13 * * ? *)', /Minutes "\?"/],
    ['cron(60 13 * * ? *)', /Minutes "60": 60 is outside 0-59/],
    ['cron(0 24 * * ? *)', /Hours "24"/],
    ['cron(0 0 32 * ? *)', /Day-of-month "32"/],
    ['cron(0 0 ? * 8 *)', /Day-of-week "8": 8 is outside 1-7/],
    ['cron(0 0 ? * 2#6 *)', /"#" takes 1 to 5/],
    ['cron(0 0 1 13 ? *)', /Month "13"/],
    ['cron(0 0 1 * ? 1969)', /Year "1969"/],
    ['cron(0 0 1 * ? 2200)', /Year "2200"/],
    ['cron(0 0 1 FOO ? *)', /Month "FOO": "FOO" is not a number or a name/],
    ['cron(0 5-2 * * ? *)', /from low to high/],
  ])('refuses %s', (expr, why) => {
    expect(() => parseAwsCron(expr)).toThrow(why);
  });
});

describe('maintenance windows', () => {
  const DAILY = [{ startTime: 'cron(0 23 * * ? *)', durationInMinutes: 120 }];

  it('are open from each start for their duration, across midnight too', () => {
    expect(openWindowEnd(DAILY, at('2026-06-01T22:59'))).toBeUndefined();
    expect(iso(openWindowEnd(DAILY, at('2026-06-01T23:00')))).toBe('2026-06-02T01:00');
    expect(iso(openWindowEnd(DAILY, at('2026-06-02T00:30')))).toBe('2026-06-02T01:00');
    expect(openWindowEnd(DAILY, at('2026-06-02T01:00'))).toBeUndefined();
  });

  it('overlapping windows stay open until the last one ends', () => {
    const windows = [...DAILY, { startTime: 'cron(30 0 * * ? *)', durationInMinutes: 60 }];
    expect(iso(openWindowEnd(windows, at('2026-06-02T00:45')))).toBe('2026-06-02T01:30');
  });

  it('list the next starts, distinct and in order', () => {
    const windows = [...DAILY, { startTime: 'cron(0 23 ? * MON *)', durationInMinutes: 30 }, { startTime: 'cron(0 6 ? * SAT *)', durationInMinutes: 30 }];
    expect(iso(nextWindowStart(windows, at(FROM)))).toBe('2026-06-01T23:00');
    expect(upcomingStarts(windows, at(FROM), 7).map(iso)).toEqual([
      '2026-06-01T23:00',
      '2026-06-02T23:00',
      '2026-06-03T23:00',
      '2026-06-04T23:00',
      '2026-06-05T23:00',
      '2026-06-06T06:00',
      '2026-06-06T23:00',
    ]);
  });
});
