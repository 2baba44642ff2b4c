import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../helpers/fake-clock.js';
import { TokenBucket } from '../../../controller/lib/token-bucket.js';
import { WorkQueue } from '../../../controller/runtime/work-queue.js';
import { judgePrune } from '../../../controller/plan/prune-guard.js';

describe('work queue', () => {
  it('queues a key once, however often it is added', async () => {
    const q = new WorkQueue(new FakeClock());
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.depth).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.depth).toBe(0);
  });

  it('never hands one key to two workers; a key added while processed comes back once after done', async () => {
    const q = new WorkQueue(new FakeClock());
    q.add('a');
    const key = await q.get();
    q.add('a');
    q.add('a');
    expect(q.depth).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(key!);
    await Promise.resolve();
    expect(second).toBe('a');
    q.done('a');
    expect(q.depth).toBe(0);
  });

  it('backs a failing key off exponentially up to the cap, and forget resets it', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue(clock, { baseMs: 100, maxMs: 1_000 });
    const delays = Array.from({ length: 6 }, () => q.addRateLimited('k'));
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    q.forget('k');
    expect(q.addRateLimited('k')).toBe(100);
  });

  it('addAfter queues a key when its time comes, keeping the earliest of several requests', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue(clock);
    q.addAfter('k', 500);
    q.addAfter('k', 200);
    q.addAfter('k', 900);
    await clock.advance(199);
    expect(q.depth).toBe(0);
    await clock.advance(1);
    expect(q.depth).toBe(1);
    expect(await q.get()).toBe('k');
    q.done('k');
    await clock.advance(1_000);
    expect(q.depth).toBe(0);
  });

  it('shutDown releases waiting workers and drops queued and delayed keys', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue(clock);
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add('late');
    q.addAfter('later', 10);
    await clock.advance(100);
    expect(q.depth).toBe(0);
    expect(await q.get()).toBeUndefined();
  });
});

describe('token bucket', () => {
  it('allows a burst, then paces calls at the rate, in order', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 10, clock);
    const done: number[] = [];
    const takes = Array.from({ length: 15 }, (_, i) => bucket.take().then(() => done.push(i)));
    await clock.advance(0);
    expect(done).toHaveLength(10);
    await clock.advance(300);
    expect(done).toHaveLength(13);
    await clock.advance(200);
    await Promise.all(takes);
    expect(done).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });
});

describe('prune guard', () => {
  const managed = ['a', 'b', 'c', 'd'];
  it.each([
    [['a', 'b', 'c', 'd'], true, 'nothing to remove'],
    [['a', 'b', 'c'], true, '1 of 4'],
    [['a', 'b'], true, '2 of 4'],
    [['a'], false, '3 of 4 managed jobs (75%, more than 50%)'],
    [[], false, 'every managed job'],
  ])('desired %j: allowed %s', (desired, allowed, reason) => {
    const v = judgePrune(managed, new Set(desired), { maxShare: 0.5, approved: false });
    expect(v.allowed).toBe(allowed);
    expect(v.reason).toContain(reason);
  });

  it('lets an approved revision through, and refuses removing all of one job', () => {
    expect(judgePrune(managed, new Set(), { maxShare: 0.5, approved: true }).allowed).toBe(true);
    expect(judgePrune(['x'], new Set(), { maxShare: 1, approved: false }).allowed).toBe(false);
  });
});

describe('work queue priority', () => {
  it('addFirst puts a key ahead of the others, or moves a queued one to the front', async () => {
    const q = new WorkQueue(new FakeClock());
    for (const k of ['a', 'b', 'c']) q.add(k);
    q.addFirst('new');
    q.addFirst('c');
    const order = [];
    for (let i = 0; i < 4; i++) order.push(await q.get());
    expect(order).toEqual(['c', 'new', 'a', 'b']);
  });
});
