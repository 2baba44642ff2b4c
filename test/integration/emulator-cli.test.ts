/**
 * The iot-jobs-emulator command as a user runs it: flags, the first stdout line, a simulated fleet
 * rolling a job out through the real SDK clients, --state-file across a restart, shutdown on
 * SIGTERM, and the AWS CLI pointed at it with --endpoint-url.
 */
import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateJobCommand, DescribeJobCommand, DescribeJobExecutionCommand, IoTClient, ListJobExecutionsForJobCommand } from '@aws-sdk/client-iot';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { built, startEmulatorCli, startProgram, waitFor, type Program } from '../helpers/processes.js';
import { installAwsCli } from '../helpers/python-tools.js';

const running: Program[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) {
    if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await p.exited;
  }
});

const client = (url: string): IoTClient =>
  new IoTClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' } });
const FLEET = 'arn:aws:iot:us-east-1:123456789012:thinggroup/fleet';

describe('iot-jobs-emulator flags', () => {
  it('--help lists every flag and exits 0', async () => {
    const p = startProgram(built('emulator/cli.js'), ['--help']);
    expect(await p.exited).toBe(0);
    for (const flag of ['--host', '--port', '--account', '--region', '--fleet', '--time-scale', '--throttle-tps', '--state-file'])
      expect(p.stdout()).toContain(flag);
  });

  it.each([
    [['--fleet', '3'], /--port is required/],
    [['--port', '0', '--fleet', 'many'], /--fleet must be a number/],
    [['--port', '0', '--drop-rate', '2'], /--drop-rate must be a number from 0 to 1/],
    [['--port', '0', '--no-such-flag'], /Unknown option '--no-such-flag'/],
  ])('refuses %j with exit code 2 and a message naming the flag', async (args, message) => {
    const p = startProgram(built('emulator/cli.js'), args);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toMatch(message);
  });
});

describe('iot-jobs-emulator with a fleet', () => {
  it('prints its address first, rolls a job out to the fleet with progress in statusDetails, and stops on SIGTERM', async () => {
    const { program, url } = await startEmulatorCli([
      '--port',
      '0',
      '--fleet',
      '4',
      '--time-scale',
      '200',
      '--fleet-work-seconds',
      '30',
      '--fleet-failure-rate',
      '0',
      '--fleet-reject-rate',
      '0',
      '--account',
      '123456789012',
    ]);
    running.push(program);
    expect(program.stdout()).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+\n/);
    const iot = client(url);
    await iot.send(new CreateJobCommand({ jobId: 'rollout', targets: [FLEET], document: '{"op":"ota"}' }));
    const inProgress = await waitFor('a device to report progress', async () => {
      const e = (await iot.send(new DescribeJobExecutionCommand({ jobId: 'rollout', thingName: 'device-0001' }))).execution;
      return e?.status === 'IN_PROGRESS' && e.statusDetails?.detailsMap?.progress !== '0%' ? e : undefined;
    });
    expect(inProgress.statusDetails!.detailsMap!.progress).toMatch(/^\d+%$/);
    const job = await waitFor('the job to complete', async () => {
      const j = (await iot.send(new DescribeJobCommand({ jobId: 'rollout' }))).job;
      return j?.status === 'COMPLETED' ? j : undefined;
    });
    expect(job.jobProcessDetails).toMatchObject({ numberOfSucceededThings: 4, numberOfFailedThings: 0 });
    const execs = await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'rollout' }));
    expect(execs.executionSummaries!.every((e) => e.jobExecutionSummary!.status === 'SUCCEEDED')).toBe(true);
    iot.destroy();
    program.child.kill('SIGTERM');
    expect(await program.exited).toBe(0);
  });
});

