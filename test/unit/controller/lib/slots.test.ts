import { describe, expect, it } from 'vitest';
import { Slots } from '../../../../controller/lib/slots.js';
import { WaitError } from '../../../../controller/model/errors.js';
import { SlottedQueue } from '../../../../controller/runtime/slotted-queue.js';
import { FakeClock } from '../../../helpers/fake-clock.js';

/** A promise and the function that resolves it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('work slots', () => {
  it('lends a slot out while its holder waits, takes it back at once when the wait is over, and starts no newcomer until the count is back', async () => {
    const slots = new Slots(1);
    const log: string[] = [];
    expect(await slots.acquire()).toBe(true);
    const token = gate();
    const holder = slots.without(() => token.wait).then(() => log.push('holder goes on'));
    // The holder waits: its slot goes to the first newcomer.
    void slots.acquire().then(() => log.push('newcomer 1'));
    void slots.acquire().then(() => log.push('newcomer 2'));
    await tick();
    expect(log).toEqual(['newcomer 1']);
    // Its turn has come: the holder goes on at once, though newcomer 1 has the only slot.
    token.open();
    await holder;
    slots.release();
    await tick();
    expect(log).toEqual(['newcomer 1', 'holder goes on']);
    slots.release();
    await tick();
    expect(log).toEqual(['newcomer 1', 'holder goes on', 'newcomer 2']);
  });

  it('keeps the count when a caller holding no slot waits (a resync, a plan): it lends one and takes one back', async () => {
    const slots = new Slots(2);
    await slots.without(async () => undefined);
    expect([await slots.acquire(), await slots.acquire()]).toEqual([true, true]);
    let third = false;
    void slots.acquire().then(() => (third = true));
    await tick();
    expect(third).toBe(false);
  });

  it('on close, lets the workers waiting for a slot go without one, and cuts the waits of lenders short with a WaitError (a stop must not wait for every turn)', async () => {
    const slots = new Slots(1);
    await slots.acquire();
    const lender = slots.without(() => gate().wait);
    const waiting = slots.acquire();
    await tick();
    const another = slots.acquire();
    slots.close();
    expect([await waiting, await another, await slots.acquire()]).toEqual([true, false, false]);
    await expect(lender).rejects.toBeInstanceOf(WaitError);
    await expect(slots.without(async () => 'never')).rejects.toBeInstanceOf(WaitError);
  });
});

describe('slotted work queue', () => {
  it('hands a key only to a worker holding a slot, frees the slot when the key is done, and lets workers go on shutdown', async () => {
    const slots = new Slots(1);
    const queue = new SlottedQueue(slots, new FakeClock());
    queue.add('a');
    queue.add('b');
    const first = await queue.get();
    let second: string | undefined | 'pending' = 'pending';
    void queue.get().then((k) => (second = k));
    await tick();
    expect([first, second]).toEqual(['a', 'pending']);
    queue.done('a');
    await tick();
    expect(second).toBe('b');
    const idle = queue.get();
    queue.shutDown();
    expect(await idle).toBeUndefined();
  });
});
