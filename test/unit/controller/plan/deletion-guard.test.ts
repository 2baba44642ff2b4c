/**
 * The Kubernetes deletion guard (issue 9 item 5): a prune, a deleted namespace or a deleted CRD
 * used to apply every IoTJob's deletionPolicy at once, canceling every rollout. The arithmetic
 * (plan/deletion-guard.ts) and the memory that holds deletions until approved (kube/deletion-hold.ts).
 */
import { describe, expect, it } from 'vitest';
import { DeletionHold, type DeletionFacts } from '../../../../controller/kube/deletion-hold.js';
import { createLogger } from '../../../../controller/observability/logger.js';
import { deletionActs, judgeDeletions } from '../../../../controller/plan/deletion-guard.js';
import { FakeClock } from '../../../helpers/fake-clock.js';

const LIMITS = { maxShare: 0.5, maxDeletions: 5, windowMs: 600_000 };

describe('judgeDeletions', () => {
  it.each([
    [{ managed: 4, deleting: 3, unapproved: 3 }, true, '3 of 4 managed IoTJobs are being deleted together (75%, more than 50%)'],
    [{ managed: 2, deleting: 2, unapproved: 2 }, true, '2 of 2 managed IoTJobs are being deleted together (100%, more than 50%)'],
    [{ managed: 6, deleting: 6, unapproved: 0 }, true, '6 of 6 managed IoTJobs'],
    [{ managed: 4, deleting: 2, unapproved: 2 }, false, '2 of 4 managed IoTJobs being deleted'],
    [{ managed: 4, deleting: 1, unapproved: 1 }, false, '1 of 4 managed IoTJobs being deleted'],
    [{ managed: 1, deleting: 1, unapproved: 1 }, false, '1 of 1 managed IoTJobs being deleted'],
    [{ managed: 100, deleting: 6, unapproved: 6 }, true, '6 IoTJobs were deleted without approval within 10 minutes (more than 5)'],
    [{ managed: 100, deleting: 1, unapproved: 6 }, true, '6 IoTJobs were deleted without approval within 10 minutes'],
    [{ managed: 100, deleting: 5, unapproved: 5 }, false, '5 without approval within 10 minutes'],
  ])('%j: hold %s', (counts, hold, reason) => {
    const v = judgeDeletions(counts, LIMITS);
    expect(v.hold).toBe(hold);
    expect(v.reason).toContain(reason);
  });

  it('holds a single deletion only by the window: --max-deletions 0 asks approval for every deletion', () => {
    expect(judgeDeletions({ managed: 1, deleting: 1, unapproved: 1 }, { ...LIMITS, maxDeletions: 0, windowMs: 90_000 })).toEqual({
      hold: true,
      reason: '1 IoTJobs were deleted without approval within 90 s (more than 0)',
    });
  });

  it('counts only deletionPolicies that act on AWS', () => {
    expect([deletionActs(undefined), deletionActs('Cancel'), deletionActs('Delete'), deletionActs('Orphan')]).toEqual([true, true, true, false]);
  });
});

/** A guard over `n` managed IoTJobs k0..k(n-1), on fake time. */
function guard(n: number, limits = LIMITS): { hold: DeletionHold; clock: FakeClock; held: number[]; facts: (key: string, f: Partial<DeletionFacts>) => void } {
  const clock = new FakeClock();
  const held: number[] = [];
  const hold = new DeletionHold({ limits, quietMs: 2_000, clock, logger: createLogger('silent'), ready: () => true, onHeldCount: (c) => held.push(c) });
  const facts = (key: string, f: Partial<DeletionFacts>): void => hold.update(key, { managed: true, deleting: false, approved: false, ...f });
  for (let i = 0; i < n; i++) facts(`ns/k${i}`, {});
  return { hold, clock, held, facts };
}

