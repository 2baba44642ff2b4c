/**
 * The wall clock: the Clock (model/clock.ts) that the running controller is given. Tests give a
 * fake one instead (test/helpers/fake-clock.ts), and a rehearsal a virtual one (rehearse/virtual-time.ts).
 */

import type { Clock } from '../model/clock.js';

/** Wall-clock time with Node timers; timers do not keep the process alive on their own. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};
