/**
 * Pure: when a job's maintenance windows are open. A window opens at each start its cron
 * expression names (aws-cron.ts, UTC) and stays open for durationInMinutes (1..1430), so
 * [start, start + duration); windows may overlap each other and cross midnight. All times are
 * epoch milliseconds.
 */
import { parseAwsCron, type AwsCron } from './aws-cron.js';

const MINUTE = 60_000;

/** A maintenance window as the model shapes it (MaintenanceWindow). */
export interface MaintenanceWindow {
  startTime: string;
  durationInMinutes: number;
}

interface Parsed {
  cron: AwsCron;
  ms: number;
}

/** The windows parsed; throws as parseAwsCron does for an expression AWS refuses. */
function parsed(windows: readonly MaintenanceWindow[]): Parsed[] {
  return windows.map((w) => ({ cron: parseAwsCron(w.startTime), ms: w.durationInMinutes * MINUTE }));
}

/**
 * The latest start in [from, to]; undefined when none. Binary search on whole minutes over
 * "the next start at or after t is ≤ to", which holds exactly for t up to that latest start:
 * about log2(1430) ≈ 11 evaluations, whatever the expression's frequency.
 */
function latestStart(cron: AwsCron, from: number, to: number): number | undefined {
  const first = cron.nextAtOrAfter(from);
  if (first === undefined || first > to) return undefined;
  let lo = first;
  let hi = Math.floor(to / MINUTE) * MINUTE;
  while (lo < hi) {
    const mid = lo + Math.ceil((hi - lo) / MINUTE / 2) * MINUTE;
    if ((cron.nextAtOrAfter(mid) ?? Infinity) <= to) lo = mid;
    else hi = mid - MINUTE;
  }
  return lo;
}

/**
 * If `now` lies inside some window, the latest end among the windows open at `now`; otherwise
 * undefined. A window is open at `now` when its start s satisfies s ≤ now < s + duration, so
 * starts up to 1430 minutes back are found.
 */
export function openWindowEnd(windows: readonly MaintenanceWindow[], now: number): number | undefined {
  let end: number | undefined;
  for (const w of parsed(windows)) {
    const start = latestStart(w.cron, now - w.ms + 1, now);
    if (start !== undefined) end = Math.max(end ?? 0, start + w.ms);
  }
  return end;
}

/** The earliest window start at or after `now`; undefined when no window starts again. */
export function nextWindowStart(windows: readonly MaintenanceWindow[], now: number): number | undefined {
  return upcomingStarts(windows, now, 1)[0];
}

/**
 * The next `count` distinct window starts at or after `now`, ascending (fewer when the
 * expressions run out). DescribeJob's scheduledJobRollouts is this with count 7.
 */
export function upcomingStarts(windows: readonly MaintenanceWindow[], now: number, count = 7): number[] {
  const starts = new Set<number>();
  for (const w of parsed(windows)) {
    let s = w.cron.nextAtOrAfter(now);
    for (let n = 0; s !== undefined && n < count; n++) {
      starts.add(s);
      s = w.cron.nextAtOrAfter(s + MINUTE);
    }
  }
  return [...starts].sort((a, b) => a - b).slice(0, Math.max(0, count));
}
