/**
 * What a rehearsal found: per job and per wave, when things happened and how many devices the
 * release reached, executions by status over time, and warnings in words. Plain data; the text,
 * HTML and JSON reports are drawn from it. Times are milliseconds from the rehearsal's start.
 */

/** Executions by status at one moment (a wave's own executions, or a job's). */
export interface StatusCounts {
  queued: number;
  inProgress: number;
  succeeded: number;
  failed: number;
  rejected: number;
  timedOut: number;
  /** Canceled or removed. */
  canceled: number;
}

/** One sample of the series. */
export interface Sample extends StatusCounts {
  at: number;
}

/** How a job's rollout ended, or where it stood when the rehearsal stopped. */
export type RolloutOutcome =
  /** Every wave passed, or every target finished. */
  | 'completed'
  /** A wave failed its gate and onGateFailure: Hold left it running. */
  | 'held'
  /** A wave failed its gate and onGateFailure: Cancel canceled the job. */
  | 'canceled'
  /** AWS's abort criteria canceled the job. */
  | 'aborted'
  /** A wave's gate waits for executions that never finish (devices that never answer). */
  | 'stalled'
  /** A manual approval was never given (approvals not assumed). */
  | 'awaiting-approval'
  /** Never created: a dependency never met its gate. */
  | 'not-started'
  /** Still going when the rehearsal reached its horizon. */
  | 'unfinished';

/** One wave (a job without waves has one, named "all"). */
export interface WaveTimeline {
  name: string;
  /** Things this wave adds (those of earlier waves are counted there). */
  size: number;
  /** Things that started an execution of the release. */
  exposed: number;
  succeeded: number;
  failed: number;
  /** When the controller widened the job to this wave. */
  startedAt?: number;
  firstExecutionAt?: number;
  /** When half, and all, of the wave's things had finished an attempt (succeeded, failed, rejected or timed out). */
  halfFinishedAt?: number;
  allFinishedAt?: number;
  /** When the gate passed (promotion), or failed. */
  passedAt?: number;
  failedAt?: number;
  /** The gate's last judgement in words. */
  gate?: string;
  /** The last phase the controller reported. */
  phase: string;
  series: Sample[];
}

/** One moment worth telling, in words. */
export interface TimelineEvent {
  at: number;
  text: string;
}

/** One job (one manifest). */
export interface JobTimeline {
  key: string;
  jobId: string;
  outcome: RolloutOutcome;
  /** The outcome in words: "held at canary: canary: 47 of 50 finished, 94% succeeded < 95% required". */
  detail: string;
  createdAt?: number;
  /** When the rollout stopped changing: completed, held, canceled or aborted. */
  stoppedAt?: number;
  /** Things that started an execution before the rollout stopped. */
  exposed: number;
  /** Things targeted in all (every wave). */
  targeted: number;
  waves: WaveTimeline[];
  events: TimelineEvent[];
}

/** A whole rehearsal of one fleet behaviour. */
export interface RehearsalResult {
  /** The failure rate every group was given (a sweep); undefined: the model's own rates. */
  failureRate?: number;
  /** The rehearsal's start, as an epoch ms (virtual time starts at the real time it ran). */
  startedAt: number;
  /** How long the rehearsal ran in virtual time, and whether it stopped at the horizon. */
  durationMs: number;
  horizonReached: boolean;
  /** Real time the rehearsal took. */
  wallMs: number;
  things: number;
  jobs: JobTimeline[];
  warnings: string[];
}
