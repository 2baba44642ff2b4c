/**
 * Pure: what a CreateJob answered with "already exists" means. It is our own create retried (its
 * answer was lost) only when the job is this controller's, for this manifest, with nothing that
 * would need a replacement; anything else is somebody's job, and the create failed.
 */
import type { DesiredJob } from '../model/iot-job.js';
import type { ObservedJob } from '../model/observed-job.js';
import { diffJob, differentIn } from './diff.js';
import { desiredShape, observedShape, type Partition } from './normalize.js';
import { isOwned, SOURCE_KEY } from './ownership.js';

/** Why an existing job with the created id is not our own create; undefined when it is. */
export function existingJobConflict(desired: DesiredJob, existing: ObservedJob, partition: Partition, controllerId: string): string | undefined {
  const { jobId } = existing;
  if (!isOwned(existing, controllerId) || existing.tags[SOURCE_KEY] !== desired.key)
    return `job id ${jobId} is already taken by a job this controller did not create for ${desired.key}`;
  const differing = differentIn(diffJob(desiredShape(desired, partition, controllerId), observedShape(existing)), 'replace');
  return differing.length > 0 ? `job ${jobId} already exists with a different ${differing.join(', ')}` : undefined;
}