describe('iot-jobs-emulator --state-file', () => {
  it('keeps jobs and their state across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-state-'));
    const file = join(dir, 'state.json');
    try {
      const first = await startEmulatorCli(['--port', '0', '--fleet', '2', '--time-scale', '500', '--fleet-work-seconds', '5', '--state-file', file]);
      running.push(first.program);
      let iot = client(first.url);
      await iot.send(new CreateJobCommand({ jobId: 'kept', targets: [FLEET], document: '{}', description: 'survives restarts' }));
      await waitFor('the job to complete', async () =>
        (await iot.send(new DescribeJobCommand({ jobId: 'kept' }))).job?.status === 'COMPLETED' ? true : undefined,
      );
      iot.destroy();
      first.program.child.kill('SIGTERM');
      expect(await first.program.exited).toBe(0);

      const second = await startEmulatorCli(['--port', '0', '--fleet', '2', '--state-file', file]);
      running.push(second.program);
      iot = client(second.url);
      const job = (await iot.send(new DescribeJobCommand({ jobId: 'kept' }))).job!;
      expect(job).toMatchObject({ status: 'COMPLETED', description: 'survives restarts' });
      expect(
        job.jobProcessDetails!.numberOfSucceededThings! + job.jobProcessDetails!.numberOfFailedThings! + job.jobProcessDetails!.numberOfRejectedThings!,
      ).toBe(2);
      iot.destroy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The Authorization header of a request SigV4-signed for S3 (the emulator routes by the signing service). */
const SIGNED_FOR_S3 = 'AWS4-HMAC-SHA256 Credential=AKIDTEST/20261204/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0';

describe('the AWS CLI against the emulator', () => {
  let aws: string;
  beforeAll(() => {
    aws = installAwsCli();
  }, 300_000);

  function cli(url: string, args: string[]): { status: number | null; json: any; stderr: string } {
    const r = spawnSync(aws, [...args, '--endpoint-url', url, '--output', 'json'], {
      encoding: 'utf8',
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' },
    });
    return { status: r.status, json: r.stdout.trim() ? JSON.parse(r.stdout) : undefined, stderr: r.stderr };
  }

  it('creates, describes and lists jobs, drives a device through iot-jobs-data, and reports errors', async () => {
    const { program, url } = await startEmulatorCli(['--port', '0']);
    running.push(program);
    expect(cli(url, ['iot', 'create-thing', '--thing-name', 'cli-thing']).status).toBe(0);
    const created = cli(url, [
      'iot',
      'create-job',
      '--job-id',
      'cli-job',
      '--targets',
      'arn:aws:iot:us-east-1:123456789012:thing/cli-thing',
      '--document',
      '{"op":"x"}',
    ]);
    expect(created.json).toMatchObject({ jobId: 'cli-job', jobArn: 'arn:aws:iot:us-east-1:123456789012:job/cli-job' });
    expect(cli(url, ['iot', 'describe-job', '--job-id', 'cli-job']).json.job).toMatchObject({ status: 'IN_PROGRESS' });
    const started = cli(url, ['iot-jobs-data', 'start-next-pending-job-execution', '--thing-name', 'cli-thing']);
    expect(started.json.execution).toMatchObject({ jobId: 'cli-job', status: 'IN_PROGRESS' });
    expect(cli(url, ['iot-jobs-data', 'update-job-execution', '--thing-name', 'cli-thing', '--job-id', 'cli-job', '--status', 'SUCCEEDED']).status).toBe(0);
    expect(cli(url, ['iot', 'list-jobs', '--status', 'COMPLETED']).json.jobs.map((j: { jobId: string }) => j.jobId)).toEqual(['cli-job']);
    const missing = cli(url, ['iot', 'describe-job', '--job-id', 'nope']);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/ResourceNotFoundException/);
  }, 60_000);

  it('seeds a documentSource with `aws s3 cp` (PutObject on the same port), and both URL styles name that one object', async () => {
    const { program, url } = await startEmulatorCli(['--port', '0']);
    running.push(program);
    const dir = mkdtempSync(join(tmpdir(), 'iotjobs-s3-'));
    try {
      const doc = '{"operation":"firmware-update","version":"2.4.1"}';
      writeFileSync(join(dir, 'job.json'), doc);
      const s3 = (args: string[]) =>
        spawnSync(aws, ['s3', ...args, '--endpoint-url', url, '--only-show-errors'], {
          encoding: 'utf8',
          env: { ...process.env, AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1' },
        });
      const put = s3(['cp', join(dir, 'job.json'), 's3://acme-firmware/jobs/job.json']);
      expect(put.stderr).toBe('');
      expect(put.status).toBe(0);
      expect(cli(url, ['s3api', 'head-object', '--bucket', 'acme-firmware', '--key', 'jobs/job.json']).json).toMatchObject({ ContentLength: doc.length });
      const back = s3(['cp', 's3://acme-firmware/jobs/job.json', '-']);
      expect(back.stdout).toBe(doc);
      expect(cli(url, ['iot', 'create-thing', '--thing-name', 's3-thing']).status).toBe(0);
      const target = 'arn:aws:iot:us-east-1:123456789012:thing/s3-thing';
      for (const [jobId, source] of [
        ['virtual-hosted', 'https://acme-firmware.s3.us-east-1.amazonaws.com/jobs/job.json'],
        ['path-style', 'https://s3.us-east-1.amazonaws.com/acme-firmware/jobs/job.json'],
      ]) {
        const created = cli(url, ['iot', 'create-job', '--job-id', jobId!, '--targets', target, '--document-source', source!]);
        expect(created.stderr).toBe('');
        expect(cli(url, ['iot', 'get-job-document', '--job-id', jobId!]).json.document).toBe(doc);
      }
      const absent = cli(url, [
        'iot',
        'create-job',
        '--job-id',
        'absent',
        '--targets',
        target,
        '--document-source',
        'https://acme-firmware.s3.amazonaws.com/nope.json',
      ]);
      expect(absent.stderr).toMatch(/InvalidRequestException.*cannot be read/);
      const missing = cli(url, ['s3api', 'head-object', '--bucket', 'acme-firmware', '--key', 'nope.json']);
      expect(missing.stderr).toMatch(/404/);
      // A virtual-hosted request (the bucket in the Host header) reaches the same object.
      const hosted = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
        const u = new URL(url);
        const r = httpRequest(
          { host: u.hostname, port: u.port, path: '/jobs/job.json', headers: { host: 'acme-firmware.s3.us-east-1.localhost', authorization: SIGNED_FOR_S3 } },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode, body }));
          },
        );
        r.on('error', reject);
        r.end();
      });
      expect(hosted).toEqual({ status: 200, body: doc });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
