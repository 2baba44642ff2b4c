/**
 * Pure: the cron expressions of maintenance windows (schedulingConfig.maintenanceWindows[].startTime),
 * checked as AWS checks them and evaluated in UTC at minute resolution.
 *
 * The syntax. The IoT model says only "CronExpression, 1..256 characters" [botocore iot
 * 2015-05-28, shape CronExpression]. The fields and wildcards are EventBridge's cron reference
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html):
 *
 *   "Cron expressions have six required fields, which are separated by white space.
 *    cron(fields)
 *    Minutes 0-59 [, - * /]; Hours 0-23 [, - * /]; Day-of-month 1-31 [, - * ? / L W];
 *    Month 1-12 or JAN-DEC [, - * /]; Day-of-week 1-7 or SUN-SAT [, - * ? L #]; Year 1970-2199 [, - * /]"
 *   "You can't specify the Day-of-month and Day-of-week fields in the same cron expression. If you
 *    specify a value or a * (asterisk) in one of the fields, you must use a ? (question mark) in the other."
 *   "If you use the '#' character, you can define only one expression in the day-of-week field.
 *    For example, "3#1,6#3" is not valid because it is interpreted as two expressions."
 *   Examples: cron(0 10 * * ? *), cron(15 12 * * ? *), cron(0 18 ? * MON-FRI *), cron(0 8 1 * ? *),
 *   cron(0/15 * * * ? *), cron(0 9 ? * 2#1 *).
 *
 * So: 1 is Sunday; `1/10` means every tenth from 1; `L` in Day-of-month is the month's last day,
 * `L` alone in Day-of-week the week's last day (SAT) and `5L` the month's last Thursday (Quartz's
 * reading; the reference says only "the last day of the month or week"); `15W` the weekday nearest
 * the 15th within the month; `3#2` the month's second Tuesday.
 *
 * Not documented by AWS, decided here: whether IoT wants the `cron(…)` wrapper (the AWS IoT
 * Developer Guide's scheduling page could not be read for this; both forms are taken); names in
 * lower case (taken); `LW`, `L-3` and wrap-around ranges such as `FRI-MON` (refused); a `/` step in
 * Day-of-week (refused: the English reference leaves it out of that field's wildcards, although a
 * translated copy lists it); steps larger than the field's span (refused); dates that never occur,
 * e.g. cron(0 0 30 2 ? *) (taken; they simply have no start).
 *
 * The calendar arithmetic is croner's (npm `croner`, 11.x): a maintained, dependency-free
 * evaluator that has a year field, `L`, `W`, `#` (and `#L`), `?` and Quartz weekday numbering
 * (alternativeWeekdays: 1 = Sunday). `cron-parser` was the other candidate: it has no year field
 * and numbers weekdays 0-7, so both would have been hand-written around it. This module checks the
 * AWS syntax, translates it to croner's (`0/15` to `0-59/15`, `5L` to `5#L`, `L` to `7`, `?` to
 * `*`, a seconds field of 0) and keeps starts within the year range.
 */
import { Cron } from 'croner';

/** A parsed expression. */
export interface AwsCron {
  /** The expression as given. */
  readonly expression: string;
  /**
   * The first start at or after `ms` (epoch milliseconds, UTC), on a whole minute; undefined when
   * no start remains (past 2199, or a year list that has run out).
   */
  nextAtOrAfter(ms: number): number | undefined;
}

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  steps: boolean;
}

type Bad = (why: string) => Error;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const FIELDS: readonly FieldRule[] = [
  { name: 'Minutes', min: 0, max: 59, steps: true },
  { name: 'Hours', min: 0, max: 23, steps: true },
  { name: 'Day-of-month', min: 1, max: 31, steps: true },
  { name: 'Month', min: 1, max: 12, names: MONTHS, steps: true },
  { name: 'Day-of-week', min: 1, max: 7, names: DAYS, steps: false },
  { name: 'Year', min: 1970, max: 2199, steps: true },
];
const DOM = 2;
const DOW = 4;
const MINUTE = 60_000;
/** The first instant past the Year field's range (2200-01-01T00:00Z). */
const PAST_YEARS = Date.UTC(2200, 0, 1);

/**
 * Parses an AWS cron expression, with or without its `cron(…)` wrapper.
 * Throws an Error naming the field and value at fault for anything the reference above refuses.
 */
export function parseAwsCron(expression: string): AwsCron {
  const fields = splitFields(expression);
  checkQuestionMarks(fields);
  checkSingleNth(fields[DOW]!);
  const pattern = ['0', ...fields.map((f, i) => translateField(f, i))].join(' ');
  const cron = croner(pattern, expression);
  return { expression, nextAtOrAfter: (ms) => nextAtOrAfter(cron, ms) };
}

/** The six fields, the wrapper taken off. */
function splitFields(expression: string): string[] {
  const text = expression.trim();
  const body = (/^cron\((.*)\)$/s.exec(text)?.[1] ?? text).trim();
  const fields = body === '' ? [] : body.split(/\s+/);
  if (fields.length !== 6) {
    throw new Error(`a cron expression has 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), "${expression}" has ${fields.length}`);
  }
  return fields;
}

