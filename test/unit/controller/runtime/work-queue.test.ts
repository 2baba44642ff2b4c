import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { WorkQueue } from '../../../../controller/runtime/work-queue.js';

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

  it('a delayed key whose time has come goes ahead of the keys queued while it waited', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue(clock);
    q.addAfter('read-back', 100);
    for (const k of ['a', 'b', 'c']) q.add(k);
    await clock.advance(100);
    const order = [];
    for (let i = 0; i < 4; i++) order.push(await q.get());
    expect(order).toEqual(['read-back', 'a', 'b', 'c']);
  });
});
