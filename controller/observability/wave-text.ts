/**
 * Pure: a staged rollout's waves in words for `plan`: which wave runs, which starts next and what
 * it waits for, and that later waves wait for the one before.
 */
import type { Wave } from '../model/iot-job.js';
import type { WaveStatus } from '../model/wave-status.js';

/** One line per wave, e.g. "ten-percent: starts when canary's gate holds and canary is approved". */
export function waveLines(waves: readonly WaveStatus[], spec: readonly Wave[]): string[] {
  const running = waves.findIndex((w) => w.phase !== 'Passed' && w.phase !== 'Pending');
  const next =
    running >= 0
      ? running + 1
      : Math.max(
          1,
          waves.findIndex((w) => w.phase === 'Pending'),
        );
  return waves.map((w, i) => {
    if (w.phase === 'Passed') return `${w.name}: passed`;
    if (i === running) return `${w.name}: ${w.phase}${w.gate ? ` (${w.gate})` : ''}`;
    if (i === 0) return `${w.name}: starts with the job`;
    return i === next ? `${w.name}: ${startsWhen(spec[i - 1]!)}` : `${w.name}: waits for ${waves[i - 1]!.name}`;
  });
}

/** What the wave after `before` waits for, in words. */
function startsWhen(before: Wave): string {
  const bake = before.gate?.bakeMinutes ? ` for ${before.gate.bakeMinutes} min` : '';
  const approval = before.gate?.approval === 'Manual' ? ` and ${before.name} is approved (spec.approvedWaves)` : '';
  const gate = before.gate ? `${before.name}'s gate holds${bake}` : `every execution of ${before.name} finished`;
  return `starts next, when ${gate}${approval}`;
}
