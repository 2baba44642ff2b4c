/**
 * Maintenance windows' cron expressions (emulator/core/aws-cron.ts) and the windows they open
 * (emulator/core/maintenance-windows.ts). The syntax is EventBridge's cron reference
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html): six fields,
 * UTC, `?` in exactly one of Day-of-month/Day-of-week, L, W, #, names, 1 = Sunday, years 1970-2199.
 * Every date below is fixed and UTC; 2026-06-01 is a Monday.
 */
import { describe, expect, it } from 'vitest';
import { parseAwsCron } from '../../../../emulator/core/aws-cron.js';
import { nextWindowStart, openWindowEnd, upcomingStarts, type MaintenanceWindow } from '../../../../emulator/core/maintenance-windows.js';

const at = (iso: string): number => Date.parse(`${iso}Z`);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString().slice(0, 16));
const next = (expr: string, from: string): string | undefined => iso(parseAwsCron(expr).nextAtOrAfter(at(from)));
const MONDAY_NOON = '2026-06-01T12:00';

describe('parseAwsCron: what AWS documents', () => {
  // The schedule-expression examples AWS gives for cron(Minutes Hours Day-of-month Month Day-of-week Year).
  it.each([
    ['cron(15 10 * * ? *)', MONDAY_NOON, '2026-06-02T10:15'], // 10:15 every day
    ['cron(0 10 * * ? *)', MONDAY_NOON, '2026-06-02T10:00'],
    ['cron(15 12 * * ? *)', MONDAY_NOON, '2026-06-01T12:15'],
    ['cron(0 18 ? * MON-FRI *)', '2026-06-05T18:01', '2026-06-08T18:00'], // Friday evening to Monday
    ['cron(0 8 1 * ? *)', MONDAY_NOON, '2026-07-01T08:00'], // 8:00 on the first of the month
    ['cron(0/10 * ? * MON-FRI *)', '2026-06-06T12:00', '2026-06-08T00:00'], // every 10 min on weekdays
    ['cron(0/5 8-17 ? * MON-FRI *)', '2026-06-01T17:56', '2026-06-02T08:00'],
    ['cron(0 9 ? * 2#1 *)', MONDAY_NOON, '2026-07-06T09:00'], // the first Monday of each month
  ])('%s from %s: %s', (expr, from, expected) => {
    expect(next(expr, from)).toBe(expected);
  });

  it('takes the expression with or without the cron(…) wrapper, and extra blanks', () => {
    expect(next('0 13 * * ? *', MONDAY_NOON)).toBe('2026-06-01T13:00');
    expect(next('  cron( 0  13 * * ? * )  ', MONDAY_NOON)).toBe('2026-06-01T13:00');
    expect(parseAwsCron('cron(0 13 * * ? *)').expression).toBe('cron(0 13 * * ? *)');
  });

  it('answers at or after the time asked, at minute resolution', () => {
    expect(next('cron(0 12 * * ? *)', '2026-06-01T12:00')).toBe('2026-06-01T12:00');
    expect(iso(parseAwsCron('cron(0 12 * * ? *)').nextAtOrAfter(at('2026-06-01T12:00') + 1))).toBe('2026-06-02T12:00');
    expect(iso(parseAwsCron('cron(* * * * ? *)').nextAtOrAfter(at('2026-06-01T12:00') + 30_000))).toBe('2026-06-01T12:01');
  });

  it('? stands for either day field', () => {
    expect(next('cron(0 0 15 * ? *)', MONDAY_NOON)).toBe('2026-06-15T00:00');
    expect(next('cron(0 0 ? * WED *)', MONDAY_NOON)).toBe('2026-06-03T00:00');
    expect(next('cron(0 0 * * ? *)', MONDAY_NOON)).toBe('2026-06-02T00:00');
    expect(next('cron(0 0 ? * * *)', MONDAY_NOON)).toBe('2026-06-02T00:00');
  });

  it('numbers the days of the week 1-7 from Sunday', () => {
    expect(next('cron(0 0 ? * 1 *)', MONDAY_NOON)).toBe('2026-06-07T00:00'); // Sunday
    expect(next('cron(0 0 ? * 2 *)', MONDAY_NOON)).toBe('2026-06-08T00:00'); // Monday
    expect(next('cron(0 0 ? * 7 *)', MONDAY_NOON)).toBe('2026-06-06T00:00'); // Saturday
    expect(next('cron(0 0 ? * SUN *)', MONDAY_NOON)).toBe('2026-06-07T00:00');
    expect(next('cron(0 0 ? * SAT *)', MONDAY_NOON)).toBe('2026-06-06T00:00');
    expect(next('cron(0 0 ? * 2-6 *)', '2026-06-06T00:01')).toBe('2026-06-08T00:00'); // 2-6 is MON-FRI
  });

  it('takes month and weekday names (any case), in lists and ranges', () => {
    expect(next('cron(0 0 1 MAR ? *)', MONDAY_NOON)).toBe('2027-03-01T00:00');
    expect(next('cron(0 0 1 JAN,JUL ? *)', MONDAY_NOON)).toBe('2026-07-01T00:00');
    expect(next('cron(0 0 1 OCT-DEC ? *)', MONDAY_NOON)).toBe('2026-10-01T00:00');
    expect(next('cron(0 0 ? * tue,thu *)', MONDAY_NOON)).toBe('2026-06-02T00:00');
    expect(next('cron(0 0 ? * FRI-SAT *)', MONDAY_NOON)).toBe('2026-06-05T00:00');
  });

  it('L: the last day of the month; alone in Day-of-week Saturday; 5L the last Thursday', () => {
    expect(next('cron(0 2 L * ? *)', MONDAY_NOON)).toBe('2026-06-30T02:00');
    expect(next('cron(0 2 L * ? *)', '2027-02-01T00:00')).toBe('2027-02-28T02:00');
    expect(next('cron(0 2 L * ? *)', '2028-02-01T00:00')).toBe('2028-02-29T02:00');
    expect(next('cron(0 2 ? * L *)', MONDAY_NOON)).toBe('2026-06-06T02:00');
    expect(next('cron(0 2 ? * 5L *)', MONDAY_NOON)).toBe('2026-06-25T02:00');
    expect(next('cron(0 2 ? * FRIL *)', MONDAY_NOON)).toBe('2026-06-26T02:00');
  });

  it('W: the weekday nearest the day, never leaving the month', () => {
    expect(next('cron(0 2 15W * ? *)', '2026-08-01T00:00')).toBe('2026-08-14T02:00'); // 15th a Saturday: Friday
    expect(next('cron(0 2 15W * ? *)', '2026-11-01T00:00')).toBe('2026-11-16T02:00'); // 15th a Sunday: Monday
    expect(next('cron(0 2 15W * ? *)', MONDAY_NOON)).toBe('2026-06-15T02:00'); // 15th a Monday
    expect(next('cron(0 2 1W * ? *)', '2026-08-01T00:00')).toBe('2026-08-03T02:00'); // 1st a Saturday: Monday the 3rd
    expect(next('cron(0 2 31W * ? *)', '2026-10-01T00:00')).toBe('2026-10-30T02:00'); // 31st a Saturday: Friday the 30th
  });

  it('#: the Nth weekday of the month', () => {
    expect(next('cron(0 2 ? * 3#2 *)', MONDAY_NOON)).toBe('2026-06-09T02:00'); // second Tuesday
    expect(next('cron(0 2 ? * MON#5 *)', MONDAY_NOON)).toBe('2026-06-29T02:00'); // fifth Monday
    expect(next('cron(0 2 ? * 2#5 *)', '2026-06-30T00:00')).toBe('2026-08-31T02:00'); // July has four Mondays
  });

  it('ranges, lists and / steps (a/b counts from a)', () => {
    expect(next('cron(0/15 * * * ? *)', '2026-06-01T12:01')).toBe('2026-06-01T12:15');
    expect(next('cron(1/10 * * * ? *)', '2026-06-01T12:02')).toBe('2026-06-01T12:11');
    expect(next('cron(*/20 8-10 * * ? *)', '2026-06-01T10:41')).toBe('2026-06-02T08:00');
    expect(next('cron(0 0/6 * * ? *)', MONDAY_NOON)).toBe('2026-06-01T12:00');
    expect(next('cron(30 1,13 * * ? *)', MONDAY_NOON)).toBe('2026-06-01T13:30');
    expect(next('cron(0 0 1-3,20 * ? *)', '2026-06-04T00:00')).toBe('2026-06-20T00:00');
    expect(next('cron(0 0 1/10 * ? *)', '2026-06-12T00:00')).toBe('2026-06-21T00:00');
    expect(next('cron(0 0 1 JAN/6 ? *)', MONDAY_NOON)).toBe('2026-07-01T00:00');
  });

  it('keeps to the Year field, and to 1970-2199 when it is *', () => {
    expect(next('cron(0 0 1 JAN ? 2028)', MONDAY_NOON)).toBe('2028-01-01T00:00');
    expect(next('cron(0 0 1 1 ? 2026,2030)', '2027-01-01T00:00')).toBe('2030-01-01T00:00');
    expect(next('cron(0 0 1 1 ? 2030-2032)', MONDAY_NOON)).toBe('2030-01-01T00:00');
    expect(next('cron(0 0 1 1 ? 2026/4)', MONDAY_NOON)).toBe('2030-01-01T00:00');
    expect(next('cron(0 0 1 1 ? 2025)', MONDAY_NOON)).toBeUndefined();
    expect(next('cron(0 0 31 12 ? *)', '2199-12-31T00:00')).toBe('2199-12-31T00:00');
    expect(next('cron(0 0 * * ? *)', '2199-12-31T00:01')).toBeUndefined();
    expect(next('cron(0 0 * * ? *)', '2300-01-01T00:00')).toBeUndefined();
  });

  it('has no start on a date that never comes', () => {
    expect(next('cron(0 0 30 2 ? *)', MONDAY_NOON)).toBeUndefined();
  });
});

