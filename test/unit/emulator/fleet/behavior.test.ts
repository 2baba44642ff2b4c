/**
 * Device behaviour as pure functions of the seed: who answers, what each attempt ends in and how
 * long it takes. The shares over 1,000 simulated devices per group follow the model within a
 * tolerance, the same seed gives the same devices, and with no silent or offline devices the draws
 * are those the fleet always made.
 */
import { describe, expect, it } from 'vitest';
import { acceptMsOf, DEFAULT_BEHAVIOR, normalQuantile, outcomeOf, presenceOf, workMsOf, type DeviceBehavior } from '../../../../emulator/fleet/behavior.js';
import { hashUnit } from '../../../../emulator/fleet/random.js';
import { withDefaults } from '../../../../emulator/core/defaults.js';
import { modelLayout } from '../../../../emulator/fleet/layout.js';
import type { FleetModel } from '../../../../emulator/fleet/model.js';

type Mix = Record<'SUCCEEDED' | 'FAILED' | 'REJECTED' | 'silent' | 'offline', number>;

/** What each device of a model does with one job's first attempt, as shares per group of the things it lists directly. */
function mixes(model: FleetModel, jobId = 'job-1'): Record<string, Mix> {
  const layout = modelLayout(model);
  const out: Record<string, Mix> = {};
  for (const t of layout.things) {
    const b = withDefaults(withDefaults(DEFAULT_BEHAVIOR, { seed: layout.seed }), layout.behaviors.get(t.group)!);
    const mix = (out[t.group] ??= { SUCCEEDED: 0, FAILED: 0, REJECTED: 0, silent: 0, offline: 0 });
    const presence = presenceOf(b, t.name);
    mix[presence === 'answering' ? outcomeOf(b, t.name, { jobId, executionNumber: 1, versionNumber: 2 }) : presence]++;
  }
  for (const [group, mix] of Object.entries(out)) {
    const n = layout.things.filter((t) => t.group === group).length;
    for (const k of Object.keys(mix) as (keyof Mix)[]) mix[k] /= n;
  }
  return out;
}

const MODEL: FleetModel = {
  seed: 11,
  groups: [
    { name: 'canary', size: 1000, failureRate: 0.3, rejectRate: 0.1, silentRate: 0.2 },
    { name: 'fleet', size: 2000, includes: ['canary'], failureRate: 0, rejectRate: 0, onlineShare: 0.75 },
    { name: 'plain', size: 1000 },
  ],
};

describe('shares over 1,000 devices per group', () => {
  const mix = mixes(MODEL);

  it('a canary fails, rejects and stays silent in the shares it sets', () => {
    expect(mix.canary!.FAILED).toBeCloseTo(0.3, 1);
    expect(mix.canary!.REJECTED).toBeCloseTo(0.1, 1);
    expect(mix.canary!.silent).toBeCloseTo(0.2, 1);
    expect(mix.canary!.SUCCEEDED).toBeCloseTo(0.4, 1);
    expect(mix.canary!.offline).toBe(0);
  });

  it('the rest of the fleet, which includes the canary, keeps its own behaviour: no failures, a quarter offline', () => {
    expect(mix.fleet!.FAILED + mix.fleet!.REJECTED + mix.fleet!.silent).toBe(0);
    expect(mix.fleet!.offline).toBeCloseTo(0.25, 1);
    expect(mix.fleet!.SUCCEEDED).toBeCloseTo(0.75, 1);
  });

  it('a group that sets nothing has the built-in 5% failures and 2% rejections', () => {
    expect(mix.plain!.FAILED).toBeCloseTo(0.05, 1);
    expect(mix.plain!.REJECTED).toBeCloseTo(0.02, 1);
    expect(mix.plain!.silent + mix.plain!.offline).toBe(0);
  });

  it('is the same for the same seed and another for another seed', () => {
    expect(mixes(MODEL)).toEqual(mix);
    expect(mixes({ ...MODEL, seed: 12 })).not.toEqual(mix);
  });

  it('draws each job anew, but presence stays with the device', () => {
    const other = mixes(MODEL, 'job-2');
    expect(other.canary!.FAILED).not.toBe(mix.canary!.FAILED);
    expect(other.canary!.silent).toBe(mix.canary!.silent);
  });
});

describe('the draws of one device', () => {
  const b: DeviceBehavior = { ...DEFAULT_BEHAVIOR, seed: 3, failureRate: 0.1, rejectRate: 0.05 };

  it('with no silent devices, is the draw the fleet always made (u < reject, then < reject + failure)', () => {
    for (let i = 0; i < 1000; i++) {
      const exec = { jobId: 'j', executionNumber: 1, versionNumber: i % 3 };
      const u = hashUnit(3, `d-${i}/j/1/${i % 3}`);
      expect(outcomeOf(b, `d-${i}`, exec)).toBe(u < 0.05 ? 'REJECTED' : u < 0.15 ? 'FAILED' : 'SUCCEEDED');
      expect(presenceOf(b, `d-${i}`)).toBe('answering');
      expect(workMsOf(b, `d-${i}`, exec)).toBe(20_000);
    }
  });

  it('spreads the work uniformly from workMs to workMs + workSpreadMs, deterministically', () => {
    const spread = { ...b, workMs: 30_000, workSpreadMs: 60_000 };
    const times = Array.from({ length: 1000 }, (_, i) => workMsOf(spread, `d-${i}`, { jobId: 'j', executionNumber: 1, versionNumber: 2 }));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(30_000);
    expect(Math.max(...times)).toBeLessThan(90_000);
    expect(times.reduce((a, t) => a + t, 0) / 1000).toBeCloseTo(60_000, -4);
    expect(times.filter((t) => t < 45_000).length / 1000).toBeCloseTo(0.25, 1);
    expect(workMsOf(spread, 'd-1', { jobId: 'j', executionNumber: 1, versionNumber: 2 })).toBe(times[1]);
  });

  it('draws a long tail (log-normal) with the median and 95th percentile asked for, capped at a week', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    const tail = { ...b, workMs: 60_000, workP95Ms: 600_000 };
    const times = Array.from({ length: 10_000 }, (_, i) => workMsOf(tail, `d-${i}`, { jobId: 'j', executionNumber: 1, versionNumber: 2 })).sort(
      (x, y) => x - y,
    );
    expect(times[5_000]! / 60_000).toBeCloseTo(1, 1);
    expect(times[9_500]! / 600_000).toBeCloseTo(1, 1);
    expect(times[9_999]!).toBeLessThanOrEqual(7 * 86_400_000);
    const accept = { ...b, acceptMs: 2_000, acceptSpreadMs: 0, acceptP95Ms: 30_000 };
    const waits = Array.from({ length: 10_000 }, (_, n) => acceptMsOf(accept, 'd-1', n)).sort((x, y) => x - y);
    expect(waits[5_000]! / 2_000).toBeCloseTo(1, 1);
    expect(waits[9_500]! / 30_000).toBeCloseTo(1, 1);
  });

  it('a group of only silent devices never answers; one wholly offline neither', () => {
    expect(presenceOf({ ...b, silentRate: 1 }, 'd-1')).toBe('silent');
    expect(presenceOf({ ...b, onlineShare: 0 }, 'd-1')).toBe('offline');
    expect(outcomeOf({ ...b, silentRate: 1 }, 'd-1', { jobId: 'j' })).toBe('SUCCEEDED');
  });
});