/** Exactly one of Day-of-month and Day-of-week is `?`, and `?` stands alone there and nowhere else. */
function checkQuestionMarks(fields: string[]): void {
  fields.forEach((f, i) => {
    if (f.includes('?') && (f !== '?' || (i !== DOM && i !== DOW))) {
      throw new Error(`${FIELDS[i]!.name} "${f}": "?" stands alone, in Day-of-month or Day-of-week`);
    }
  });
  if ((fields[DOM] === '?') === (fields[DOW] === '?')) {
    throw new Error(`exactly one of Day-of-month ("${fields[DOM]}") and Day-of-week ("${fields[DOW]}") must be "?"`);
  }
}

/** With `#`, Day-of-week holds a single expression ("3#1,6#3" is refused). */
function checkSingleNth(field: string): void {
  if (field.includes('#') && field.includes(',')) throw new Error(`Day-of-week "${field}": with "#" the field holds one expression, not a list`);
}

/** One field checked item by item and put in croner's terms. */
function translateField(field: string, i: number): string {
  if (field === '?') return '*';
  const rule = FIELDS[i]!;
  return field
    .split(',')
    .map((item) => translateItem(item, rule, i))
    .join(',');
}

function translateItem(item: string, rule: FieldRule, i: number): string {
  const bad: Bad = (why) => new Error(`${rule.name} "${item}": ${why}`);
  const special = i === DOM ? dayOfMonth(item, rule, bad) : i === DOW ? dayOfWeek(item, rule, bad) : undefined;
  return special ?? plainItem(item, rule, bad);
}

/** Day-of-month's own forms: `L` and `15W`; undefined for anything else. */
function dayOfMonth(item: string, rule: FieldRule, bad: Bad): string | undefined {
  if (item === 'L') return 'L';
  if (/^\d+W$/.test(item)) return `${value(item.slice(0, -1), rule, bad)}W`;
  if (/[LW]/.test(item)) throw bad('"L" stands alone and "W" follows one day, as in 15W');
  return undefined;
}

/** Day-of-week's own forms: `L` (Saturday, the week's last day), `5L` and `3#2`; undefined for anything else. */
function dayOfWeek(item: string, rule: FieldRule, bad: Bad): string | undefined {
  if (item === 'L') return String(rule.max);
  if (/^[^-*/#]+L$/i.test(item)) return `${value(item.slice(0, -1), rule, bad)}#L`;
  if (item.includes('#')) return nthWeekday(item, rule, bad);
  return undefined;
}

/** `D#N`: the Nth (1-5) of weekday D in the month. */
function nthWeekday(item: string, rule: FieldRule, bad: Bad): string {
  const [day, nth, extra] = item.split('#');
  if (extra !== undefined || !/^[1-5]$/.test(nth ?? '')) throw bad('"#" takes 1 to 5, as in 3#2');
  return `${value(day!, rule, bad)}#${nth}`;
}

/** `*`, a value or a range, with an optional `/` step where the field takes one. */
function plainItem(item: string, rule: FieldRule, bad: Bad): string {
  const [range, step, extra] = item.split('/');
  if (step === undefined) return rangeOf(range!, rule, bad);
  if (!rule.steps) throw bad('this field takes no "/" step');
  if (extra !== undefined) throw bad('one "/" at most');
  const span = rule.max - rule.min + 1;
  if (!/^\d+$/.test(step) || Number(step) < 1 || Number(step) > span) throw bad(`a step is a whole number from 1 to ${span}`);
  const from = rangeOf(range!, rule, bad);
  const stepped = from.includes('-') || from === '*' ? from : `${from}-${rule.max}`;
  return `${stepped}/${Number(step)}`;
}

/** `*`, a value or `a-b` (low to high), each value within the field's range. */
function rangeOf(range: string, rule: FieldRule, bad: Bad): string {
  if (range === '*') return '*';
  const parts = range.split('-');
  if (parts.length > 2) throw bad('a range is "a-b"');
  const values = parts.map((p) => value(p, rule, bad));
  if (values.length === 2 && values[0]! > values[1]!) throw bad('a range goes from low to high');
  return values.join('-');
}

/** A number or (Month, Day-of-week) a name within the field's range, as a number. */
function value(text: string, rule: FieldRule, bad: Bad): number {
  const named = rule.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + rule.min;
  if (!/^\d+$/.test(text)) throw bad(`"${text}" is not a number${rule.names ? ' or a name' : ''}`);
  const n = Number(text);
  if (n < rule.min || n > rule.max) throw bad(`${n} is outside ${rule.min}-${rule.max}`);
  return n;
}

/** croner's evaluator for a translated pattern; its refusal (not expected after the checks above) names the expression. */
function croner(pattern: string, expression: string): Cron {
  try {
    return new Cron(pattern, { timezone: 'UTC', alternativeWeekdays: true, domAndDow: true, paused: true });
  } catch (err) {
    throw new Error(`"${expression}": ${(err as Error).message}`, { cause: err });
  }
}

/** The first run at or after `ms`: runs fall on whole minutes, so it is croner's first run after the second before the next whole minute. */
function nextAtOrAfter(cron: Cron, ms: number): number | undefined {
  if (!Number.isFinite(ms) || ms >= PAST_YEARS) return undefined;
  const next = cron.nextRun(new Date(Math.ceil(ms / MINUTE) * MINUTE - 1000))?.getTime();
  return next !== undefined && next < PAST_YEARS ? next : undefined;
}