describe('parseAwsCron: what AWS refuses, naming the field and value', () => {
  it.each([
    ['', /6 fields.*has 0/],
    ['cron()', /6 fields.*has 0/],
    ['cron(0 13 * * ?)', /6 fields.*has 5/],
    ['cron(0 0 13 * * ? *)', /6 fields.*has 7/],
    ['rate(5 minutes)', /6 fields/],
    ['cron(0 13 ? * ? *)', /exactly one of Day-of-month \("\?"\) and Day-of-week \("\?"\)/],
    ['cron(0 13 * * * *)', /exactly one of Day-of-month \("\*"\) and Day-of-week \("\*"\)/],
    ['cron(0 13 1 * MON *)', /exactly one of Day-of-month \("1"\) and Day-of-week \("MON"\)/],
    ['cron(? 13 * * ? *)', /Minutes "\?": "\?" stands alone, in Day-of-month or Day-of-week/],
    ['cron(0 0 1 ? ? *)', /Month "\?"/],
    ['cron(0 0 1? * ? *)', /Day-of-month "1\?"/],
    ['cron(60 13 * * ? *)', /Minutes "60": 60 is outside 0-59/],
    ['cron(0 24 * * ? *)', /Hours "24": 24 is outside 0-23/],
    ['cron(0 0 0 * ? *)', /Day-of-month "0": 0 is outside 1-31/],
    ['cron(0 0 32 * ? *)', /Day-of-month "32": 32 is outside 1-31/],
    ['cron(0 0 1 0 ? *)', /Month "0": 0 is outside 1-12/],
    ['cron(0 0 1 13 ? *)', /Month "13": 13 is outside 1-12/],
    ['cron(0 0 ? * 0 *)', /Day-of-week "0": 0 is outside 1-7/],
    ['cron(0 0 ? * 8 *)', /Day-of-week "8": 8 is outside 1-7/],
    ['cron(0 0 1 * ? 1969)', /Year "1969": 1969 is outside 1970-2199/],
    ['cron(0 0 1 * ? 2200)', /Year "2200": 2200 is outside 1970-2199/],
    ['cron(0 0 1 * ? 2190-2200)', /Year "2190-2200": 2200 is outside 1970-2199/],
    ['cron(0 0 1 * ? next)', /Year "next": "next" is not a number$/],
    ['cron(0 0 1 FOO ? *)', /Month "FOO": "FOO" is not a number or a name/],
    ['cron(0 0 ? * FUN *)', /Day-of-week "FUN": "FUN" is not a number or a name/],
    ['cron(MON 0 * * ? *)', /Minutes "MON": "MON" is not a number$/],
    ['cron(0 5-2 * * ? *)', /Hours "5-2": a range goes from low to high/],
    ['cron(0 0 ? * FRI-MON *)', /Day-of-week "FRI-MON": a range goes from low to high/],
    ['cron(0 1-2-3 * * ? *)', /Hours "1-2-3": a range is "a-b"/],
    ['cron(0/0 * * * ? *)', /Minutes "0\/0": a step is a whole number from 1 to 60/],
    ['cron(0/61 * * * ? *)', /Minutes "0\/61": a step is a whole number from 1 to 60/],
    ['cron(0/x * * * ? *)', /Minutes "0\/x": a step is a whole number/],
    ['cron(1/2/3 * * * ? *)', /Minutes "1\/2\/3": one "\/" at most/],
    ['cron(0 0 ? * MON/2 *)', /Day-of-week "MON\/2": this field takes no "\/" step/],
    ['cron(0 0 ? * 2#6 *)', /Day-of-week "2#6": "#" takes 1 to 5/],
    ['cron(0 0 ? * 2#0 *)', /Day-of-week "2#0": "#" takes 1 to 5/],
    ['cron(0 0 ? * 8#1 *)', /Day-of-week "8#1": 8 is outside 1-7/],
    ['cron(0 0 ? * 3#1,6#3 *)', /Day-of-week "3#1,6#3": with "#" the field holds one expression/],
    ['cron(0 0 ? * 9L *)', /Day-of-week "9L": 9 is outside 1-7/],
    ['cron(0 0 LW * ? *)', /Day-of-month "LW"/],
    ['cron(0 0 L-3 * ? *)', /Day-of-month "L-3"/],
    ['cron(0 0 W * ? *)', /Day-of-month "W"/],
    ['cron(0 0 32W * ? *)', /Day-of-month "32W": 32 is outside 1-31/],
    ['cron(0 0 1 L ? *)', /Month "L"/],
  ])('refuses %j', (expr, why) => {
    expect(() => parseAwsCron(expr)).toThrow(why);
  });
});

