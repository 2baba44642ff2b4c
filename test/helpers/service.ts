/** Builders for in-process tests of the emulator's state machine, on a fake clock. */
import { FakeClock } from '../../emulator/core/clock.js';
import { IotJobsService, type OperationName } from '../../emulator/core/service.js';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const thingArn = (name: string): string => `arn:aws:iot:${REGION}:${ACCOUNT}:thing/${name}`;
export const groupArn = (name: string): string => `arn:aws:iot:${REGION}:${ACCOUNT}:thinggroup/${name}`;
export const MINUTE = 60_000;

/** A service on a fake clock, with helpers that call operations as a client would. */
export class Harness {
  readonly clock = new FakeClock(Date.UTC(2026, 5, 1, 12, 0, 0));
  readonly service: IotJobsService;

  constructor(options: ConstructorParameters<typeof IotJobsService>[0] = {}) {
    this.service = new IotJobsService({ clock: this.clock, deletionBaseMs: 30_000, deletionPerExecutionMs: 0, ...options });
  }

  call(op: OperationName, input: Record<string, unknown> = {}): Record<string, unknown> {
    return this.service.call(op, input);
  }

  /** Creates things `prefix-1..n` in group `group` (created when missing). */
  fleet(group: string, n: number, prefix = 't'): string[] {
    if (!this.service.state.registry.groups.has(group)) this.call('CreateThingGroup', { thingGroupName: group });
    const names = Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
    for (const thingName of names) {
      this.call('CreateThing', { thingName });
      this.call('AddThingToThingGroup', { thingGroupName: group, thingName });
    }
    return names;
  }

  createJob(jobId: string, targets: string[], extra: Record<string, unknown> = {}): void {
    this.call('CreateJob', { jobId, targets, document: '{"op":"update"}', ...extra });
  }

  job(jobId: string): Record<string, any> {
    return (this.call('DescribeJob', { jobId }) as { job: Record<string, any> }).job;
  }

  counts(jobId: string): Record<string, number> {
    return this.job(jobId).jobProcessDetails as Record<string, number>;
  }

  /** A device starts its next execution; returns it (or undefined). */
  startNext(thingName: string, extra: Record<string, unknown> = {}): Record<string, any> | undefined {
    return (this.call('StartNextPendingJobExecution', { thingName, ...extra }) as { execution?: Record<string, any> }).execution;
  }

  report(thingName: string, jobId: string, status: string, extra: Record<string, unknown> = {}): Record<string, any> {
    return this.call('UpdateJobExecution', { thingName, jobId, status, includeJobExecutionState: true, ...extra });
  }

  /** Starts and finishes the thing's next execution with `status`. */
  finish(thingName: string, status: string): string | undefined {
    const exec = this.startNext(thingName);
    if (!exec) return undefined;
    this.report(thingName, exec.jobId as string, status);
    return exec.jobId as string;
  }

  execution(jobId: string, thingName: string): Record<string, any> {
    return (this.call('DescribeJobExecution', { jobId, thingName }) as { execution: Record<string, any> }).execution;
  }

  advance(ms: number): void {
    this.clock.advance(ms);
    this.service.tick();
  }
}

/** Expects `fn` to throw a ServiceError with this code. */
export function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).name;
  }
  return undefined;
}
