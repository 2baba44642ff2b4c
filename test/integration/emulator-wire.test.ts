/**
 * The emulator's HTTP surface as raw HTTP sees it: error encoding, malformed and oversized
 * bodies, plane routing by SigV4 signing service, and the admin endpoints.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../emulator/core/clock.js';
import { startEmulator, type Emulator } from '../../emulator/index.js';

const sig = (service: string): string =>
  `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260601/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000`;

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ clock: new FakeClock() });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  await fetch(`${emu.url}/_emulator/reset`, { method: 'POST' });
});

async function call(
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string | null; json: any }> {
  const r = await fetch(`${emu.url}${path}`, { method, body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: r.status, type: r.headers.get('x-amzn-errortype'), json: await r.json() };
}

describe('error encoding', () => {
  it('answers a malformed JSON body with InvalidRequestException, not a crash', async () => {
    const r = await call('PUT', '/jobs/j1', '{"targets": [', { authorization: sig('iot') });
    expect(r).toMatchObject({ status: 400, type: 'InvalidRequestException' });
    expect(r.json.message).toMatch(/not valid JSON/);
    expect((await call('GET', '/_emulator/health')).status).toBe(200);
  });

  it('answers a body that is not an object, and a body over 1 MiB, with InvalidRequestException', async () => {
    expect(await call('PUT', '/jobs/j1', '[1,2]')).toMatchObject({ status: 400, type: 'InvalidRequestException' });
    const big = JSON.stringify({ document: 'x'.repeat(1024 * 1024 + 10), targets: [] });
    expect(await call('PUT', '/jobs/j1', big)).toMatchObject({ status: 400, type: 'InvalidRequestException' });
  });

  it('answers a wrong-typed field and a non-boolean query flag with InvalidRequestException', async () => {
    expect(await call('PUT', '/jobs/j1', JSON.stringify({ targets: 'not-a-list', document: '{}' }))).toMatchObject({
      status: 400,
      type: 'InvalidRequestException',
    });
    expect(await call('DELETE', '/jobs/j1?force=yes')).toMatchObject({ status: 400, type: 'InvalidRequestException' });
  });

  it('carries resourceId and resourceArn on ResourceAlreadyExistsException', async () => {
    await call('POST', '/things/t1', '{}');
    const body = JSON.stringify({ targets: ['arn:aws:iot:us-east-1:123456789012:thing/t1'], document: '{}' });
    await call('PUT', '/jobs/j1', body);
    const r = await call('PUT', '/jobs/j1', body);
    expect(r).toMatchObject({ status: 409, type: 'ResourceAlreadyExistsException' });
    expect(r.json).toMatchObject({ resourceId: 'j1', resourceArn: 'arn:aws:iot:us-east-1:123456789012:job/j1' });
  });

  it('answers an unknown route with 404 UnknownOperationException', async () => {
    expect(await call('GET', '/no/such/thing')).toMatchObject({ status: 404, type: 'UnknownOperationException' });
  });
});

describe('plane routing', () => {
  beforeEach(async () => {
    await call('POST', '/things/t1', '{}');
    await call('PUT', '/jobs/j1', JSON.stringify({ targets: ['arn:aws:iot:us-east-1:123456789012:thing/t1'], document: '{}' }));
  });

  it('routes GET /things/{thing}/jobs by the signing service: iot-jobs-data to the data plane', async () => {
    const data = await call('GET', '/things/t1/jobs', undefined, { authorization: sig('iot-jobs-data') });
    expect(Object.keys(data.json).sort()).toEqual(['inProgressJobs', 'queuedJobs']);
    const control = await call('GET', '/things/t1/jobs', undefined, { authorization: sig('iot') });
    expect(Object.keys(control.json)).toEqual(['executionSummaries']);
  });

  it('sends an unsigned request to the control plane', async () => {
    const r = await call('GET', '/things/t1/jobs');
    expect(r.json.executionSummaries[0].jobId).toBe('j1');
  });

  it('throttles the data plane with 429 and the control plane with 400', async () => {
    await call('PUT', '/_emulator/faults', JSON.stringify({ throttleTps: 1 }));
    await call('GET', '/things/t1/jobs', undefined, { authorization: sig('iot-jobs-data') });
    expect(await call('GET', '/things/t1/jobs', undefined, { authorization: sig('iot-jobs-data') })).toMatchObject({
      status: 429,
      type: 'ThrottlingException',
    });
    await call('GET', '/jobs/j1');
    expect(await call('GET', '/jobs/j1')).toMatchObject({ status: 400, type: 'ThrottlingException' });
    await call('PUT', '/_emulator/faults', '{}');
  });
});

describe('admin endpoints', () => {
  it('report health, count calls by operation and outcome, and reset', async () => {
    expect((await call('GET', '/_emulator/health')).json).toEqual({ status: 'ok', account: '123456789012', region: 'us-east-1', timeScale: 1 });
    await call('GET', '/jobs/missing');
    await call('POST', '/things/t1', '{}');
    const summary = (await call('GET', '/_emulator/calls/summary')).json.summary;
    expect(summary).toMatchObject({ DescribeJob: { ResourceNotFoundException: 1 }, CreateThing: { ok: 1 } });
    const calls = (await call('GET', '/_emulator/calls')).json.calls as { operation: string; latencyMs: number }[];
    expect(calls.map((c) => c.operation)).toEqual(['DescribeJob', 'CreateThing']);
    expect(calls.every((c) => c.latencyMs >= 0)).toBe(true);
    await call('POST', '/_emulator/reset');
    expect((await call('GET', '/_emulator/state')).json.things).toEqual([]);
  });

  it('read, replace and merge the fault settings, refusing invalid ones', async () => {
    expect((await call('PUT', '/_emulator/faults', JSON.stringify({ latencyMs: 5 }))).json).toEqual({ latencyMs: 5 });
    expect((await call('PATCH', '/_emulator/faults', JSON.stringify({ dropRate: 0 }))).json).toEqual({ latencyMs: 5, dropRate: 0 });
    expect(await call('PATCH', '/_emulator/faults', JSON.stringify({ dropRate: 7 }))).toMatchObject({ status: 400 });
    expect(await call('PUT', '/_emulator/faults', 'not json')).toMatchObject({ status: 400, type: 'InvalidRequestException' });
    expect((await call('GET', '/_emulator/faults')).json).toEqual({ latencyMs: 5, dropRate: 0 });
    await call('PUT', '/_emulator/faults', '{}');
  });

  it('store S3 objects that a documentSource can name', async () => {
    const url = 'https://s3.us-east-1.amazonaws.com/fw/job.json';
    await call('PUT', '/_emulator/s3-objects', JSON.stringify({ url, body: '{"op":"ota"}' }));
    await call('POST', '/things/t1', '{}');
    await call('PUT', '/jobs/src', JSON.stringify({ targets: ['arn:aws:iot:us-east-1:123456789012:thing/t1'], documentSource: url }));
    expect((await call('GET', '/jobs/src/job-document')).json).toEqual({ document: '{"op":"ota"}' });
    expect((await call('GET', '/jobs/src')).json.documentSource).toBe(url);
  });
});
