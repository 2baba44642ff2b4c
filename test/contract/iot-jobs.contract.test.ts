/**
 * The IoT Jobs contract: every operation the emulator serves, driven with the real
 * @aws-sdk/client-iot and @aws-sdk/client-iot-jobs-data-plane clients over HTTP, asserting the
 * states, counts and error classes of IOT-JOBS-SEMANTICS.md. Runs against our emulator and against
 * ministack; a case that needs an operation ministack lacks, or control of time, runs on the
 * emulator only. Departures are asserted as what ministack really does, and listed at the end.
 */
import {
  AddThingToThingGroupCommand,
  ConflictException,
  CreateJobTemplateCommand,
  DeleteJobTemplateCommand,
  DescribeJobTemplateCommand,
  DescribeManagedJobTemplateCommand,
  ListJobTemplatesCommand,
  ListManagedJobTemplatesCommand,
  AssociateTargetsWithJobCommand,
  CancelJobCommand,
  CancelJobExecutionCommand,
  CreateJobCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DeleteJobCommand,
  DeleteJobExecutionCommand,
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  DescribeThingCommand,
  GetJobDocumentCommand,
  InvalidRequestException,
  InvalidStateTransitionException,
  LimitExceededException,
  ListJobExecutionsForJobCommand,
  ListJobExecutionsForThingCommand,
  ListJobsCommand,
  ListTagsForResourceCommand,
  ListThingsCommand,
  ListThingsInThingGroupCommand,
  RemoveThingFromThingGroupCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateJobCommand,
  type CreateJobCommandInput,
} from '@aws-sdk/client-iot';
import {
  DescribeJobExecutionCommand as DeviceDescribeJobExecutionCommand,
  GetPendingJobExecutionsCommand,
  InvalidRequestException as DeviceInvalidRequestException,
  InvalidStateTransitionException as DeviceInvalidStateTransitionException,
  StartNextPendingJobExecutionCommand,
  TerminalStateException,
  UpdateJobExecutionCommand,
  type JobExecutionStatus,
} from '@aws-sdk/client-iot-jobs-data-plane';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emulatorBackend, groupArn, jobArn, ministackBackend, observedDepartures, recordDeparture, thingArn, DEPARTURES, type Backend } from './backends.js';

const MINUTE = 60_000;
const DOC = JSON.stringify({ operation: 'update', version: '1.2.3' });

