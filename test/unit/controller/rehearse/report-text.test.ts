/**
 * The text report (controller/rehearse/report-text.ts) and its durations: a wave table, events, a
 * sparkline per wave scaled to the wave's size over the whole run, warnings, the blast-radius table
 * of a sweep, and the footer.
 */
import { describe, expect, it } from 'vitest';
import { since } from '../../../../controller/rehearse/durations.js';
import { chart, renderText, table } from '../../../../controller/rehearse/report-text.js';
import type { JobTimeline, RehearsalResult, Sample, WaveTimeline } from '../../../../controller/rehearse/result.js';

const sample = (at: number, succeeded: number, failed = 0): Sample => ({
  at,
  queued: 0,
  inProgress: 0,
  succeeded,
  failed,
  rejected: 0,
  timedOut: 0,
  canceled: 0,
});
const MIN = 60_000;

const canary: WaveTimeline = {
  name: 'canary',
  size: 10,
  exposed: 10,
  succeeded: 9,
  failed: 1,
  startedAt: 0,
  firstExecutionAt: 5_000,
  halfFinishedAt: 4 * MIN,
  allFinishedAt: 9 * MIN,
  passedAt: 70 * MIN,
  phase: 'Passed',
  series: [sample(0, 0), sample(5 * MIN, 5), sample(10 * MIN, 9, 1)],
};
const fleet: WaveTimeline = { name: 'fleet', size: 90, exposed: 0, succeeded: 0, failed: 0, phase: 'Pending', series: [sample(0, 0)] };

const job = (over: Partial<JobTimeline> = {}): JobTimeline => ({
  key: 'fw',
  jobId: 'fw',
  outcome: 'held',
  detail: 'held at wave canary: canary: 10 of 10 finished, 90% succeeded < 95% required',
  createdAt: 0,
  stoppedAt: 2 * 3_600_000,
  exposed: 10,
  targeted: 100,
  waves: [canary, fleet],
  events: [
    { at: 0, text: 'job fw created' },
    { at: 70 * MIN, text: 'wave canary passed its gate' },
  ],
  ...over,
});

const result = (over: Partial<RehearsalResult> = {}): RehearsalResult => ({
  startedAt: 0,
  durationMs: 2 * 3_600_000,
  horizonReached: false,
  wallMs: 1_234,
  things: 100,
  jobs: [job()],
  warnings: [],
  ...over,
});

describe('the text report', () => {
  it('writes durations with at most two units, rounded down', () => {
    expect([0, 59_999, 250_000, 2 * 3_600_000 + 5 * MIN, 3 * 86_400_000 + 4 * 3_600_000 + 59 * MIN, undefined].map(since)).toEqual([
      '+0s',
      '+59s',
      '+4m10s',
      '+2h05m',
      '+3d04h',
      '-',
    ]);
  });

  it('tabulates the waves, with - for what never happened and the phase when the gate was never judged', () => {
    expect(table([canary, fleet])).toEqual([
      'wave    things  started  first start  50% done  100% done  gate           exposed  succeeded  failed',
      'canary      10      +0s          +5s    +4m00s     +9m00s  passed +1h10m       10          9       1',
      'fleet       90        -            -         -          -  pending              0          0       0',
    ]);
  });

  it('draws each wave as a sparkline of its finished share over the whole run, the last sample holding to the end', () => {
    expect(chart([canary, fleet], 20 * MIN, 4)).toEqual(['canary │▄███│ 10/10 finished', 'fleet  │    │ 0/90 finished', '       +0s +20m00s']);
    expect(chart([canary], 20 * MIN, 20).at(-1)).toBe('       +0s            +20m00s');
  });

  it('prints the outcome, the waves, the events, the warnings and the footer', () => {
    const text = renderText([result({ warnings: ['fw: wave canary: gate minFinished is 20, but the wave has 10 things'] })], { width: 10 });
    const lines = text.split('\n');
    expect(lines[0]).toBe('fw (job fw): HELD — held at wave canary: canary: 10 of 10 finished, 90% succeeded < 95% required');
    expect(lines[1]).toBe('  10 of 100 devices exposed; created +0s, stopped +2h00m');
    expect(lines).toContain('    +1h10m  wave canary passed its gate');
    expect(lines).toContain('warning  fw: wave canary: gate minFinished is 20, but the wave has 10 things');
    expect(lines.at(-2)).toBe('rehearsed 100 things in 1.2 s (virtual time +2h00m)');
  });

  it('adds the blast radius of a sweep, one row per rate and job, and says when a rollout did not stop', () => {
    const swept = [
      result(),
      result({ failureRate: 0.05, jobs: [job({ outcome: 'completed', detail: 'all done', exposed: 100, stoppedAt: 3 * 3_600_000 })] }),
      result({
        failureRate: 0.5,
        jobs: [job({ outcome: 'unfinished', detail: 'still rolling out', exposed: 40, stoppedAt: undefined })],
        horizonReached: true,
      }),
    ];
    const text = renderText(swept);
    expect(text).toContain(
      [
        'blast radius by failure rate (every group failing at the rate)',
        'job  failure rate  exposed      stopped  how',
        'fw             5%      100       +3h00m  completed: all done',
        'fw            50%       40  not stopped  unfinished: still rolling out',
      ].join('\n'),
    );
    expect(text).toContain('rehearsed 100 things, 3 rehearsals, in 3.7 s (virtual time +2h00m)');
  });
});
