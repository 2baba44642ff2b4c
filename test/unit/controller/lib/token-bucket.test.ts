import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { TokenBucket } from '../../../../controller/lib/token-bucket.js';

describe('token bucket: taking a token without waiting', () => {
  it('takes the token that is there, and none while callers wait for one (they keep their place)', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 1, clock);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    const served: string[] = [];
    const waiting = bucket.take().then(() => served.push('waiting'));
    await clock.advance(100);
    await waiting;
    await clock.advance(100);
    // A token is there again; nobody waits, so it can be taken at once.
    expect([served, bucket.tryTake(), bucket.tryTake()]).toEqual([['waiting'], true, false]);
  });

  it('does not let a caller that does not wait jump the line of those that do', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 1, clock);
    bucket.tryTake();
    const order: string[] = [];
    const first = bucket.take().then(() => order.push('first'));
    await clock.advance(150);
    // The token refilled at 100 ms went to 'first'; the next one is due at 200 ms.
    await first;
    expect(bucket.tryTake()).toBe(false);
    const second = bucket.take().then(() => order.push('second'));
    await clock.advance(100);
    await second;
    expect(order).toEqual(['first', 'second']);
  });

  it('serves the callers who ask to go first ahead of the others, each kind in the order they asked', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 1, clock);
    bucket.tryTake();
    const order: string[] = [];
    const asks: [string, boolean][] = [
      ['routine-1', false],
      ['change-1', true],
      ['routine-2', false],
      ['change-2', true],
    ];
    const takes = asks.map(([name, first]) => bucket.take(first).then(() => order.push(name)));
    await clock.advance(1_000);
    await Promise.all(takes);
    expect(order).toEqual(['change-1', 'change-2', 'routine-1', 'routine-2']);
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

describe('token bucket: the wait a caller would have', () => {
  it('is 0 with a token there, then one interval per caller ahead', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket(10, 1, clock);
    expect(b.waitMs()).toBe(0);
    expect(b.tryTake()).toBe(true);
    expect(b.waitMs()).toBe(100);
    void b.take();
    expect(b.waitMs()).toBe(200);
    await clock.advance(100);
    expect(b.waitMs()).toBe(100);
  });
});
