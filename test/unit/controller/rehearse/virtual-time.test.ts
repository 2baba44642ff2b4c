/**
 * VirtualTime (controller/rehearse/virtual-time.ts): time moves only by `advance`, to the next due
 * callback or the other source's next moment, never past the limit; cancelled timers never run;
 * and the asynchronous work a timer starts has settled before time moves on.
 */
import { describe, expect, it } from 'vitest';
import { VirtualTime } from '../../../../controller/rehearse/virtual-time.js';

const NONE = { nextAt: () => undefined, reached: () => undefined };

describe('virtual time', () => {
  it('jumps to each due callback in order, ties in the order they were set, and stops at the limit', async () => {
    const t = new VirtualTime(1_000);
    const ran: string[] = [];
    t.setTimer(() => ran.push(`b@${t.now()}`), 500);
    t.schedule(1_200, () => ran.push(`a@${t.now()}`));
    t.setTimer(() => ran.push(`c@${t.now()}`), 500);
    t.setTimer(() => ran.push(`late@${t.now()}`), 10_000);
    while (await t.advance(5_000, NONE));
    expect(ran).toEqual(['a@1200', 'b@1500', 'c@1500']);
    expect(t.now()).toBe(5_000);
    expect(t.nextAt()).toBe(11_000);
  });

  it('never runs a cancelled timer', async () => {
    const t = new VirtualTime(0);
    let ran = false;
    t.setTimer(() => (ran = true), 10).cancel();
    expect(await t.advance(100, NONE)).toBe(false);
    expect(ran).toBe(false);
  });

  it("also stops at the other source's moments and tells it the time was reached", async () => {
    const t = new VirtualTime(0);
    let due: number | undefined = 300;
    const reached: number[] = [];
    const other = { nextAt: () => due, reached: (now: number) => (reached.push(now), (due = undefined)) };
    t.setTimer(() => undefined, 1_000);
    expect(await t.advance(10_000, other)).toBe(true);
    expect(t.now()).toBe(300);
    expect(await t.advance(10_000, other)).toBe(true);
    expect(t.now()).toBe(1_000);
    expect(reached).toEqual([300, 1_000]);
  });

  it('lets the work a timer starts run to its next timer before time moves on (sleep chains advance in virtual time, not real time)', async () => {
    const t = new VirtualTime(0);
    const seen: number[] = [];
    const worker = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        await t.sleep(60_000);
        await Promise.resolve();
        seen.push(t.now());
      }
    };
    const done = worker();
    const realStart = Date.now();
    while (await t.advance(3_600_000, NONE));
    await done;
    expect(seen).toEqual([60_000, 120_000, 180_000]);
    expect(Date.now() - realStart).toBeLessThan(1_000);
  });
});
