/**
 * A fleet made of thing groups, over HTTP with the real @aws-sdk/client-iot client: a canary of 10
 * devices that fail half the time inside a fleet of 30 that never fail, and a lab group of devices
 * that stay silent or offline. A job for the canary reaches the canary only; a device in canary and
 * fleet executes once per job; outcomes are the ones the seed predicts; a silent device's execution
 * stays QUEUED until the job is canceled. Then the same model through `iot-jobs-emulator --fleet-model`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelJobCommand,
  CreateJobCommand,
  DescribeJobCommand,
  IoTClient,
  ListJobExecutionsForJobCommand,
  ListThingsInThingGroupCommand,
} from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type FleetModel } from '../../emulator/index.js';
import { outcomeOf } from '../../emulator/fleet/device.js';
import { built, startEmulatorCli, startProgram, waitFor } from '../helpers/processes.js';

const MODEL: FleetModel = {
  seed: 3,
  defaults: { rejectRate: 0, workSeconds: { min: 3, max: 9 } },
  groups: [
    { name: 'canary', size: 10, failureRate: 0.5 },
    { name: 'fleet', size: 30, includes: ['canary'], failureRate: 0 },
    { name: 'lab', size: 8, failureRate: 0, silentRate: 0.25, onlineShare: 0.75 },
  ],
};

const arn = (group: string): string => `arn:aws:iot:us-east-1:123456789012:thinggroup/${group}`;
const client = (url: string): IoTClient =>
  new IoTClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' } });

/** Each thing's execution of a job: its status and execution number. */
async function executions(iot: IoTClient, jobId: string): Promise<Map<string, { status: string; executionNumber: number }>> {
  const r = await iot.send(new ListJobExecutionsForJobCommand({ jobId, maxResults: 250 }));
  return new Map(
    r.executionSummaries!.map((e) => [
      e.thingArn!.split('/')[1]!,
      { status: e.jobExecutionSummary!.status!, executionNumber: e.jobExecutionSummary!.executionNumber! },
    ]),
  );
}

/** Creates a job and waits until every execution of the answering devices is final; returns the executions. */
async function runJob(
  iot: IoTClient,
  jobId: string,
  targets: string[],
  settled = (n: Map<string, { status: string }>) => n.size > 0,
): Promise<ReturnType<typeof executions>> {
  await iot.send(new CreateJobCommand({ jobId, targets, document: '{"op":"ota"}' }));
  return waitFor(`job ${jobId} to settle`, async () => {
    const execs = await executions(iot, jobId);
    return settled(execs) ? execs : undefined;
  });
}

const finalOnly = (execs: Map<string, { status: string }>): boolean =>
  execs.size > 0 && [...execs.values()].every((e) => !['QUEUED', 'IN_PROGRESS'].includes(e.status));