describe('maintenance windows', () => {
  const NIGHTLY: MaintenanceWindow[] = [{ startTime: 'cron(0 23 * * ? *)', durationInMinutes: 120 }];

  it('are open from each start for their duration, end excluded, across midnight too', () => {
    expect(openWindowEnd(NIGHTLY, at('2026-06-01T22:59'))).toBeUndefined();
    expect(iso(openWindowEnd(NIGHTLY, at('2026-06-01T23:00')))).toBe('2026-06-02T01:00');
    expect(iso(openWindowEnd(NIGHTLY, at('2026-06-01T23:30')))).toBe('2026-06-02T01:00');
    expect(iso(openWindowEnd(NIGHTLY, at('2026-06-02T00:30')))).toBe('2026-06-02T01:00'); // started the day before
    expect(iso(openWindowEnd(NIGHTLY, at('2026-06-02T01:00') - 1))).toBe('2026-06-02T01:00');
    expect(openWindowEnd(NIGHTLY, at('2026-06-02T01:00'))).toBeUndefined();
  });

  it('between windows: closed, and the next start is the next one', () => {
    expect(openWindowEnd(NIGHTLY, at('2026-06-02T12:00'))).toBeUndefined();
    expect(iso(nextWindowStart(NIGHTLY, at('2026-06-02T01:00')))).toBe('2026-06-02T23:00');
    expect(iso(nextWindowStart(NIGHTLY, at('2026-06-02T23:00')))).toBe('2026-06-02T23:00'); // at now counts
  });

  it('look back the longest duration, 1430 minutes', () => {
    const daily: MaintenanceWindow[] = [{ startTime: 'cron(0 0 * * ? *)', durationInMinutes: 1430 }];
    expect(iso(openWindowEnd(daily, at('2026-06-01T23:49')))).toBe('2026-06-01T23:50');
    expect(openWindowEnd(daily, at('2026-06-01T23:50'))).toBeUndefined();
    expect(iso(nextWindowStart(daily, at('2026-06-01T23:50')))).toBe('2026-06-02T00:00');
  });

  it('a window that starts often is open until its latest start ends', () => {
    const everyMinute: MaintenanceWindow[] = [{ startTime: 'cron(* * * * ? *)', durationInMinutes: 1430 }];
    expect(iso(openWindowEnd(everyMinute, at('2026-06-01T12:00') + 30_000))).toBe('2026-06-02T11:50');
    const fourTimesADay: MaintenanceWindow[] = [{ startTime: 'cron(0 0/6 * * ? *)', durationInMinutes: 600 }];
    expect(iso(openWindowEnd(fourTimesADay, at('2026-06-01T13:00')))).toBe('2026-06-01T22:00'); // 06:00's and 12:00's both open
  });

  it('overlapping windows: open until the last of the open ones ends', () => {
    const windows: MaintenanceWindow[] = [...NIGHTLY, { startTime: 'cron(30 0 * * ? *)', durationInMinutes: 60 }];
    expect(iso(openWindowEnd(windows, at('2026-06-02T00:45')))).toBe('2026-06-02T01:30');
    expect(iso(openWindowEnd(windows, at('2026-06-02T01:15')))).toBe('2026-06-02T01:30'); // the first has closed
    const nested: MaintenanceWindow[] = [
      { startTime: 'cron(0 22 * * ? *)', durationInMinutes: 180 },
      { startTime: 'cron(0 23 * * ? *)', durationInMinutes: 60 },
    ];
    expect(iso(openWindowEnd(nested, at('2026-06-01T23:30')))).toBe('2026-06-02T01:00');
  });

  it('list the next seven starts, distinct and ascending', () => {
    const windows: MaintenanceWindow[] = [
      ...NIGHTLY,
      { startTime: 'cron(0 23 ? * MON *)', durationInMinutes: 30 }, // the same starts as NIGHTLY on Mondays
      { startTime: 'cron(0 6 ? * SAT *)', durationInMinutes: 30 },
    ];
    expect(iso(nextWindowStart(windows, at(MONDAY_NOON)))).toBe('2026-06-01T23:00');
    expect(upcomingStarts(windows, at(MONDAY_NOON)).map(iso)).toEqual([
      '2026-06-01T23:00',
      '2026-06-02T23:00',
      '2026-06-03T23:00',
      '2026-06-04T23:00',
      '2026-06-05T23:00',
      '2026-06-06T06:00',
      '2026-06-06T23:00',
    ]);
    expect(upcomingStarts(windows, at(MONDAY_NOON), 2).map(iso)).toEqual(['2026-06-01T23:00', '2026-06-02T23:00']);
  });

  it('list fewer starts, or none, when the expressions run out', () => {
    const twoYears: MaintenanceWindow[] = [{ startTime: 'cron(0 0 1 1 ? 2027,2028)', durationInMinutes: 60 }];
    expect(upcomingStarts(twoYears, at(MONDAY_NOON)).map(iso)).toEqual(['2027-01-01T00:00', '2028-01-01T00:00']);
    expect(nextWindowStart(twoYears, at('2028-01-01T00:01'))).toBeUndefined();
    expect(iso(openWindowEnd(twoYears, at('2028-01-01T00:01')))).toBe('2028-01-01T01:00');
    expect(upcomingStarts([], at(MONDAY_NOON))).toEqual([]);
    expect(nextWindowStart([], at(MONDAY_NOON))).toBeUndefined();
    expect(openWindowEnd([], at(MONDAY_NOON))).toBeUndefined();
  });

  it('refuse an expression AWS refuses', () => {
    expect(() => openWindowEnd([{ startTime: 'cron(0 23 * * * *)', durationInMinutes: 60 }], at(MONDAY_NOON))).toThrow(/exactly one of/);
  });
});