/** The error an SDK call rejects with. */
async function failure(p: Promise<unknown>): Promise<Error & { $metadata: { httpStatusCode?: number }; $fault: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { $metadata: { httpStatusCode?: number }; $fault: string };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

const notApplicable: string[] = [];

describe.each(['emulator', 'ministack'] as const)('IoT Jobs contract on %s', (name) => {
  let b: Backend;
  const onEmulator = name === 'emulator';
  /** Registers a case only where it can run: ministack lacks time control and AssociateTargetsWithJob. */
  const emulatorOnly = (title: string, why: string, fn: () => Promise<void>): void => {
    if (onEmulator) it(title, fn);
    else notApplicable.push(`${name}: ${title} (${why})`);
  };

  const emulatorOnlySuite = (title: string, why: string, fn: () => void): void => {
    if (onEmulator) describe(title, fn);
    else notApplicable.push(`${name}: ${title} (${why})`);
  };

  beforeAll(async () => {
    b = onEmulator ? await emulatorBackend() : ministackBackend();
  });
  afterAll(async () => {
    await b.close();
  });
  beforeEach(async () => {
    await b.reset();
  });

  async function fleet(group: string, n: number, prefix = 'dev'): Promise<string[]> {
    await b.iot.send(new CreateThingGroupCommand({ thingGroupName: group }));
    const names = Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
    for (const thingName of names) {
      await b.iot.send(new CreateThingCommand({ thingName }));
      await b.iot.send(new AddThingToThingGroupCommand({ thingGroupName: group, thingName }));
    }
    return names;
  }

  const createJob = (jobId: string, targets: string[], extra: Partial<CreateJobCommandInput> = {}) =>
    b.iot.send(new CreateJobCommand({ jobId, targets, document: DOC, ...extra }));
  const describeJob = async (jobId: string) => (await b.iot.send(new DescribeJobCommand({ jobId }))).job!;
  const startNext = async (thingName: string) => (await b.data.send(new StartNextPendingJobExecutionCommand({ thingName }))).execution;
  const report = (thingName: string, jobId: string, status: JobExecutionStatus, expectedVersion?: number) =>
    b.data.send(new UpdateJobExecutionCommand({ thingName, jobId, status, expectedVersion, includeJobExecutionState: true }));
  async function finish(thingName: string, status: JobExecutionStatus): Promise<void> {
    const exec = await startNext(thingName);
    await report(thingName, exec!.jobId!, status);
  }

  describe('create, read, list', () => {
    it('CreateJob returns the job ARN; DescribeJob shows it IN_PROGRESS with its targets and one QUEUED execution per thing', async () => {
      await fleet('g', 3);
      const out = await createJob('fw-1', [groupArn('g')], { description: 'firmware 1.2.3' });
      expect(out).toMatchObject({ jobArn: jobArn('fw-1'), jobId: 'fw-1' });
      const job = await describeJob('fw-1');
      expect(job).toMatchObject({
        jobId: 'fw-1',
        jobArn: jobArn('fw-1'),
        status: 'IN_PROGRESS',
        targets: [groupArn('g')],
        targetSelection: 'SNAPSHOT',
        description: 'firmware 1.2.3',
      });
      expect(job.jobProcessDetails).toMatchObject({ numberOfQueuedThings: 3, numberOfSucceededThings: 0, numberOfInProgressThings: 0 });
      expect(job.createdAt).toBeInstanceOf(Date);
      expect((await b.iot.send(new GetJobDocumentCommand({ jobId: 'fw-1' }))).document).toBe(DOC);
    });

    it('sends timestamps as epoch seconds with fractions', async () => {
      await fleet('g', 1);
      await createJob('ts', [groupArn('g')]);
      const r = await fetch(`${b.url}/jobs/ts`, {
        headers: { authorization: 'AWS4-HMAC-SHA256 Credential=123456789012/20260601/us-east-1/iot/aws4_request, SignedHeaders=host, Signature=00' },
      });
      const createdAt = ((await r.json()) as { job: { createdAt: number } }).job.createdAt;
      expect(typeof createdAt).toBe('number');
      if (b.departs('whole-second-timestamps') && Number.isInteger(createdAt)) {
        recordDeparture(b, 'whole-second-timestamps');
        return;
      }
      expect(Number.isInteger(createdAt)).toBe(false);
    });

    it('ListJobs filters by status and thingGroupName', async () => {
      await fleet('g', 1);
      await fleet('h', 1, 'other');
      await createJob('a', [groupArn('g')]);
      await createJob('b', [groupArn('h')]);
      await b.iot.send(new CancelJobCommand({ jobId: 'b' }));
      const ids = async (input: Record<string, string>) => ((await b.iot.send(new ListJobsCommand(input))).jobs ?? []).map((j) => j.jobId).sort();
      expect(await ids({})).toEqual(['a', 'b']);
      expect(await ids({ status: 'CANCELED' })).toEqual(['b']);
      const byGroup = await ids({ thingGroupName: 'g' });
      if (b.departs('list-jobs-ignores-thingGroupName') && byGroup.length === 2) {
        recordDeparture(b, 'list-jobs-ignores-thingGroupName');
        return;
      }
      expect(byGroup).toEqual(['a']);
    });

    it('ListJobs pages with maxResults and nextToken', async () => {
      await fleet('g', 1);
      for (let i = 0; i < 5; i++) await createJob(`page-${i}`, [groupArn('g')]);
      const first = await b.iot.send(new ListJobsCommand({ maxResults: 2 }));
      if (b.departs('list-ignores-maxResults') && first.jobs?.length === 5 && !first.nextToken) {
        recordDeparture(b, 'list-ignores-maxResults');
        return;
      }
      const seen = [...first.jobs!];
      let token = first.nextToken;
      let pages = 1;
      while (token) {
        const page = await b.iot.send(new ListJobsCommand({ maxResults: 2, nextToken: token }));
        seen.push(...page.jobs!);
        token = page.nextToken;
        pages++;
      }
      expect(pages).toBe(3);
      expect(seen.map((j) => j.jobId).sort()).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    });

    it('ListJobExecutionsForJob pages and reports executionNumber and retryAttempt', async () => {
      await fleet('g', 5);
      await createJob('j', [groupArn('g')]);
      const first = await b.iot.send(new ListJobExecutionsForJobCommand({ jobId: 'j', maxResults: 3 }));
      expect(first.executionSummaries).toHaveLength(3);
      expect(first.nextToken).toBeTruthy();
      const second = await b.iot.send(new ListJobExecutionsForJobCommand({ jobId: 'j', maxResults: 3, nextToken: first.nextToken }));
      expect(second.executionSummaries).toHaveLength(2);
      expect(second.nextToken).toBeUndefined();
      const all = [...first.executionSummaries!, ...second.executionSummaries!];
      expect(all.map((e) => e.thingArn).sort()).toEqual(['dev-1', 'dev-2', 'dev-3', 'dev-4', 'dev-5'].map(thingArn));
      expect(all[0]!.jobExecutionSummary).toMatchObject({ status: 'QUEUED', executionNumber: 1, retryAttempt: 0 });
    });

    it('ListJobExecutionsForThing lists a thing’s executions across jobs', async () => {
      await fleet('g', 1);
      await createJob('a', [thingArn('dev-1')]);
      await createJob('b', [thingArn('dev-1')]);
      const out = await b.iot.send(new ListJobExecutionsForThingCommand({ thingName: 'dev-1' }));
      expect(out.executionSummaries!.map((e) => e.jobId).sort()).toEqual(['a', 'b']);
    });
  });

  describe('errors carry the modeled class and HTTP status', () => {
    it('a missing job is ResourceNotFoundException (404)', async () => {
      const err = await failure(describeJob('nope'));
      expect(err).toBeInstanceOf(ResourceNotFoundException);
      expect(err.$metadata.httpStatusCode).toBe(404);
      expect(err.$fault).toBe('client');
    });

    it('a duplicate jobId is ResourceAlreadyExistsException (409)', async () => {
      await fleet('g', 1);
      await createJob('dup', [groupArn('g')]);
      const err = await failure(createJob('dup', [groupArn('g')]));
      expect(err).toBeInstanceOf(ResourceAlreadyExistsException);
      expect(err.$metadata.httpStatusCode).toBe(409);
    });

    it('a bad jobId or a non-JSON document is InvalidRequestException (400)', async () => {
      await fleet('g', 1);
      const bad = await failure(createJob('bad:id', [groupArn('g')]));
      expect(bad).toBeInstanceOf(InvalidRequestException);
      expect(bad.$metadata.httpStatusCode).toBe(400);
      expect(await failure(createJob('nojson', [groupArn('g')], { document: 'not json' }))).toBeInstanceOf(InvalidRequestException);
    });

    it('an unknown target thing is ResourceNotFoundException', async () => {
      expect(await failure(createJob('ghost', [thingArn('ghost')]))).toBeInstanceOf(ResourceNotFoundException);
    });
  });

  describe('the device flow on the jobs data plane', () => {
    it('StartNext moves QUEUED to IN_PROGRESS with the document; SUCCEEDED everywhere completes the SNAPSHOT job', async () => {
      await fleet('g', 2);
      await createJob('j', [groupArn('g')]);
      const pending = await b.data.send(new GetPendingJobExecutionsCommand({ thingName: 'dev-1' }));
      expect(pending.queuedJobs!.map((e) => e.jobId)).toEqual(['j']);
      const exec = await startNext('dev-1');
      expect(exec).toMatchObject({ jobId: 'j', thingName: 'dev-1', status: 'IN_PROGRESS', versionNumber: 2, executionNumber: 1, jobDocument: DOC });
      const done = await report('dev-1', 'j', 'SUCCEEDED', 2);
      expect(done.executionState).toMatchObject({ status: 'SUCCEEDED', versionNumber: 3 });
      expect((await describeJob('j')).status).toBe('IN_PROGRESS');
      await finish('dev-2', 'SUCCEEDED');
      const job = await describeJob('j');
      expect(job.status).toBe('COMPLETED');
      expect(job.jobProcessDetails).toMatchObject({ numberOfSucceededThings: 2, numberOfQueuedThings: 0, numberOfInProgressThings: 0 });
    });

    it('a SNAPSHOT job completes whatever the outcomes were', async () => {
      await fleet('g', 2);
      await createJob('j', [groupArn('g')]);
      await finish('dev-1', 'FAILED');
      await finish('dev-2', 'REJECTED');
      const job = await describeJob('j');
      expect(job.status).toBe('COMPLETED');
      expect(job.jobProcessDetails).toMatchObject({ numberOfFailedThings: 1, numberOfRejectedThings: 1 });
    });

    it('a stale expectedVersion is InvalidRequestException; a terminal execution cannot be updated or described', async () => {
      await fleet('g', 1);
      await createJob('j', [groupArn('g')]);
      await startNext('dev-1');
      expect(await failure(report('dev-1', 'j', 'IN_PROGRESS', 1))).toBeInstanceOf(DeviceInvalidRequestException);
      await report('dev-1', 'j', 'SUCCEEDED');
      const update = await failure(report('dev-1', 'j', 'FAILED'));
      expect(update).toBeInstanceOf(DeviceInvalidStateTransitionException);
      expect(update.$metadata.httpStatusCode).toBe(409);
      const describe = await failure(b.data.send(new DeviceDescribeJobExecutionCommand({ thingName: 'dev-1', jobId: 'j' })));
      expect(describe).toBeInstanceOf(TerminalStateException);
      expect(describe.$metadata.httpStatusCode).toBe(410);
    });

    it('DescribeJobExecution $next peeks at the next execution without starting it', async () => {
      await fleet('g', 1);
      await createJob('j', [groupArn('g')]);
      const peek = await b.data.send(new DeviceDescribeJobExecutionCommand({ thingName: 'dev-1', jobId: '$next' }));
      expect(peek.execution).toMatchObject({ jobId: 'j', status: 'QUEUED' });
      expect((await startNext('dev-1'))!.status).toBe('IN_PROGRESS');
    });

    it('the control plane describes an execution with its version and status details', async () => {
      await fleet('g', 1);
      await createJob('j', [groupArn('g')]);
      await b.data.send(new UpdateJobExecutionCommand({ thingName: 'dev-1', jobId: 'j', status: 'IN_PROGRESS', statusDetails: { progress: '40%' } }));
      const out = await b.iot.send(new DescribeJobExecutionCommand({ jobId: 'j', thingName: 'dev-1' }));
      expect(out.execution).toMatchObject({ jobId: 'j', status: 'IN_PROGRESS', thingArn: thingArn('dev-1'), executionNumber: 1, versionNumber: 2 });
      expect(out.execution!.statusDetails?.detailsMap).toEqual({ progress: '40%' });
    });
  });

  describe('cancel', () => {
    it('CancelJob cancels QUEUED executions, leaves IN_PROGRESS ones without force, and records reasonCode and comment', async () => {
      await fleet('g', 2);
      await createJob('j', [groupArn('g')]);
      await startNext('dev-1');
      await b.iot.send(new CancelJobCommand({ jobId: 'j', reasonCode: 'BAD_BUILD', comment: 'rolled back' }));
      const job = await describeJob('j');
      expect(job).toMatchObject({ status: 'CANCELED', reasonCode: 'BAD_BUILD', comment: 'rolled back' });
      expect(job.forceCanceled ?? false).toBe(false);
      const e1 = await b.iot.send(new DescribeJobExecutionCommand({ jobId: 'j', thingName: 'dev-1' }));
      const e2 = await b.iot.send(new DescribeJobExecutionCommand({ jobId: 'j', thingName: 'dev-2' }));
      expect(e1.execution!.status).toBe('IN_PROGRESS');
      expect(e2.execution!.status).toBe('CANCELED');
      expect(await failure(b.iot.send(new CancelJobCommand({ jobId: 'j' })))).toBeInstanceOf(InvalidRequestException);
    });

    it('CancelJob with force cancels IN_PROGRESS executions and sets forceCanceled', async () => {
      await fleet('g', 1);
      await createJob('j', [groupArn('g')]);
      await startNext('dev-1');
      await b.iot.send(new CancelJobCommand({ jobId: 'j', force: true }));
      expect((await describeJob('j')).forceCanceled).toBe(true);
      const e = await b.iot.send(new DescribeJobExecutionCommand({ jobId: 'j', thingName: 'dev-1' }));
      expect(e.execution!.status).toBe('CANCELED');
      if (b.departs('execution-forceCanceled-unset') && e.execution!.forceCanceled === undefined) {
        recordDeparture(b, 'execution-forceCanceled-unset');
        return;
      }
      expect(e.execution!.forceCanceled).toBe(true);
    });

    it('CancelJobExecution: IN_PROGRESS needs force (InvalidStateTransitionException, 409)', async () => {
      await fleet('g', 2);
      await createJob('j', [groupArn('g')]);
      await startNext('dev-1');
      const err = await failure(b.iot.send(new CancelJobExecutionCommand({ jobId: 'j', thingName: 'dev-1' })));
      expect(err).toBeInstanceOf(InvalidStateTransitionException);
      expect(err.$metadata.httpStatusCode).toBe(409);
      await b.iot.send(new CancelJobExecutionCommand({ jobId: 'j', thingName: 'dev-1', force: true }));
      await b.iot.send(new CancelJobExecutionCommand({ jobId: 'j', thingName: 'dev-2' }));
      const statuses = (await b.iot.send(new ListJobExecutionsForJobCommand({ jobId: 'j' }))).executionSummaries!.map((e) => e.jobExecutionSummary!.status);
      expect(statuses).toEqual(['CANCELED', 'CANCELED']);
    });

    it('DeleteJobExecution: IN_PROGRESS needs force; then the execution is gone', async () => {
      await fleet('g', 1);
      await createJob('j', [groupArn('g')]);
      await startNext('dev-1');
      expect(await failure(b.iot.send(new DeleteJobExecutionCommand({ jobId: 'j', thingName: 'dev-1', executionNumber: 1 })))).toBeInstanceOf(
        InvalidStateTransitionException,
      );
      await b.iot.send(new DeleteJobExecutionCommand({ jobId: 'j', thingName: 'dev-1', executionNumber: 1, force: true }));
      expect(await failure(b.iot.send(new DescribeJobExecutionCommand({ jobId: 'j', thingName: 'dev-1' })))).toBeInstanceOf(ResourceNotFoundException);
    });
  });

  describe('delete', () => {
    it('DeleteJob needs force for an IN_PROGRESS job, then the job passes through DELETION_IN_PROGRESS and its id is reused only after', async () => {
      await fleet('g', 1);
      await createJob('j', [groupArn('g')]);
      const err = await failure(b.iot.send(new DeleteJobCommand({ jobId: 'j' })));
      expect(err).toBeInstanceOf(InvalidStateTransitionException);
      expect(err.$metadata.httpStatusCode).toBe(409);
      await b.iot.send(new DeleteJobCommand({ jobId: 'j', force: true }));
      if (b.departs('delete-is-instant')) {
        expect(await failure(describeJob('j'))).toBeInstanceOf(ResourceNotFoundException);
        await createJob('j', [groupArn('g')]);
        recordDeparture(b, 'delete-is-instant');
        return;
      }
      expect((await describeJob('j')).status).toBe('DELETION_IN_PROGRESS');
      expect(await failure(createJob('j', [groupArn('g')]))).toBeInstanceOf(ResourceAlreadyExistsException);
      // The emulator's deletion takes 30 s plus 10 ms per execution.
      b.advance!(30_009);
      expect((await describeJob('j')).status).toBe('DELETION_IN_PROGRESS');
      b.advance!(1);
      expect(await failure(describeJob('j'))).toBeInstanceOf(ResourceNotFoundException);
      await createJob('j', [groupArn('g')]);
      expect((await describeJob('j')).status).toBe('IN_PROGRESS');
    });

    it('an 11th concurrent deletion is LimitExceededException (410)', async () => {
      await fleet('g', 1);
      for (let i = 0; i < 11; i++) await createJob(`d${i}`, [groupArn('g')]);
      for (let i = 0; i < 10; i++) await b.iot.send(new DeleteJobCommand({ jobId: `d${i}`, force: true }));
      if (b.departs('delete-is-instant')) {
        await b.iot.send(new DeleteJobCommand({ jobId: 'd10', force: true }));
        recordDeparture(b, 'delete-is-instant');
        return;
      }
      const err = await failure(b.iot.send(new DeleteJobCommand({ jobId: 'd10', force: true })));
      expect(err).toBeInstanceOf(LimitExceededException);
      expect(err.$metadata.httpStatusCode).toBe(410);
    });
  });

  describe('update and tags', () => {
    it('UpdateJob changes the description and abortConfig', async () => {
      await fleet('g', 1);
      await createJob('j', [groupArn('g')], { description: 'v1' });
      const abortConfig = {
        criteriaList: [{ failureType: 'FAILED' as const, action: 'CANCEL' as const, thresholdPercentage: 25, minNumberOfExecutedThings: 10 }],
      };
      await b.iot.send(new UpdateJobCommand({ jobId: 'j', description: 'v2', abortConfig }));
      const job = await describeJob('j');
      expect(job.description).toBe('v2');
      expect(job.abortConfig).toEqual(abortConfig);
      expect(job.targets).toEqual([groupArn('g')]);
    });

    it('tags set at creation are listed, and TagResource / UntagResource change them', async () => {
      await fleet('g', 1);
      await createJob('j', [groupArn('g')], { tags: [{ Key: 'managed-by', Value: 'ctl' }] });
      await b.iot.send(new TagResourceCommand({ resourceArn: jobArn('j'), tags: [{ Key: 'team', Value: 'ota' }] }));
      await b.iot.send(new UntagResourceCommand({ resourceArn: jobArn('j'), tagKeys: ['managed-by'] }));
      const out = await b.iot.send(new ListTagsForResourceCommand({ resourceArn: jobArn('j') }));
      expect(out.tags).toEqual([{ Key: 'team', Value: 'ota' }]);
    });
  });

  describe('registry', () => {
    it('creates, describes and lists things and group members', async () => {
      await fleet('g', 3);
      expect(await b.iot.send(new DescribeThingCommand({ thingName: 'dev-2' }))).toMatchObject({ thingName: 'dev-2', thingArn: thingArn('dev-2') });
      const things = (await b.iot.send(new ListThingsCommand({}))).things!.map((t) => t.thingName).sort();
      expect(things).toEqual(['dev-1', 'dev-2', 'dev-3']);
      await b.iot.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 'g', thingName: 'dev-2' }));
      const members = (await b.iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'g' }))).things!.sort();
      expect(members).toEqual(['dev-1', 'dev-3']);
    });
  });

  describe('CONTINUOUS jobs', () => {
    it('pick up a thing added to the target group later', async () => {
      await fleet('g', 1);
      await createJob('c', [groupArn('g')], { targetSelection: 'CONTINUOUS' });
      await finish('dev-1', 'SUCCEEDED');
      await b.iot.send(new CreateThingCommand({ thingName: 'late' }));
      await b.iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'g', thingName: 'late' }));
      expect((await startNext('late'))?.jobId).toBe('c');
      expect((await describeJob('c')).status).toBe('IN_PROGRESS');
    });

    emulatorOnly('AssociateTargetsWithJob adds targets to an IN_PROGRESS CONTINUOUS job', 'ministack does not implement AssociateTargetsWithJob', async () => {
      await fleet('g', 1);
      await fleet('h', 1, 'more');
      await createJob('c', [groupArn('g')], { targetSelection: 'CONTINUOUS' });
      const out = await b.iot.send(new AssociateTargetsWithJobCommand({ jobId: 'c', targets: [groupArn('h')], comment: 'add ring 2' }));
      expect(out).toMatchObject({ jobId: 'c', jobArn: jobArn('c') });
      expect((await describeJob('c')).targets).toEqual([groupArn('g'), groupArn('h')]);
      expect((await startNext('more-1'))?.jobId).toBe('c');
    });
  });

  emulatorOnlySuite('time: rollout, timeouts, abort and retry', 'needs control of the clock', () => {
    it('the rollout queues at most maximumPerMinute executions a minute', async () => {
      await fleet('g', 5);
      await createJob('r', [groupArn('g')], { jobExecutionsRolloutConfig: { maximumPerMinute: 2 } });
      expect((await describeJob('r')).jobProcessDetails!.numberOfQueuedThings).toBe(2);
      b.advance!(MINUTE);
      expect((await describeJob('r')).jobProcessDetails!.numberOfQueuedThings).toBe(4);
      b.advance!(MINUTE);
      expect((await describeJob('r')).jobProcessDetails!.numberOfQueuedThings).toBe(5);
    });

    it('timeoutConfig moves a silent IN_PROGRESS execution to TIMED_OUT, and the retry config re-queues it', async () => {
      await fleet('g', 1);
      await createJob('t', [groupArn('g')], {
        timeoutConfig: { inProgressTimeoutInMinutes: 5 },
        jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'TIMED_OUT', numberOfRetries: 1 }] },
      });
      await startNext('dev-1');
      b.advance!(5 * MINUTE);
      const retried = await b.iot.send(new ListJobExecutionsForJobCommand({ jobId: 't' }));
      expect(retried.executionSummaries![0]!.jobExecutionSummary).toMatchObject({ status: 'QUEUED', retryAttempt: 1 });
      await startNext('dev-1');
      b.advance!(5 * MINUTE);
      const job = await describeJob('t');
      expect(job.status).toBe('COMPLETED');
      expect(job.jobProcessDetails!.numberOfTimedOutThings).toBe(1);
    });

    it('abort criteria cancel the job with a service-set reasonCode, leaving IN_PROGRESS executions running', async () => {
      await fleet('g', 4);
      await createJob('a', [groupArn('g')], {
        abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 50, minNumberOfExecutedThings: 2 }] },
      });
      await startNext('dev-3');
      await finish('dev-1', 'FAILED');
      await finish('dev-2', 'SUCCEEDED');
      const job = await describeJob('a');
      expect(job.status).toBe('CANCELED');
      expect(job.reasonCode).toBe('ABORT_CRITERIA_MET');
      expect(job.comment).toBeTruthy();
      const statuses = Object.fromEntries(
        (await b.iot.send(new ListJobExecutionsForJobCommand({ jobId: 'a' }))).executionSummaries!.map((e) => [e.thingArn, e.jobExecutionSummary!.status]),
      );
      expect(statuses).toEqual({
        [thingArn('dev-1')]: 'FAILED',
        [thingArn('dev-2')]: 'SUCCEEDED',
        [thingArn('dev-3')]: 'IN_PROGRESS',
        [thingArn('dev-4')]: 'CANCELED',
      });
    });
  });

  describe('job templates', () => {
    const TEMPLATE_DOC = JSON.stringify({ operation: 'from-template' });
    const templateArn = (id: string): string => `arn:aws:iot:us-east-1:123456789012:jobtemplate/${id}`;
    const createTemplate = (jobTemplateId: string) =>
      b.iot.send(
        new CreateJobTemplateCommand({
          jobTemplateId,
          description: 'base',
          document: TEMPLATE_DOC,
          timeoutConfig: { inProgressTimeoutInMinutes: 30 },
          tags: [{ Key: 'team', Value: 'ota' }],
        }),
      );

    it('CreateJobTemplate, DescribeJobTemplate, ListJobTemplates and DeleteJobTemplate; an id in use is ConflictException (409)', async () => {
      expect(await createTemplate('base')).toMatchObject({ jobTemplateArn: templateArn('base'), jobTemplateId: 'base' });
      const t = await b.iot.send(new DescribeJobTemplateCommand({ jobTemplateId: 'base' }));
      expect(t).toMatchObject({
        jobTemplateArn: templateArn('base'),
        description: 'base',
        document: TEMPLATE_DOC,
        timeoutConfig: { inProgressTimeoutInMinutes: 30 },
      });
      expect(t.createdAt).toBeInstanceOf(Date);
      expect((await b.iot.send(new ListJobTemplatesCommand({}))).jobTemplates!.map((x) => x.jobTemplateId)).toEqual(['base']);
      const again = await failure(createTemplate('base'));
      expect(again).toBeInstanceOf(ConflictException);
      expect(again.$metadata.httpStatusCode).toBe(409);
      await b.iot.send(new DeleteJobTemplateCommand({ jobTemplateId: 'base' }));
      expect(await failure(b.iot.send(new DescribeJobTemplateCommand({ jobTemplateId: 'base' })))).toBeInstanceOf(ResourceNotFoundException);
    });

    it("CreateJob from a template takes its document and configuration; the request's own configuration wins", async () => {
      await fleet('g', 1);
      await createTemplate('base');
      await createJob('from-t', [groupArn('g')], { document: undefined, jobTemplateArn: templateArn('base'), description: 'own description' });
      const job = await describeJob('from-t');
      expect(job).toMatchObject({ jobTemplateArn: templateArn('base'), timeoutConfig: { inProgressTimeoutInMinutes: 30 }, description: 'own description' });
      expect((await b.iot.send(new GetJobDocumentCommand({ jobId: 'from-t' }))).document).toBe(TEMPLATE_DOC);
      expect((await startNext('dev-1'))?.jobDocument).toBe(TEMPLATE_DOC);
    });

    it('CreateJob with a template that does not exist is ResourceNotFoundException', async () => {
      await fleet('g', 1);
      const err = await failure(createJob('nope', [groupArn('g')], { document: undefined, jobTemplateArn: templateArn('missing') }));
      expect(err).toBeInstanceOf(ResourceNotFoundException);
    });

    emulatorOnly(
      'AWS managed templates are listed and described, and a job from one gets its parameters filled in',
      'ministack has no managed templates',
      async () => {
        const list = await b.iot.send(new ListManagedJobTemplatesCommand({ templateName: 'AWS-Download-File' }));
        const arn = list.managedJobTemplates![0]!.templateArn!;
        expect(arn).toBe('arn:aws:iot:us-east-1::jobtemplate/AWS-Download-File:1.0');
        const described = await b.iot.send(new DescribeManagedJobTemplateCommand({ templateName: 'AWS-Download-File', templateVersion: '1.0' }));
        expect(described.documentParameters!.filter((p) => !p.optional).map((p) => p.key)).toEqual(['downloadUrl', 'filePath']);
        await fleet('g', 1);
        await createJob('dl', [groupArn('g')], {
          document: undefined,
          jobTemplateArn: arn,
          documentParameters: { downloadUrl: 'https://example.com/a.bin', filePath: '/tmp/a.bin' },
        });
        expect((await startNext('dev-1'))?.jobDocument).toContain('https://example.com/a.bin');
        const own = await failure(createJob('dl2', [groupArn('g')], { documentParameters: { downloadUrl: 'https://x' } }));
        expect(own).toBeInstanceOf(InvalidRequestException);
      },
    );

    emulatorOnly('a maintenance window pauses the rollout outside it: SCHEDULED, then IN_PROGRESS, then SCHEDULED again', 'needs control of time', async () => {
      await fleet('g', 3);
      // The suite's clock has moved on; read it from a job, then start at the first half past the hour 31 minutes on.
      await createJob('clock', [groupArn('g')]);
      const now = (await describeJob('clock')).createdAt!.getTime();
      const hour = 60 * MINUTE;
      const start = Math.ceil((now + 31 * MINUTE - 30 * MINUTE) / hour) * hour + 30 * MINUTE;
      const hhmm = (ms: number): string => new Date(ms).toISOString().slice(0, 16);
      // A window at the top of every hour, for 10 minutes.
      await createJob('mw', [groupArn('g')], {
        targetSelection: 'CONTINUOUS',
        schedulingConfig: { startTime: hhmm(start), maintenanceWindows: [{ startTime: 'cron(0 * * * ? *)', durationInMinutes: 10 }] },
      });
      expect((await describeJob('mw')).scheduledJobRollouts![0]).toEqual({ startTime: hhmm(Math.ceil(now / hour) * hour) });
      b.advance!(start - now + 1000);
      expect((await describeJob('mw')).status).toBe('SCHEDULED');
      b.advance!(30 * MINUTE);
      const open = await describeJob('mw');
      expect(open.status).toBe('IN_PROGRESS');
      expect(open.jobProcessDetails!.numberOfQueuedThings).toBe(3);
      b.advance!(10 * MINUTE);
      expect((await describeJob('mw')).status).toBe('SCHEDULED');
    });
  });
});

afterAll(() => {
  const lines = ['', 'IoT Jobs contract: recorded departures from AWS semantics'];
  for (const [backend, ids] of observedDepartures) for (const id of ids) lines.push(`  ${backend}: ${id}: ${DEPARTURES[id]}`);
  lines.push('Cases that run on the emulator only:', ...notApplicable.map((n) => `  ${n}`));
  console.log(lines.join('\n'));
});
