/**
 * Pure: a wave's gate judged on the wave's own counts, with the verdict in words an operator
 * reads ("canary: 47 of 50 finished, 94% succeeded < 95% required").
 *
 * Finished means SUCCEEDED, FAILED, REJECTED or TIMED_OUT. An execution being retried is back in
 * QUEUED or IN_PROGRESS, so it counts once it finishes for good; REMOVED (the thing left its
 * group) and CANCELED executions are neither successes nor failures.
 */
import type { WaveGate } from '../model/iot-job.js';
import type { WaveCounts } from '../model/wave-status.js';

/** pending: not enough finished yet; holds: the next wave may start (after the bake); fails: it may not. */
export type GateVerdict = 'pending' | 'holds' | 'fails';

/** A verdict and the words that explain it. */
export interface GateJudgement {
  verdict: GateVerdict;
  words: string;
  /** Succeeded ÷ finished; undefined before anything finished. */
  succeededRatio?: number;
}

/** Executions that finished for good. */
export function finishedOf(c: WaveCounts): number {
  return c.succeeded + c.failed + c.rejected + c.timedOut;
}

/** A ratio in percent to one decimal, rounded down (succeeded) or up (failed), so the words never contradict the verdict. */
const pct = (r: number, up = false): string => `${(up ? Math.ceil(r * 1000 - 1e-9) : Math.floor(r * 1000 + 1e-9)) / 10}%`;

/**
 * Judges a gate. Without a gate, a wave holds once every one of its executions finished. With one,
 * it is judged once `minFinished` executions finished (default: all of them): it holds when every
 * ratio it sets is met, and fails otherwise.
 */
export function judgeGate(name: string, gate: WaveGate | undefined, c: WaveCounts): GateJudgement {
  const finished = finishedOf(c);
  const succeededRatio = finished > 0 ? c.succeeded / finished : undefined;
  const head = `${name}: ${finished} of ${c.total} finished`;
  const needed = gate?.minFinished ?? c.total;
  if (c.total === 0 || finished < needed) return { verdict: 'pending', words: `${head}, waiting for ${needed}`, succeededRatio };
  const broken = brokenRatio(gate, c.succeeded / finished, (finished - c.succeeded) / finished);
  if (broken) return { verdict: 'fails', words: `${head}, ${broken}`, succeededRatio };
  return { verdict: 'holds', words: `${head}, ${pct(succeededRatio!)} succeeded: the gate holds`, succeededRatio };
}

/** The ratio a gate sets that the counts miss, in words; undefined when every ratio is met. */
function brokenRatio(gate: WaveGate | undefined, succeeded: number, failed: number): string | undefined {
  if (gate?.minSucceededRatio !== undefined && succeeded < gate.minSucceededRatio)
    return `${pct(succeeded)} succeeded < ${pct(gate.minSucceededRatio)} required`;
  if (gate?.maxFailedRatio !== undefined && failed > gate.maxFailedRatio) return `${pct(failed, true)} failed > ${pct(gate.maxFailedRatio, true)} allowed`;
  return undefined;
}
