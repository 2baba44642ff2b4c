/**
 * Pure: when a job's maintenance windows are open. A window starts at each time its cron
 * expression names and lasts durationInMinutes; windows may overlap or cross midnight.
 */
import { parseAwsCron, type AwsCron } from './aws-cron.js';

const MINUTE = 60_000;

/** A maintenance window as the model shapes it. */
export interface MaintenanceWindow {
  startTime: string;
  durationInMinutes: number;
}

function parsed(windows: readonly MaintenanceWindow[]): { cron: AwsCron; ms: number }[] {
  return windows.map((w) => ({ cron: parseAwsCron(w.startTime), ms: w.durationInMinutes * MINUTE }));
}

/** When the windows open at `now` close (the latest end among them); undefined when none is open. */
export function openWindowEnd(windows: readonly MaintenanceWindow[], now: number): number | undefined {
  let end: number | undefined;
  for (const w of parsed(windows)) {
    // Every start in (now - duration, now] opened a window that is still open.
    for (let s = w.cron.nextAtOrAfter(now - w.ms + 1); s !== undefined && s <= now; s = w.cron.nextAtOrAfter(s + 1)) {
      end = Math.max(end ?? 0, s + w.ms);
    }
  }
  return end;
}

/** The earliest window start at or after `now`; undefined when no window starts again. */
export function nextWindowStart(windows: readonly MaintenanceWindow[], now: number): number | undefined {
  return upcomingStarts(windows, now, 1)[0];
}

/** The next `count` distinct window starts at or after `now`, ascending. */
export function upcomingStarts(windows: readonly MaintenanceWindow[], now: number, count = 7): number[] {
  const starts = new Set<number>();
  for (const w of parsed(windows)) {
    for (let s = w.cron.nextAtOrAfter(now), n = 0; s !== undefined && n < count; s = w.cron.nextAtOrAfter(s + 1), n++) starts.add(s);
  }
  return [...starts].sort((a, b) => a - b).slice(0, count);
}
