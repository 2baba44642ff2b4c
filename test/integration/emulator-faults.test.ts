/**
 * Fault injection as a client sees it through the real SDK: throttling at a per-operation TPS,
 * 503 and 500 errors, added latency and dropped connections, all changed at runtime.
 */
import { CreateThingCommand, DescribeThingCommand, IoTClient, ServiceUnavailableException, ThrottlingException } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import type { FaultConfig } from '../../emulator/wire/faults.js';

let emu: Emulator;
let iot: IoTClient;
beforeAll(async () => {
  emu = await startEmulator({});
  iot = new IoTClient({ endpoint: emu.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }, maxAttempts: 1 });
  await iot.send(new CreateThingCommand({ thingName: 'probe' }));
});
afterAll(async () => {
  iot.destroy();
  await emu.close();
});
beforeEach(async () => {
  await setFaults({});
});

async function setFaults(f: FaultConfig): Promise<void> {
  const r = await fetch(`${emu.url}/_emulator/faults`, { method: 'PUT', body: JSON.stringify(f) });
  expect(r.status).toBe(200);
}

async function outcomes(n: number): Promise<string[]> {
  const results = await Promise.allSettled(Array.from({ length: n }, () => iot.send(new DescribeThingCommand({ thingName: 'probe' }))));
  return results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as Error).name));
}

describe('fault injection through the SDK', () => {
  it('throttles above the per-operation TPS with ThrottlingException', async () => {
    await setFaults({ throttleTps: 10 });
    const out = await outcomes(25);
    expect(out.filter((o) => o === 'ok').length).toBeGreaterThanOrEqual(10);
    expect(out.filter((o) => o === 'ok').length).toBeLessThan(14);
    expect(out.filter((o) => o === 'ThrottlingException').length).toBeGreaterThan(10);
    const err = await iot.send(new DescribeThingCommand({ thingName: 'probe' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThrottlingException);
  });

  it('the SDK’s own retries ride out throttling at 10 TPS', async () => {
    await setFaults({ throttleTps: 10 });
    const patient = new IoTClient({ endpoint: emu.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }, maxAttempts: 10 });
    const results = await Promise.all(Array.from({ length: 15 }, () => patient.send(new DescribeThingCommand({ thingName: 'probe' }))));
    expect(results.every((r) => r.thingName === 'probe')).toBe(true);
    patient.destroy();
  });

  it('answers ServiceUnavailableException (503) and 500 errors at the configured rates', async () => {
    await setFaults({ unavailableRate: 1 });
    const err = (await iot.send(new DescribeThingCommand({ thingName: 'probe' })).catch((e: unknown) => e)) as ServiceUnavailableException;
    expect(err).toBeInstanceOf(ServiceUnavailableException);
    expect(err.$metadata.httpStatusCode).toBe(503);
    expect(err.$fault).toBe('server');
    await setFaults({ serverErrorRate: 1 });
    const e500 = (await iot.send(new DescribeThingCommand({ thingName: 'probe' })).catch((e: unknown) => e)) as { $metadata: { httpStatusCode: number } };
    expect(e500.$metadata.httpStatusCode).toBe(500);
    await setFaults({ unavailableRate: 0.5, seed: 3 });
    const mixed = await outcomes(200);
    const failed = mixed.filter((o) => o === 'ServiceUnavailableException').length;
    expect(failed).toBeGreaterThan(60);
    expect(failed).toBeLessThan(140);
  });

  it('adds latency, and drops connections without bringing the server down', async () => {
    await setFaults({ latencyMs: 150 });
    const t0 = performance.now();
    await iot.send(new DescribeThingCommand({ thingName: 'probe' }));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
    await setFaults({ dropRate: 1 });
    const dropped = await iot.send(new DescribeThingCommand({ thingName: 'probe' })).catch((e: unknown) => e as Error);
    expect(dropped).toBeInstanceOf(Error);
    expect((dropped as Error & { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBeUndefined();
    await setFaults({});
    expect((await iot.send(new DescribeThingCommand({ thingName: 'probe' }))).thingName).toBe('probe');
    const summary = (await (await fetch(`${emu.url}/_emulator/calls/summary`)).json()) as { summary: Record<string, Record<string, number>> };
    expect(summary.summary.DescribeThing!.dropped).toBeGreaterThanOrEqual(1);
  });

  it('carries out a request and then loses its response, as a network failure after the change would', async () => {
    await setFaults({ lostResponseRate: 1, operations: ['CreateThing'] });
    const lost = await iot.send(new CreateThingCommand({ thingName: 'lost-answer' })).catch((e: unknown) => e as Error);
    expect(lost).toBeInstanceOf(Error);
    await setFaults({});
    // The change was made although the client never heard of it.
    expect((await iot.send(new DescribeThingCommand({ thingName: 'lost-answer' }))).thingName).toBe('lost-answer');
    const summary = (await (await fetch(`${emu.url}/_emulator/calls/summary`)).json()) as { summary: Record<string, Record<string, number>> };
    expect(summary.summary.CreateThing!['lost-response']).toBeGreaterThanOrEqual(1);
  });
});
