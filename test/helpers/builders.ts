/** Builders with safe defaults for unit tests of the controller's pure logic. */
import type { DesiredJob, IoTJobSpec } from '../../controller/model/iot-job.js';
import { zeroCounts, type JobStatus, type ObservedJob } from '../../controller/model/observed-job.js';
import { ownershipTags } from '../../controller/plan/ownership.js';
import type { PlanContext } from '../../controller/plan/planner.js';
import type { DesiredSource } from '../../controller/sources/source.js';

export const CONTROLLER = 'ctl-test';
export const PARTITION = { account: '123456789012', region: 'us-east-1' };
export const FLEET_ARN = 'arn:aws:iot:us-east-1:123456789012:thinggroup/fleet';

/** A desired job for manifest `key` (jobId = key), targeting thingGroup:fleet with a small document. */
export function aDesired(spec: Partial<IoTJobSpec> = {}, key = 'fw'): DesiredJob {
  const full: IoTJobSpec = { targets: ['thingGroup:fleet'], document: { op: 'ota' }, ...spec };
  return {
    key,
    jobId: full.jobId ?? key,
    spec: full,
    document: full.documentSource ? undefined : JSON.stringify(full.document ?? { op: 'ota' }),
    documentSource: full.documentSource,
    origin: { file: `${key}.yaml`, doc: 0, line: 1 },
  };
}

/** An observed job that matches aDesired() and is owned by CONTROLLER, in the given status. */
export function anObserved(status: JobStatus = 'IN_PROGRESS', over: Partial<ObservedJob> = {}, key = 'fw'): ObservedJob {
  return {
    jobId: key,
    jobArn: `arn:aws:iot:us-east-1:123456789012:job/${key}`,
    status,
    targets: [FLEET_ARN],
    targetSelection: 'SNAPSHOT',
    document: '{"op":"ota"}',
    tags: ownershipTags(CONTROLLER, key, 'Cancel'),
    counts: zeroCounts(),
    ...over,
  };
}

export function aContext(over: Partial<PlanContext> = {}): PlanContext {
  return { controllerId: CONTROLLER, partition: PARTITION, ...over };
}

/** A directory-like source of fixed manifests, synced at revision r1. */
export function aSource(jobs: DesiredJob[]): DesiredSource {
  const byKey = new Map(jobs.map((j) => [j.key, j]));
  return {
    kind: 'directory',
    prunesAbsent: true,
    get: (k) => byKey.get(k),
    keys: () => [...byKey.keys()],
    status: () => ({ revision: 'r1', problems: [] }),
    synced: () => true,
    start: async () => undefined,
    stop: async () => undefined,
  };
}