describe('a fleet from a model, over HTTP', () => {
  let emu: Emulator;
  let iot: IoTClient;
  beforeAll(async () => {
    emu = await startEmulator({ timeScale: 600, fleet: { model: MODEL, pollIntervalMs: 200 } });
    iot = client(emu.url);
  });
  afterAll(async () => {
    iot?.destroy();
    await emu?.close();
  });

  it('creates each group with its members: the canary inside the fleet', async () => {
    const members = async (g: string): Promise<string[]> =>
      (await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: g, maxResults: 250 }))).things!.sort();
    const canary = await members('canary');
    const fleet = await members('fleet');
    expect(canary).toEqual(Array.from({ length: 10 }, (_, i) => `canary-${String(i + 1).padStart(4, '0')}`));
    expect(fleet).toHaveLength(30);
    expect(fleet.filter((t) => t.startsWith('canary-'))).toEqual(canary);
    expect(await members('lab')).toHaveLength(8);
    expect(emu.fleet!.devicesIn('fleet')).toHaveLength(30);
  });

  it('a job for the canary reaches the canary only, and its devices fail as the seed says, about half', async () => {
    const execs = await runJob(iot, 'canary-job', [arn('canary')], finalOnly);
    expect([...execs.keys()].sort()).toEqual(emu.fleet!.devicesIn('canary').map((d) => d.thingName));
    const b = { seed: 3, failureRate: 0.5, rejectRate: 0 };
    for (const [thing, e] of execs) expect(e.status).toBe(outcomeOf(b, thing, { jobId: 'canary-job', executionNumber: e.executionNumber, versionNumber: 2 }));
    const failed = [...execs.values()].filter((e) => e.status === 'FAILED').length;
    expect(failed).toBeGreaterThanOrEqual(2);
    expect(failed).toBeLessThanOrEqual(8);
    expect(emu.fleet!.totals('canary')).toEqual({ SUCCEEDED: 10 - failed, FAILED: failed, REJECTED: 0, abandoned: 0 });
    // The first job of this emulator: the fleet's totals are the canary's.
    expect(emu.fleet!.totals('fleet')).toEqual(emu.fleet!.totals('canary'));
    await waitFor('the canary job to complete', async () =>
      (await iot.send(new DescribeJobCommand({ jobId: 'canary-job' }))).job!.status === 'COMPLETED' ? true : undefined,
    );
  });

  it('a job for canary and fleet runs once on each of the 30 devices: the canary fails, the rest of the fleet succeeds', async () => {
    const before = new Map(emu.fleet!.devicesIn('fleet').map((d) => [d.thingName, d.finished.SUCCEEDED + d.finished.FAILED + d.finished.REJECTED]));
    const execs = await runJob(iot, 'fleet-job', [arn('canary'), arn('fleet')], finalOnly);
    expect(execs.size).toBe(30);
    for (const d of emu.fleet!.devicesIn('fleet')) expect(d.finished.SUCCEEDED + d.finished.FAILED + d.finished.REJECTED - before.get(d.thingName)!).toBe(1);
    const byGroup = (prefix: string): string[] => [...execs].filter(([t]) => t.startsWith(prefix)).map(([, e]) => e.status);
    expect(byGroup('fleet-')).toEqual(Array(20).fill('SUCCEEDED'));
    expect(byGroup('canary-').filter((s) => s === 'FAILED').length).toBeGreaterThan(0);
    expect(byGroup('canary-').every((s) => s === 'FAILED' || s === 'SUCCEEDED')).toBe(true);
  });

  it('a silent or offline device never starts its execution: it stays QUEUED until the job is canceled', async () => {
    const lab = emu.fleet!.devicesIn('lab');
    const quiet = lab.filter((d) => d.presence !== 'answering').map((d) => d.thingName);
    expect(quiet.length).toBeGreaterThan(0);
    expect(quiet.length).toBeLessThan(8);
    const answered = (execs: Map<string, { status: string }>): boolean =>
      execs.size === 8 && [...execs].every(([t, e]) => quiet.includes(t) || e.status === 'SUCCEEDED');
    await runJob(iot, 'lab-job', [arn('lab')], answered);
    await new Promise((r) => setTimeout(r, 500));
    const later = await executions(iot, 'lab-job');
    expect(
      [...later]
        .filter(([, e]) => e.status === 'QUEUED')
        .map(([t]) => t)
        .sort(),
    ).toEqual(quiet.sort());
    expect((await iot.send(new DescribeJobCommand({ jobId: 'lab-job' }))).job!.status).toBe('IN_PROGRESS');
    await iot.send(new CancelJobCommand({ jobId: 'lab-job' }));
    const canceled = await waitFor('the queued executions to be canceled', async () => {
      const execs = await executions(iot, 'lab-job');
      return quiet.every((t) => execs.get(t)!.status === 'CANCELED') ? execs : undefined;
    });
    expect([...canceled.values()].filter((e) => e.status === 'SUCCEEDED')).toHaveLength(8 - quiet.length);
  });
});

describe('iot-jobs-emulator --fleet-model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-model-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds the groups of a YAML model and says so on stderr', async () => {
    const file = join(dir, 'fleet.yaml');
    writeFileSync(
      file,
      'groups:\n  - name: canary\n    size: 2\n    failureRate: 0\n    rejectRate: 0\n  - name: fleet\n    size: 5\n    includes: [canary]\n',
    );
    const { program, url } = await startEmulatorCli(['--port', '0', '--time-scale', '600', '--fleet-model', file, '--fleet-poll-seconds', '0.2']);
    const iot = client(url);
    try {
      await waitFor('the fleet line on stderr', () => program.stderr().includes('fleet of 5 things in groups canary (2), fleet (5)') || undefined);
      const execs = await runJob(iot, 'cli-job', [arn('canary')], finalOnly);
      expect([...execs.values()].map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    } finally {
      iot.destroy();
      program.child.kill('SIGTERM');
      await program.exited;
    }
  });

  it('refuses a model that does not hold, naming the file and the field, with exit code 2', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'fleet', size: 5, includes: ['canary'] }] }));
    const p = startProgram(built('emulator/cli.js'), ['--port', '0', '--fleet-model', file]);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toContain(`${file}: groups[0].includes[0]: no group is named "canary"`);
  });
});
