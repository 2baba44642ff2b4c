/**
 * A controller Clock (model/clock.ts) on the emulator's scaled time: `now` is the emulator's
 * ScaledClock, and a timer of `ms` simulated milliseconds waits ms / scale real ones. The controller
 * and the emulated service then share one simulated time base, running `scale` times faster than
 * the wall clock.
 */
import type { Clock } from '../../controller/model/clock.js';
import type { ScaledClock } from '../../emulator/core/clock.js';

export function scaledControllerClock(sim: ScaledClock): Clock {
  return {
    now: () => sim.now(),
    setTimer(fn, ms) {
      const t = setTimeout(fn, Math.max(0, ms) / sim.scale);
      t.unref();
      return { cancel: () => clearTimeout(t) };
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms) / sim.scale)),
  };
}