describe('DeletionHold', () => {
  it('waits for the deletions that come together, then holds them all until each is approved', async () => {
    const { hold, clock, held, facts } = guard(4);
    facts('ns/k0', { deleting: true });
    await clock.advance(1_500);
    facts('ns/k1', { deleting: true });
    facts('ns/k2', { deleting: true });
    await clock.advance(1_999);
    expect(hold.state('ns/k0')?.kind).toBe('waiting');
    await clock.advance(1);
    expect(hold.state('ns/k0')).toEqual({ kind: 'held', reason: expect.stringContaining('3 of 4 managed IoTJobs are being deleted together') });
    expect(['ns/k1', 'ns/k2'].map((k) => hold.state(k)?.kind)).toEqual(['held', 'held']);
    expect(held).toEqual([1, 2, 3]);
    await clock.advance(3_600_000);
    expect(hold.state('ns/k1')?.kind).toBe('held');
    facts('ns/k1', { deleting: true, approved: true });
    expect(hold.state('ns/k1')).toEqual({ kind: 'released' });
    expect(hold.state('ns/k2')?.kind).toBe('held');
    expect(hold.heldCount()).toBe(2);
  });

  it('lets a single deletion among many go once the quiet time has passed', async () => {
    const { hold, clock } = guard(4);
    hold.update('ns/k3', { managed: true, deleting: true, approved: false });
    expect(hold.state('ns/k3')?.kind).toBe('waiting');
    await clock.advance(2_000);
    expect(hold.state('ns/k3')).toEqual({ kind: 'released' });
    expect(hold.state('ns/k0')).toBeUndefined();
  });

  it('holds again after a restart what it held before (the annotation), and lets an approved deletion go at once', () => {
    const { hold, facts } = guard(4);
    facts('ns/k0', { deleting: true, heldBefore: '3 of 4 managed IoTJobs are being deleted together' });
    facts('ns/k1', { deleting: true, approved: true });
    expect(hold.state('ns/k0')).toEqual({ kind: 'held', reason: '3 of 4 managed IoTJobs are being deleted together' });
    expect(hold.state('ns/k1')).toEqual({ kind: 'released' });
  });

  it('holds the deletions past --max-deletions within the window, and counts one that went only for the window', async () => {
    const { hold, clock, facts } = guard(20, { ...LIMITS, maxDeletions: 2 });
    for (const k of ['ns/k0', 'ns/k1']) {
      facts(k, { deleting: true });
      await clock.advance(2_000);
      expect(hold.state(k)?.kind).toBe('released');
      hold.update(k, undefined);
    }
    facts('ns/k2', { deleting: true });
    await clock.advance(2_000);
    expect(hold.state('ns/k2')).toEqual({ kind: 'held', reason: '3 IoTJobs were deleted without approval within 10 minutes (more than 2)' });
    await clock.advance(600_000);
    facts('ns/k3', { deleting: true });
    await clock.advance(2_000);
    expect(hold.state('ns/k3')?.kind).toBe('released');
    expect(hold.state('ns/k2')?.kind).toBe('held');
  });

  it('does not judge before the IoTJobs are listed, and forgets a held deletion whose finalizer was removed by hand', async () => {
    const clock = new FakeClock();
    let ready = false;
    const counts: number[] = [];
    const hold = new DeletionHold({ limits: LIMITS, clock, logger: createLogger('silent'), ready: () => ready, onHeldCount: (c) => counts.push(c) });
    hold.update('ns/a', { managed: true, deleting: true, approved: false });
    hold.update('ns/b', { managed: true, deleting: true, approved: false });
    await clock.advance(10_000);
    expect(hold.state('ns/a')?.kind).toBe('waiting');
    ready = true;
    expect(hold.state('ns/a')?.kind).toBe('held');
    hold.update('ns/a', undefined);
    hold.update('ns/b', { managed: false, deleting: false, approved: false });
    expect([hold.state('ns/a'), hold.state('ns/b'), hold.heldCount()]).toEqual([undefined, undefined, 0]);
    expect(counts).toEqual([1, 2, 1, 0]);
  });

  it('a batch held long ago does not hold a later single deletion as part of a burst (regression)', async () => {
    const { hold, clock, facts } = guard(40, { ...LIMITS, maxShare: 1, maxDeletions: 2 });
    for (const k of ['ns/k0', 'ns/k1', 'ns/k2', 'ns/k3']) facts(k, { deleting: true });
    await clock.advance(2_000);
    expect(hold.state('ns/k0')?.kind).toBe('held');
    await clock.advance(601_000);
    facts('ns/k9', { deleting: true });
    await clock.advance(2_000);
    expect(hold.state('ns/k9')?.kind).toBe('released');
    expect(hold.state('ns/k0')?.kind).toBe('held');
  });
});
