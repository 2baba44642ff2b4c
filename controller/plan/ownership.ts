/**
 * The ownership tags every job the controller creates carries, and what they say. Pure.
 */
import type { DeletionPolicy, DesiredJob } from '../model/iot-job.js';
import type { ObservedJob } from '../model/observed-job.js';

/** The tag holding the controller instance id that manages the job. */
export const MANAGED_BY = 'iot-jobs-controller/managed-by';
/** The tag holding the manifest's key (its name, or namespace/name). */
export const SOURCE_KEY = 'iot-jobs-controller/source-key';
/** The tag holding the manifest's deletionPolicy, so it is known after the manifest is gone. */
export const DELETION_POLICY = 'iot-jobs-controller/deletion-policy';

/** The controller's own tags for a job. */
export function ownershipTags(controllerId: string, key: string, policy: DeletionPolicy): Record<string, string> {
  return { [MANAGED_BY]: controllerId, [SOURCE_KEY]: key, [DELETION_POLICY]: policy };
}

/** Every tag a desired job should carry: the manifest's own, and the controller's ownership tags over them. */
export function desiredTags(d: DesiredJob, controllerId: string): Record<string, string> {
  return { ...(d.spec.tags ?? {}), ...ownershipTags(controllerId, d.key, d.spec.deletionPolicy ?? 'Cancel') };
}

/** Whether this controller instance manages the job (or job template: the same tags mark both). */
export function isOwned(job: Pick<ObservedJob, 'tags'>, controllerId: string): boolean {
  return job.tags[MANAGED_BY] === controllerId;
}

/** The deletionPolicy recorded on a job (Cancel when none is recorded or it is unknown). */
export function recordedDeletionPolicy(job: Pick<ObservedJob, 'tags'>): DeletionPolicy {
  const p = job.tags[DELETION_POLICY];
  return p === 'Delete' || p === 'Orphan' ? p : 'Cancel';
}
