/**
 * A staged rollout's waves as operators see them (status, metrics, the status page). Plain data.
 */

/** A job's executions as a wave's gate counts them. */
export interface WaveCounts {
  /** Every execution, whatever its status. */
  total: number;
  succeeded: number;
  failed: number;
  rejected: number;
  timedOut: number;
}

/** Where one wave is. */
export const WAVE_PHASES = ['Pending', 'Running', 'Baking', 'AwaitingApproval', 'Passed', 'Failed', 'Held'] as const;
export type WavePhase = (typeof WAVE_PHASES)[number];

/** A wave as operators see it. */
export interface WaveStatus {
  name: string;
  phase: WavePhase;
  /** The wave's own counts; only for the wave that runs. */
  counts?: WaveCounts;
  /** The gate's last judgement in words; only for the wave that runs. */
  gate?: string;
  /** Succeeded ÷ finished of the wave that runs; undefined before anything finished. */
  succeededRatio?: number;
  /** ISO times. */
  startedAt?: string;
  passedAt?: string;
}
