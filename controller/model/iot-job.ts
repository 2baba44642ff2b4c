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
  targets: string[];
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
