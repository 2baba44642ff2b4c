/**
 * The cron expressions of maintenance windows, checked and evaluated as AWS writes them: the
 * EventBridge form `cron(Minutes Hours Day-of-month Month Day-of-week Year)` in UTC, six fields,
 * the `cron(…)` wrapper optional [M: CronExpression, 1..256; the EventBridge scheduler's cron
 * reference for the fields and wildcards]. Rules checked here:
 *
 * - Minutes 0-59, Hours 0-23, Day-of-month 1-31, Month 1-12 or JAN-DEC, Day-of-week 1-7 or
 *   SUN-SAT (1 is Sunday), Year 1970-2199; `,` lists, `-` ranges, `/` steps (`0/15`, `*\/5`).
 * - Exactly one of Day-of-month and Day-of-week is `?`; `?` nowhere else.
 * - `L` (last day of the month; `5L`, the month's last Thursday), `W` (`15W`, the weekday nearest
 *   the 15th) and `#` (`3#2`, the month's second Tuesday) where EventBridge allows them.
 *
 * The calendar arithmetic is croner's (a well-kept, dependency-free evaluator that has the year
 * field, `L`, `W`, `#` and Quartz weekday numbering); this module only checks the AWS syntax and
 * translates it (`0/15` to `0-59/15`, `5L` to `5#L`, `?` to `*`). Whether AWS IoT takes the
 * expression without the `cron(…)` wrapper is undocumented; both are taken here.
 */
import { Cron } from 'croner';

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const FIELDS: readonly FieldRule[] = [
  { name: 'Minutes', min: 0, max: 59 },
  { name: 'Hours', min: 0, max: 23 },
  { name: 'Day-of-month', min: 1, max: 31 },
  { name: 'Month', min: 1, max: 12, names: MONTHS },
  { name: 'Day-of-week', min: 1, max: 7, names: DAYS },
  { name: 'Year', min: 1970, max: 2199 },
];
const DOM = 2;
const DOW = 4;

/** A parsed expression: its next start at or after a time. */
export interface AwsCron {
  /** The first start at or after `ms` (epoch milliseconds, minute resolution); undefined when none remains. */
  nextAtOrAfter(ms: number): number | undefined;
}

/** Parses an AWS cron expression; throws an Error naming the field and value at fault. */
export function parseAwsCron(expression: string): AwsCron {
  const body = /^cron\((.*)\)$/s.exec(expression.trim())?.[1] ?? expression.trim();
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6)
    throw new Error(`a cron expression has 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), "${body}" has ${fields.length}`);
  checkQuestionMarks(fields);
  const translated = fields.map((f, i) => translateField(f, i));
  const cron = new Cron(`0 ${translated.join(' ')}`, { timezone: 'UTC', alternativeWeekdays: true, domAndDow: true, paused: true });
  return { nextAtOrAfter: (ms) => nextAtOrAfter(cron, ms) };
}

/** Exactly one of Day-of-month and Day-of-week is `?`, and no other field is. */
function checkQuestionMarks(fields: string[]): void {
  fields.forEach((f, i) => {
    if (f.includes('?') && (f !== '?' || (i !== DOM && i !== DOW)))
      throw new Error(`${FIELDS[i]!.name} "${f}": "?" stands alone, in Day-of-month or Day-of-week`);
  });
  if ((fields[DOM] === '?') === (fields[DOW] === '?')) {
    throw new Error(`exactly one of Day-of-month ("${fields[DOM]}") and Day-of-week ("${fields[DOW]}") must be "?"`);
  }
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
  const bad = (why: string): Error => new Error(`${rule.name} "${item}": ${why}`);
  return (i === DOM ? dayOfMonth(item, rule, bad) : i === DOW ? dayOfWeek(item, rule, bad) : undefined) ?? plainItem(item, rule, bad);
}

/** Day-of-month's own forms: `L` and `15W`; undefined for anything else. */
function dayOfMonth(item: string, rule: FieldRule, bad: (why: string) => Error): string | undefined {
  if (item === 'L') return 'L';
  if (/^\d+W$/.test(item)) return `${value(item.slice(0, -1), rule, bad)}W`;
  return undefined;
}

/** Day-of-week's own forms: `5L` and `3#2`; undefined for anything else. */
function dayOfWeek(item: string, rule: FieldRule, bad: (why: string) => Error): string | undefined {
  if (/^\w+L$/.test(item)) return `${value(item.slice(0, -1), rule, bad)}#L`;
  if (item.includes('#')) return nthWeekday(item, rule, bad);
  return undefined;
}

/** `*`, a value or a range, with an optional step. */
function plainItem(item: string, rule: FieldRule, bad: (why: string) => Error): string {
  const [range, step, extra] = item.split('/');
  if (extra !== undefined) throw bad('one "/" at most');
  if (step !== undefined && !/^\d+$/.test(step)) throw bad('a step is a whole number');
  const span = rangeOf(range!, rule, bad);
  if (step === undefined) return span;
  const stepped = span.includes('-') || span === '*' ? span : `${span}-${rule.max}`;
  return `${stepped}/${step}`;
}

/** `*`, a value or `a-b`, each value in range. */
function rangeOf(range: string, rule: FieldRule, bad: (why: string) => Error): string {
  if (range === '*') return '*';
  const parts = range.split('-');
  if (parts.length > 2) throw bad('a range is "a-b"');
  const values = parts.map((p) => value(p, rule, bad));
  if (values.length === 2 && values[0]! > values[1]!) throw bad('a range goes from low to high');
  return values.join('-');
}

/** `D#N`: the Nth (1-5) of weekday D in the month. */
function nthWeekday(item: string, rule: FieldRule, bad: (why: string) => Error): string {
  const [day, nth] = item.split('#');
  if (!/^[1-5]$/.test(nth ?? '')) throw bad('"#" takes 1 to 5');
  return `${value(day!, rule, bad)}#${nth}`;
}

/** A number or name within the field's range, as a number. */
function value(text: string, rule: FieldRule, bad: (why: string) => Error): number {
  const named = rule.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + rule.min;
  if (!/^\d+$/.test(text)) throw bad(`"${text}" is not a number${rule.names ? ' or a name' : ''}`);
  const n = Number(text);
  if (n < rule.min || n > rule.max) throw bad(`${n} is outside ${rule.min}-${rule.max}`);
  return n;
}

/** croner's next run at or after `ms`: its runs fall on whole minutes, so asking from a second before finds one at `ms` itself. */
function nextAtOrAfter(cron: Cron, ms: number): number | undefined {
  for (let from = ms - 1000; ;) {
    const next = cron.nextRun(new Date(from))?.getTime();
    if (next === undefined || next >= ms) return next;
    from = next;
  }
}
