/**
 * IotJobsService: the emulated AWS IoT Jobs service for one account and region, usable in-process.
 * `call(operation, input)` runs one operation as the HTTP server would, with the same validation,
 * errors and output shapes; the wire layer adds nothing but encoding. Before each call, every timed
 * event that has come due (rollout batches, timeouts, scheduled starts, deletions) fires in order.
 */
import { s3ObjectKey } from './s3-url.js';
import type { Partition } from './arn.js';
import { SystemClock, type Clock } from './clock.js';
import { withDefaults } from './defaults.js';
import { settle } from './lifecycle.js';
import * as devices from './ops-device.js';
import * as execs from './ops-executions.js';
import * as jobs from './ops-jobs.js';
import * as registry from './ops-registry.js';
import * as templates from './ops-templates.js';
import type { Plane } from './errors.js';
import { DEFAULT_SERVICE_OPTIONS, ServiceState, type ServiceOptions } from './state.js';

type Input = Record<string, unknown>;
type Handler = (state: ServiceState, input: Input) => Input;

/** Every operation the emulator serves, with its plane and whether it changes state. */
export const OPERATIONS = {
  CreateJob: { plane: 'control', mutates: true, handler: jobs.createJob },
  UpdateJob: { plane: 'control', mutates: true, handler: jobs.updateJob },
  CancelJob: { plane: 'control', mutates: true, handler: jobs.cancelJobOp },
  DeleteJob: { plane: 'control', mutates: true, handler: jobs.deleteJob },
  DescribeJob: { plane: 'control', mutates: false, handler: jobs.describeJob },
  GetJobDocument: { plane: 'control', mutates: false, handler: jobs.getJobDocument },
  ListJobs: { plane: 'control', mutates: false, handler: jobs.listJobs },
  AssociateTargetsWithJob: { plane: 'control', mutates: true, handler: jobs.associateTargetsWithJob },
  CreateJobTemplate: { plane: 'control', mutates: true, handler: templates.createJobTemplate },
  DescribeJobTemplate: { plane: 'control', mutates: false, handler: templates.describeJobTemplate },
  DeleteJobTemplate: { plane: 'control', mutates: true, handler: templates.deleteJobTemplate },
  ListJobTemplates: { plane: 'control', mutates: false, handler: templates.listJobTemplates },
  ListManagedJobTemplates: { plane: 'control', mutates: false, handler: templates.listManagedJobTemplates },
  DescribeManagedJobTemplate: { plane: 'control', mutates: false, handler: templates.describeManagedJobTemplate },
  ListJobExecutionsForJob: { plane: 'control', mutates: false, handler: execs.listJobExecutionsForJob },
  ListJobExecutionsForThing: { plane: 'control', mutates: false, handler: execs.listJobExecutionsForThing },
  DescribeJobExecution: { plane: 'control', mutates: false, handler: execs.describeJobExecution },
  CancelJobExecution: { plane: 'control', mutates: true, handler: execs.cancelJobExecution },
  DeleteJobExecution: { plane: 'control', mutates: true, handler: execs.deleteJobExecution },
  TagResource: { plane: 'control', mutates: true, handler: execs.tagResource },
  UntagResource: { plane: 'control', mutates: true, handler: execs.untagResource },
  ListTagsForResource: { plane: 'control', mutates: false, handler: execs.listTagsForResource },
  CreateThing: { plane: 'control', mutates: true, handler: registry.createThing },
  DescribeThing: { plane: 'control', mutates: false, handler: registry.describeThing },
  ListThings: { plane: 'control', mutates: false, handler: registry.listThings },
  CreateThingGroup: { plane: 'control', mutates: true, handler: registry.createThingGroup },
  DescribeThingGroup: { plane: 'control', mutates: false, handler: registry.describeThingGroup },
  AddThingToThingGroup: { plane: 'control', mutates: true, handler: registry.addThingToThingGroup },
  RemoveThingFromThingGroup: { plane: 'control', mutates: true, handler: registry.removeThingFromThingGroup },
  ListThingsInThingGroup: { plane: 'control', mutates: false, handler: registry.listThingsInThingGroup },
  GetPendingJobExecutions: { plane: 'data', mutates: false, handler: devices.getPendingJobExecutions },
  StartNextPendingJobExecution: { plane: 'data', mutates: true, handler: devices.startNextPendingJobExecution },
  DescribeDeviceJobExecution: { plane: 'data', mutates: false, handler: devices.describeDeviceExecution },
  UpdateJobExecution: { plane: 'data', mutates: true, handler: devices.updateJobExecution },
} as const satisfies Record<string, { plane: Plane; mutates: boolean; handler: Handler }>;

/** The name of an operation the emulator serves. The data plane's DescribeJobExecution is DescribeDeviceJobExecution. */
export type OperationName = keyof typeof OPERATIONS;

/** How to build a service. */
export interface ServiceConfig extends Partial<ServiceOptions> {
  account?: string;
  region?: string;
  clock?: Clock;
}

/** The emulated service. */
export class IotJobsService {
  readonly state: ServiceState;
  /** Told after every call that changed state (the state file uses it). */
  readonly onMutation = new Set<() => void>();

  constructor(config: ServiceConfig = {}) {
    const partition: Partition = { account: config.account ?? '123456789012', region: config.region ?? 'us-east-1' };
    const options = withDefaults(DEFAULT_SERVICE_OPTIONS, config);
    this.state = new ServiceState(partition, config.clock ?? new SystemClock(), options, (change) => jobs.followMembership(this.state, change));
  }

  get partition(): Partition {
    return this.state.partition;
  }

  get clock(): Clock {
    return this.state.clock;
  }

  /** Runs one operation; throws ServiceError exactly where the service returns an error. */
  call(operation: OperationName, input: Input = {}): Input {
    const op = OPERATIONS[operation];
    this.tick();
    const out = op.handler(this.state, input);
    if (op.mutates) for (const l of this.onMutation) l();
    return out;
  }

  /** Fires every timed event that is due now; returns how many fired. */
  tick(): number {
    const fired = settle(this.state, this.state.clock.now());
    if (fired > 0) for (const l of this.onMutation) l();
    return fired;
  }

  /** Subscribes to "this thing may have new pending work" (the in-process notify-next); returns the unsubscribe. */
  onNotify(listener: (thingName: string) => void): () => void {
    this.state.notifyListeners.add(listener);
    return () => {
      this.state.notifyListeners.delete(listener);
    };
  }

  /** Makes an S3 object readable by a CreateJob documentSource (the emulator's stand-in for S3), named by any URL style or by `bucket/key`. */
  putS3Object(urlOrKey: string, body: string): void {
    this.state.s3Objects.set(s3ObjectKey(urlOrKey) ?? urlOrKey, body);
  }

  /** An S3 object's text, named by any URL style or by `bucket/key`; undefined when there is none. */
  getS3Object(urlOrKey: string): string | undefined {
    return this.state.s3Objects.get(s3ObjectKey(urlOrKey) ?? urlOrKey);
  }

  /** Forgets all jobs, executions, things and groups. */
  reset(): void {
    this.state.clear();
    for (const l of this.onMutation) l();
  }
}
