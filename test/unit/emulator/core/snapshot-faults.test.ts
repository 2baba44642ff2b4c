import { describe, expect, it } from 'vitest';
import { restore, snapshot } from '../../../../emulator/core/snapshot.js';
import { TimerQueue } from '../../../../emulator/core/timers.js';
import { FaultInjector } from '../../../../emulator/wire/faults.js';
import { errorCode, groupArn, Harness, MINUTE } from '../../../helpers/service.js';

describe('snapshot and restore', () => {
  it('restores jobs, executions, registry and pending timers exactly', () => {
    const h = new Harness();
    h.fleet('g', 30);
    h.createJob('j', [groupArn('g')], { jobExecutionsRolloutConfig: { maximumPerMinute: 10 }, timeoutConfig: { inProgressTimeoutInMinutes: 5 } });
    h.startNext('t-1');
    h.call('CancelJob', { jobId: 'j' });
    const before = snapshot(h.service.state);
    const h2 = new Harness();
    h2.clock.set(h.clock.now());
    restore(h2.service.state, JSON.parse(JSON.stringify(before)));
    expect(snapshot(h2.service.state)).toEqual(before);
    expect(h2.job('j')).toEqual(h.job('j'));
    h.advance(5 * MINUTE);
    h2.advance(5 * MINUTE);
    expect(h2.execution('j', 't-1')).toEqual(h.execution('j', 't-1'));
  });

  it('refuses a snapshot for another account', () => {
    const h = new Harness();
    const snap = snapshot(h.service.state);
    const other = new Harness({ account: '000000000000' });
    expect(() => restore(other.service.state, snap)).toThrow(/not 000000000000/);
  });
});

describe('timer queue', () => {
  it('pops events in time order, ties in insertion order, only when due', () => {
    const q = new TimerQueue<string>();
    for (const [at, e] of [
      [5, 'c'],
      [1, 'a'],
      [5, 'd'],
      [3, 'b'],
      [9, 'e'],
    ] as const)
      q.schedule(at, e);
    const out: string[] = [];
    for (let e = q.popDue(6); e; e = q.popDue(6)) out.push(e.event);
    expect(out).toEqual(['a', 'b', 'c', 'd']);
    expect(q.peekTime()).toBe(9);
  });
});

describe('fault injector', () => {
  it('throttles above the per-operation TPS and refills with time', () => {
    let now = 0;
    const f = new FaultInjector({ throttleTps: 10 }, () => now);
    const first = Array.from({ length: 12 }, () => f.decide('CreateJob').kind);
    expect(first.filter((k) => k === 'pass')).toHaveLength(10);
    expect(f.decide('DescribeJob').kind).toBe('pass');
    now += 100;
    expect(f.decide('CreateJob').kind).toBe('pass');
    expect(f.decide('CreateJob').kind).toBe('error');
  });

  it('injects errors at the configured rate, repeatably for a seed, and only on targeted operations', () => {
    const run = (): string[] => {
      const f = new FaultInjector({ unavailableRate: 0.3, seed: 7, operations: ['ListJobs'] });
      return Array.from({ length: 1000 }, () => f.decide('ListJobs')).map((d) => (d.kind === 'error' ? d.code : d.kind));
    };
    const a = run();
    expect(a).toEqual(run());
    const errors = a.filter((k) => k === 'ServiceUnavailableException').length;
    expect(errors).toBeGreaterThan(230);
    expect(errors).toBeLessThan(370);
    const f = new FaultInjector({ unavailableRate: 1, operations: ['ListJobs'] });
    expect(f.decide('DescribeJob').kind).toBe('pass');
  });

  it('rejects unknown settings and out-of-range rates', () => {
    const f = new FaultInjector();
    expect(errorCode(() => f.set({ nonsense: 1 } as never))).toBe('InvalidRequestException');
    expect(errorCode(() => f.set({ dropRate: 2 }))).toBe('InvalidRequestException');
  });
});
