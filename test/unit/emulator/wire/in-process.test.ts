/**
 * The in-process request handler (emulator/wire/in-process.ts): the real AWS SDK clients of both
 * planes, with no socket, get the same answers, errors and paging as over HTTP.
 */
import { CreateJobCommand, DescribeJobCommand, IoTClient, ListJobsCommand, ResourceNotFoundException } from '@aws-sdk/client-iot';
import { IoTJobsDataPlaneClient, StartNextPendingJobExecutionCommand } from '@aws-sdk/client-iot-jobs-data-plane';
import { describe, expect, it } from 'vitest';
import { IotJobsService } from '../../../../emulator/core/service.js';
import { inProcessHandler } from '../../../../emulator/wire/in-process.js';

const CONFIG = { region: 'us-east-1', endpoint: 'http://in-process.invalid', credentials: { accessKeyId: 'AKID', secretAccessKey: 'x' } };

function clients(service: IotJobsService, calls: string[] = []) {
  const requestHandler = inProcessHandler(service, (op) => calls.push(op));
  return { iot: new IoTClient({ ...CONFIG, requestHandler, maxAttempts: 1 }), data: new IoTJobsDataPlaneClient({ ...CONFIG, requestHandler, maxAttempts: 1 }) };
}

describe('the in-process SDK handler', () => {
  it('answers control-plane calls with their outputs, and names each operation', async () => {
    const service = new IotJobsService();
    service.call('CreateThing', { thingName: 't1' });
    const calls: string[] = [];
    const { iot } = clients(service, calls);
    const thing = 'arn:aws:iot:us-east-1:123456789012:thing/t1';
    await iot.send(new CreateJobCommand({ jobId: 'j1', targets: [thing], document: '{"op":"ota"}', tags: [{ Key: 'team', Value: 'a' }] }));
    const { job } = await iot.send(new DescribeJobCommand({ jobId: 'j1' }));
    expect(job).toMatchObject({ jobId: 'j1', status: 'IN_PROGRESS', targets: [thing], jobProcessDetails: { numberOfQueuedThings: 1 } });
    expect(job?.createdAt).toBeInstanceOf(Date);
    expect(calls).toEqual(['CreateJob', 'DescribeJob']);
  });

  it("turns the service's errors into the SDK's exceptions", async () => {
    const { iot } = clients(new IotJobsService());
    const err = await iot.send(new DescribeJobCommand({ jobId: 'missing' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect((err as Error).message).toBe('Job missing does not exist');
  });

  it('reads query parameters (paging of ListJobs)', async () => {
    const service = new IotJobsService();
    service.call('CreateThing', { thingName: 't1' });
    for (const id of ['a', 'b', 'c']) service.call('CreateJob', { jobId: id, targets: ['arn:aws:iot:us-east-1:123456789012:thing/t1'], document: '{}' });
    const { iot } = clients(service);
    const first = await iot.send(new ListJobsCommand({ maxResults: 2 }));
    const second = await iot.send(new ListJobsCommand({ maxResults: 2, nextToken: first.nextToken }));
    expect([...first.jobs!, ...second.jobs!].map((j) => j.jobId).sort()).toEqual(['a', 'b', 'c']);
    expect(first.jobs).toHaveLength(2);
    expect(second.nextToken).toBeUndefined();
  });

  it('routes the data plane by its signing service', async () => {
    const service = new IotJobsService();
    service.call('CreateThing', { thingName: 't1' });
    service.call('CreateJob', { jobId: 'j1', targets: ['arn:aws:iot:us-east-1:123456789012:thing/t1'], document: '{"op":"ota"}' });
    const { data } = clients(service);
    const { execution } = await data.send(new StartNextPendingJobExecutionCommand({ thingName: 't1' }));
    expect(execution).toMatchObject({ jobId: 'j1', thingName: 't1', status: 'IN_PROGRESS', jobDocument: '{"op":"ota"}' });
  });
});
