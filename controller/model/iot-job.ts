/**
 * The desired side: an IoTJob manifest's spec as authored, and the DesiredJob the controller
 * reconciles (the spec with its document resolved and its identity fixed). Plain data.
 */

/** Failure types of the abort and retry criteria, as in CreateJob. */
export interface AbortCriterion {
  failureType: 'FAILED' | 'REJECTED' | 'TIMED_OUT' | 'ALL';
  action: 'CANCEL';
  thresholdPercentage: number;
  minNumberOfExecutedThings: number;
}

export interface RetryCriterion {
  failureType: 'FAILED' | 'TIMED_OUT' | 'ALL';
  numberOfRetries: number;
}

/** The configuration fields that mirror CreateJob, as the service model shapes them. */
export interface JobFields {
  description?: string;
  targetSelection?: 'SNAPSHOT' | 'CONTINUOUS';
  presignedUrlConfig?: { roleArn?: string; expiresInSec?: number };
  jobExecutionsRolloutConfig?: {
    maximumPerMinute?: number;
    exponentialRate?: {
      baseRatePerMinute: number;
      incrementFactor: number;
      rateIncreaseCriteria: { numberOfNotifiedThings?: number; numberOfSucceededThings?: number };
    };
  };
  abortConfig?: { criteriaList: AbortCriterion[] };
  timeoutConfig?: { inProgressTimeoutInMinutes?: number };
  jobExecutionsRetryConfig?: { criteriaList: RetryCriterion[] };
  schedulingConfig?: {
    startTime?: string;
    endTime?: string;
    endBehavior?: 'STOP_ROLLOUT' | 'CANCEL' | 'FORCE_CANCEL';
    maintenanceWindows?: { startTime: string; durationInMinutes: number }[];
  };
  /** The job template the job starts from: an ARN, or `template:ID` / `managed:NAME:VERSION` (plan/canonical.ts resolves them); exclusive with the document fields. */
  jobTemplateArn?: string;
  /** Values of an AWS managed template's `${aws:iot:parameter:KEY}` placeholders; only with a managed template. */
  documentParameters?: Record<string, string>;
  /** Software package versions (ARNs) the job deploys; AWS records them in the things' reserved named shadow. */
  destinationPackageVersions?: string[];
  /** The namespace of a job run by AWS IoT Greengrass (its notification topics carry it). */
  namespaceId?: string;
}

/**
 * When a wave may be followed by the next one. Ratios are of the wave's finished executions
 * (SUCCEEDED, FAILED, REJECTED, TIMED_OUT); nothing is judged before `minFinished` of them finished.
 */
export interface WaveGate {
  /** Succeeded ÷ finished must be at least this (0 to 1). */
  minSucceededRatio?: number;
  /** (Failed + rejected + timed out) ÷ finished must be at most this (0 to 1). */
  maxFailedRatio?: number;
  /** Finished executions needed before the gate is judged; default: every execution of the wave. */
  minFinished?: number;
  /** How long the gate must keep holding before the next wave starts. */
  bakeMinutes?: number;
  /** Manual: after the bake, wait until the wave's name is in spec.approvedWaves. */
  approval?: 'Auto' | 'Manual';
}

/** One stage of a staged rollout: its targets, optionally its own rollout rate and abort criteria, and its gate. */
export interface Wave {
  name: string;
  targets: string[];
  jobExecutionsRolloutConfig?: JobFields['jobExecutionsRolloutConfig'];
  abortConfig?: JobFields['abortConfig'];
  gate?: WaveGate;
}

/** Another manifest whose job must have met a gate before this one's is created. */
export interface Dependency {
  /** Its metadata.name (in Kubernetes, in the same namespace). */
  name: string;
  gate?: Pick<WaveGate, 'minSucceededRatio' | 'maxFailedRatio' | 'minFinished'>;
}

/** A per-thing execution override. */
export interface ExecutionOverride {
  thingName: string;
  action: 'Cancel' | 'Delete';
  force?: boolean;
  executionNumber?: number;
}

export type DeletionPolicy = 'Cancel' | 'Delete' | 'Orphan';
export type ReplacePolicy = 'Refuse' | 'Recreate';

/** The spec of an IoTJob manifest, as validated against the CRD schema. */
export interface IoTJobSpec extends JobFields {
  jobId?: string;
  /** The job's targets; exclusive with waves. */
  targets?: string[];
  /** A staged rollout: one CONTINUOUS job widened wave by wave as each wave's gate holds (plan/rollout.ts); exclusive with targets. */
  waves?: Wave[];
  /** Waves with `approval: Manual` whose next wave may start. */
  approvedWaves?: string[];
  /** Manifests whose job must have met its gate before this job is created. */
  dependsOn?: Dependency[];
  /** What a failed gate does: Hold (the default) stops widening; Cancel cancels the job with spec.cancel's options. */
  onGateFailure?: 'Hold' | 'Cancel';
  document?: unknown;
  documentSource?: string;
  documentFile?: string;
  documentConfigMap?: { name: string; key: string };
  tags?: Record<string, string>;
  state?: 'Active' | 'Canceled';
  cancel?: { force?: boolean; reasonCode?: string; comment?: string };
  executions?: ExecutionOverride[];
  deletionPolicy?: DeletionPolicy;
  replacePolicy?: ReplacePolicy;
  adopt?: boolean;
  suspend?: boolean;
}

/** Where a manifest came from: the file (relative to the source root) and the document's index in it. */
export interface Origin {
  file: string;
  doc: number;
  line: number;
}

/**
 * A job as the controller wants it. `key` identifies the manifest (its metadata.name, or
 * namespace/name); `jobId` is the base job id (the derived ids of replacements start from it).
 * The document is resolved to its final string, or left as documentSource.
 */
export interface DesiredJob {
  key: string;
  jobId: string;
  spec: IoTJobSpec;
  /** The document as it will be sent: a JSON text for an object, the string as given otherwise. */
  document?: string;
  documentSource?: string;
  origin: Origin;
  /** The Kubernetes generation, in Kubernetes mode. */
  generation?: number;
  /** A job the source itself remembers for this manifest (Kubernetes: the status's jobId), so a job deleted while no controller ran is known gone. */
  recordedJobId?: string;
}

/** The manifest's state, defaulted. */
export function stateOf(spec: IoTJobSpec): 'Active' | 'Canceled' {
  return spec.state ?? 'Active';
}
