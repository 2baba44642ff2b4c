/** Pure: durations from the rehearsal's start as short words (`+0s`, `+4m10s`, `+2h05m`, `+3d04h`). */

const pad = (n: number): string => String(n).padStart(2, '0');

/** A duration in ms, at most two units, rounded down; `-` for undefined. */
export function since(ms: number | undefined): string {
  if (ms === undefined) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `+${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `+${m}m${pad(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `+${h}h${pad(m % 60)}m`;
  return `+${Math.floor(h / 24)}d${pad(h % 24)}h`;
}
