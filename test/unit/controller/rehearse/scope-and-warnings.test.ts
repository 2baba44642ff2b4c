/**
 * What a rehearsal runs and what it warns about: the source narrowed to --only keys and what they
 * depend on, approvals assumed (rehearsal-source.ts); warnings in words for abort criteria and
 * gates that cannot act, and for slow rollouts (warnings.ts); the sweep's failure rate
 * (withFailureRate).
 */
import { describe, expect, it } from 'vitest';
import { approved, rehearsalSource, selected, withDependencies } from '../../../../controller/rehearse/rehearsal-source.js';
import { withFailureRate } from '../../../../controller/rehearse/rehearsal.js';
import type { JobTimeline } from '../../../../controller/rehearse/result.js';
import { warningsOf } from '../../../../controller/rehearse/warnings.js';
import { aDesired, aSource } from '../../../helpers/builders.js';

const WAVES = [
  { name: 'canary', targets: ['thingGroup:canary'], gate: { minFinished: 80 } },
  { name: 'fleet', targets: ['thingGroup:fleet'] },
];

describe('the manifests a rehearsal runs', () => {
  const jobs = [aDesired({ dependsOn: [{ name: 'b' }] }, 'a'), aDesired({ dependsOn: [{ name: 'c' }] }, 'b'), aDesired({}, 'c'), aDesired({}, 'd')];

  it('--only keeps the keys asked for and every manifest they depend on, transitively', () => {
    const byKey = new Map(jobs.map((j) => [j.key, j]));
    expect(withDependencies(['a'], (k) => byKey.get(k)).sort()).toEqual(['a', 'b', 'c']);
    const narrowed = rehearsalSource(aSource(jobs), { only: ['b'], approveAll: false });
    expect(narrowed.keys()).toEqual(['b', 'c']);
    expect(narrowed.get('a')).toBeUndefined();
    expect(narrowed.get('b')?.key).toBe('b');
  });

  it('--only-file keeps the manifests of the files named (as a pull request changed them), with their dependencies', () => {
    const source = aSource(jobs);
    expect(selected(source, { onlyFiles: ['./a.yaml'] }).sort()).toEqual(['a', 'b', 'c']);
    expect(selected(source, { onlyFiles: ['d.yaml'], only: ['c'] }).sort()).toEqual(['c', 'd']);
    expect(selected(source, { onlyFiles: ['nothing.yaml'] })).toEqual([]);
    expect(selected(source, {}).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('with approvals assumed, every wave is approved; without, the manifest is as written', () => {
    const staged = aDesired({ targets: undefined, waves: WAVES }, 's');
    expect(approved(staged).spec.approvedWaves).toEqual(['canary', 'fleet']);
    expect(rehearsalSource(aSource([staged]), { approveAll: true }).get('s')?.spec.approvedWaves).toEqual(['canary', 'fleet']);
    expect(rehearsalSource(aSource([staged]), { approveAll: false }).get('s')?.spec.approvedWaves).toBeUndefined();
    expect(approved(jobs[3]!)).toBe(jobs[3]);
  });
});

const timeline = (key: string, sizes: number[], over: Partial<JobTimeline> = {}): JobTimeline => ({
  key,
  jobId: key,
  outcome: 'completed',
  detail: '',
  exposed: 0,
  targeted: sizes.reduce((a, b) => a + b, 0),
  stoppedAt: 3_600_000,
  waves: sizes.map((size, i) => ({ name: WAVES[i]?.name ?? 'all', size, exposed: 0, succeeded: 0, failed: 0, phase: 'Passed', series: [] })),
  events: [],
  ...over,
});

describe('rehearsal warnings', () => {
  it('names an abort criterion that needs more executed things than the job has reached by a wave, and a gate that needs more than the wave has', () => {
    const abortConfig = {
      criteriaList: [{ failureType: 'FAILED' as const, action: 'CANCEL' as const, thresholdPercentage: 10, minNumberOfExecutedThings: 100 }],
    };
    const staged = aDesired({ targets: undefined, waves: WAVES, abortConfig }, 's');
    expect(warningsOf([{ desired: staged, timeline: timeline('s', [50, 950]) }], { warnDays: 7 })).toEqual([
      's: wave canary: abort criterion FAILED ≥ 10% needs 100 executed things, but only 50 are targeted by then: it cannot fire there',
      's: wave canary: gate minFinished is 80, but the wave has 50 things: the gate is never judged and the rollout never widens',
    ]);
    const plain = aDesired({ abortConfig }, 'p');
    expect(warningsOf([{ desired: plain, timeline: timeline('p', [60]) }], { warnDays: 7 })).toEqual([
      'p: abort criterion FAILED ≥ 10% needs 100 executed things, but only 60 are targeted by then: it cannot fire there',
    ]);
  });

  it('names a dependency gate that can never be met, a slow rollout and one cut off by the horizon', () => {
    const a = aDesired({}, 'a');
    const b = aDesired({ dependsOn: [{ name: 'a', gate: { minFinished: 500 } }] }, 'b');
    const warnings = warningsOf(
      [
        { desired: a, timeline: timeline('a', [200], { stoppedAt: 9 * 86_400_000 }) },
        { desired: b, timeline: timeline('b', [10], { outcome: 'unfinished', stoppedAt: undefined }) },
      ],
      { warnDays: 7 },
    );
    expect(warnings).toEqual([
      'a: the rollout takes 9.0 days, more than 7',
      'b: dependsOn a: gate minFinished is 500, but a targets 200 things: b is never created',
      'b: still rolling out when the rehearsal stopped (its horizon); it needs longer than that',
    ]);
  });
});

describe('the failure sweep', () => {
  it('gives every group the rate, and lowers a rejection rate that would no longer fit', () => {
    const model = {
      defaults: { rejectRate: 0.1 },
      groups: [
        { name: 'a', size: 1, silentRate: 0.3 },
        { name: 'b', size: 1, failureRate: 0.01 },
      ],
    };
    const swept = withFailureRate(model, 0.7);
    expect(swept.defaults).toMatchObject({ failureRate: 0.7, rejectRate: 0.1 });
    expect(swept.groups[0]).toMatchObject({ failureRate: 0.7, rejectRate: 0, silentRate: 0.3 });
    expect(swept.groups[1]).toMatchObject({ failureRate: 0.7, rejectRate: 0.1 });
  });
});
