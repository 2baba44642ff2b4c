/**
 * iot-jobs-controller as a process: `plan` exit codes for CI on a pull request, `--help`, bad flags,
 * and a controller killed with SIGKILL mid-run and restarted: no duplicate job, no lost job.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { built, startProgram, waitFor, type Program } from '../helpers/processes.js';
import { manifest, Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
const running: Program[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) {
    if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await p.exited;
  }
  await stack?.stop();
  stack = undefined;
});

const ENV = { AWS_ACCESS_KEY_ID: 'AKIDCLITEST', AWS_SECRET_ACCESS_KEY: 'x' };

function controller(args: string[]): Program {
  const p = startProgram(built('controller/main.js'), args, ENV);
  running.push(p);
  return p;
}

describe('iot-jobs-controller plan', () => {
  it('exits 1 with changes pending, 0 in sync, 2 on an invalid manifest', async () => {
    stack = await Stack.create();
    stack.write('a.yaml', manifest('a', {}));
    const args = ['plan', '--dir', stack.dir, '--endpoint', stack.emu.url];
    const pending = controller(args);
    expect(await pending.exited).toBe(1);
    expect(pending.stdout()).toContain('create           a (job a): no job a exists');
    expect(pending.stdout()).toMatch(/plan: 1 manifest, 1 with changes pending/);
    expect(stack.jobIds()).toEqual([]);

    await stack.start();
    await stack.until('the job to be created', () => stack!.job('a'));
    await stack.app.stop();
    const inSync = controller(args);
    expect(await inSync.exited).toBe(0);
    expect(inSync.stdout()).toContain('noop             a (job a): in sync');

    stack.write(
      'b.yaml',
      'apiVersion: iot.gitops.dev/v1alpha1\nkind: IoTJob\nmetadata: {name: b}\nspec:\n  targets: [thing:dev-1]\n  document: {}\n  state: Paused\n',
    );
    const invalid = controller(args);
    expect(await invalid.exited).toBe(2);
    expect(invalid.stdout()).toContain('error  b.yaml:7: spec.state: must be one of Active, Canceled');

    // A field name with an ANSI sequence in it is shown escaped, not sent to the terminal (regression).
    stack.write(
      'b.yaml',
      'apiVersion: iot.gitops.dev/v1alpha1\nkind: IoTJob\nmetadata: {name: b}\nspec:\n  targets: [thing:dev-1]\n  document: {}\n  "\\e[2Jx": 1\n',
    );
    const escaped = controller(args);
    expect(await escaped.exited).toBe(2);
    expect(escaped.stdout()).not.toContain('\x1b');
    expect(escaped.stdout()).toContain('spec.\\u001b[2Jx: is not a known field');
  });

  it('exits 2 when the jobs in AWS cannot be listed, also for a tree with no manifest (it cannot see what run would remove)', async () => {
    stack = await Stack.create();
    const unreachable = controller(['plan', '--dir', stack.dir, '--endpoint', 'http://127.0.0.1:1']);
    expect(await unreachable.exited).toBe(2);
    expect(unreachable.stdout()).toContain('error  the jobs in AWS could not be listed (the log says why); nothing was planned');
    expect(unreachable.stdout()).not.toContain('plan: 0 manifests');
  });

  it('exits 2 for a bad flag, and --help documents every flag with its environment variable', async () => {
    const bad = controller(['plan', '--dir', '.', '--workers', 'lots']);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain('--workers must be an integer');
    const help = controller(['--help']);
    expect(await help.exited).toBe(0);
    for (const text of ['--dir', '--endpoint', '--region', '--metrics-addr', '--local', 'IOT_JOBS_DIR', 'IOT_JOBS_CONTROLLER_ID', 'plan --dir'])
      expect(help.stdout()).toContain(text);
  });
});

describe('a controller killed mid-run', () => {
  it('is restarted and converges with no duplicate job and no lost job', async () => {
    stack = await Stack.create();
    for (let i = 0; i < 30; i++) stack.write(`job-${i}.yaml`, manifest(`job-${i}`, {}));
    const args = (tps: number): string[] => [
      'run',
      '--dir',
      stack!.dir,
      '--endpoint',
      stack!.emu.url,
      '--metrics-addr',
      '127.0.0.1:0',
      '--aws-tps',
      String(tps),
      '--resync-seconds',
      '1',
    ];
    // Slow enough (4 requests a second) to be killed part-way through.
    const first = controller(args(4));
    await waitFor('some jobs to be created', () => (stack!.jobIds().length >= 5 ? true : undefined), 20_000, 10);
    first.child.kill('SIGKILL');
    await first.exited;
    const before = stack.jobIds().length;
    expect(before).toBeLessThan(30);
    const second = controller(args(20));
    await waitFor('every job to exist', () => (stack!.jobIds().length === 30 ? true : undefined), 30_000, 50);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(stack.jobIds()).toEqual(Array.from({ length: 30 }, (_, i) => `job-${i}`).sort());
    // At most one create of a job was in flight when the first process died; its retry found it.
    expect(stack.calls('CreateJob')).toBe(30);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.stdout()).toContain('stopping: finishing the reconciles in flight');
  }, 60_000);
});
