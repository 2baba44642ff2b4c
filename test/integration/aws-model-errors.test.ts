/**
 * The model check of error answers (test/helpers/aws-model.ts, issue 14 point 7): an error the
 * model does not list for the operation, an HTTP status other than the error shape's, or a body
 * member the shape lacks is a violation; the emulator's error answers go through it (watchConformance)
 * like its successful ones, injected faults aside.
 */
import { DescribeJobCommand, IoTClient } from '@aws-sdk/client-iot';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { ModelChecker } from '../helpers/aws-model.js';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

describe('the model check of error answers', () => {
  const checker = new ModelChecker();

  it('passes an error the operation lists, with its status and members', () => {
    expect(checker.checkError('CreateJobTemplate', 'ConflictException', 409, { message: 'in use', resourceId: 'ota' })).toEqual([]);
    expect(checker.checkError('DescribeDeviceJobExecution', 'ResourceNotFoundException', 404, { message: 'none' })).toEqual([]);
  });

  it('refuses an error the operation does not list, a wrong status, and a member the shape lacks', () => {
    expect(checker.checkError('CreateJob', 'ConflictException', 409, { message: 'x' })[0]).toMatch(
      /^CreateJob error ConflictException: not an error the model lists/,
    );
    expect(checker.checkError('DescribeJob', 'ResourceNotFoundException', 400, { message: 'x' })).toEqual([
      'DescribeJob error ResourceNotFoundException: HTTP 400, the model says 404',
    ]);
    expect(checker.checkError('DescribeJob', 'ResourceNotFoundException', 404, { message: 'x', jobId: 'j' })).toEqual([
      'DescribeJob error ResourceNotFoundException.jobId: not a member of ResourceNotFoundException',
    ]);
  });

  it("sees the emulator's error answers, and not its injected faults", async () => {
    emu = await startEmulator({ account: '123456789012' });
    const seen: string[] = [];
    emu.server.onError.add((operation, code, status) => seen.push(`${operation} ${code} ${status}`));
    const iot = new IoTClient({
      endpoint: emu.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDMODELERRORS00000', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    await iot.send(new DescribeJobCommand({ jobId: 'missing' })).catch(() => undefined);
    emu.server.faults.set({ serverErrorRate: 1, operations: ['DescribeJob'] });
    await iot.send(new DescribeJobCommand({ jobId: 'missing' })).catch(() => undefined);
    iot.destroy();
    expect(seen).toEqual(['DescribeJob ResourceNotFoundException 404']);
  });
});
