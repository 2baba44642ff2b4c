/**
 * spec.dependsOn (plan/dependencies.ts): keys in the dependent's namespace, cycles named end to
 * end, and a dependency judged on all its job's executions.
 */
import { describe, expect, it } from 'vitest';
import type { DesiredJob } from '../../../../controller/model/iot-job.js';
import { zeroCounts } from '../../../../controller/model/observed-job.js';
import { dependencyCycle, dependencyKey, judgeDependency } from '../../../../controller/plan/dependencies.js';
import { planJob } from '../../../../controller/plan/planner.js';
import { aContext, aDesired, anObserved, PARTITION } from '../../../helpers/builders.js';

const on = (key: string, ...names: string[]): DesiredJob => aDesired({ dependsOn: names.map((name) => ({ name })) }, key);

describe('dependsOn', () => {
  it('names a manifest in the dependent namespace (Kubernetes) or by name (directory)', () => {
    expect(dependencyKey('prod/fw-b', 'fw-a')).toBe('prod/fw-a');
    expect(dependencyKey('fw-b', 'fw-a')).toBe('fw-a');
  });

  it('finds a cycle through a manifest and names it end to end; a chain or a diamond is no cycle', () => {
    const jobs = new Map(
      [on('a', 'b'), on('b', 'c'), on('c', 'a'), on('d', 'a'), on('e', 'f', 'g'), on('f', 'h'), on('g', 'h'), on('h')].map((j) => [j.key, j]),
    );
    const lookup = (k: string) => jobs.get(k);
    expect(dependencyCycle(jobs.get('a')!, lookup)).toEqual(['a', 'b', 'c', 'a']);
    expect(dependencyCycle(jobs.get('d')!, lookup)).toBeUndefined();
    expect(dependencyCycle(jobs.get('e')!, lookup)).toBeUndefined();
    expect(dependencyCycle(on('self', 'self'), () => undefined)).toEqual(['self', 'self']);
  });

  it('without a gate a dependency holds once every execution of its job finished; with one, on its ratios', () => {
    const job = (c: Partial<ReturnType<typeof zeroCounts>>) => anObserved('IN_PROGRESS', { counts: { ...zeroCounts(), ...c } });
    const a = aDesired({}, 'fw-a');
    expect(judgeDependency({ name: 'fw-a' }, a, undefined, PARTITION)).toEqual({ holds: false, words: 'fw-a has no job yet' });
    expect(judgeDependency({ name: 'fw-a' }, a, job({ SUCCEEDED: 9, IN_PROGRESS: 1 }), PARTITION)).toEqual({
      holds: false,
      words: 'fw-a: 9 of 10 finished, waiting for 10',
    });
    expect(judgeDependency({ name: 'fw-a' }, a, job({ SUCCEEDED: 9, FAILED: 1 }), PARTITION).holds).toBe(true);
    const gated = { name: 'fw-a', gate: { minSucceededRatio: 0.95, minFinished: 5 } };
    expect(judgeDependency(gated, a, job({ SUCCEEDED: 5, IN_PROGRESS: 5 }), PARTITION).holds).toBe(true);
    expect(judgeDependency(gated, a, job({ SUCCEEDED: 4, FAILED: 1 }), PARTITION)).toEqual({
      holds: false,
      words: 'fw-a: 5 of 5 finished, 80% succeeded < 95% required: its gate fails',
    });
  });

  it('a staged dependency without a gate holds only once its last wave started', () => {
    const staged = aDesired(
      {
        targets: undefined,
        waves: [
          { name: 'canary', targets: ['thingGroup:canary'] },
          { name: 'fleet', targets: ['thingGroup:fleet'] },
        ],
      },
      'fw-a',
    );
    const atCanary = anObserved('IN_PROGRESS', {
      targets: ['arn:aws:iot:us-east-1:123456789012:thinggroup/canary'],
      counts: { ...zeroCounts(), SUCCEEDED: 2 },
    });
    expect(judgeDependency({ name: 'fw-a' }, staged, atCanary, PARTITION)).toEqual({ holds: false, words: 'fw-a has not reached its last wave (fleet)' });
  });

  it('the planner waits, instead of creating, while a dependency blocks; a cycle is Stalled', () => {
    expect(
      planJob(on('b', 'a'), undefined, aContext({ blocked: { reason: 'waiting for dependency a: 1 of 2 finished, waiting for 2' }, gateIntervalMs: 1_000 })),
    ).toEqual({
      kind: 'wait',
      afterMs: 1_000,
      reason: 'waiting for dependency a: 1 of 2 finished, waiting for 2',
    });
    expect(planJob(on('b', 'b'), undefined, aContext({ blocked: { reason: 'a cycle', stalled: true } }))).toMatchObject({ kind: 'noop', stalled: true });
    expect(planJob(on('b', 'a'), undefined, aContext())).toMatchObject({ kind: 'create' });
  });
});
