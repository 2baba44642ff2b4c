/**
 * A controller on a directory of manifests against the emulator over HTTP, both in this process:
 * the real SDK, real chokidar, real timers. Logs are captured as parsed JSON lines.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type App } from '../../controller/app.js';
import { loadConfig, type Config } from '../../controller/config.js';
import { createLogger } from '../../controller/observability/logger.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/index.js';
import { watchConformance, type Conformance } from './aws-model.js';
import { waitFor } from './processes.js';

export const CREDENTIALS = { accessKeyId: 'AKIDSTACKTEST0000000', secretAccessKey: 'x' };

/** The operations that change jobs in AWS (TagResource and UntagResource also tag job templates). */
export const JOB_WRITES = [
  'CreateJob',
  'UpdateJob',
  'CancelJob',
  'DeleteJob',
  'TagResource',
  'UntagResource',
  'CancelJobExecution',
  'DeleteJobExecution',
] as const;
/** The operations that create or delete job templates. */
export const TEMPLATE_WRITES = ['CreateJobTemplate', 'DeleteJobTemplate'] as const;

/** An IoTJob manifest as YAML. */
export function manifest(name: string, spec: Record<string, unknown>): string {
  return `apiVersion: iot.gitops.dev/v1alpha1\nkind: IoTJob\nmetadata:\n  name: ${name}\nspec: ${JSON.stringify({ targets: ['thingGroup:fleet'], document: { op: 'ota', v: 1 }, ...spec })}\n`;
}

/** A stream for a pino logger that keeps each line, parsed, in `logs`. */
export function jsonLogSink(logs: Record<string, any>[]): Writable {
  return new Writable({
    write: (chunk: Buffer, _enc, done) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      done();
    },
  });
}

/** DescribeJob in-process (not counted in the HTTP call log); undefined when there is no such job. */
export function describeJob(emu: Emulator, jobId: string): Record<string, any> | undefined {
  try {
    return (emu.service.call('DescribeJob', { jobId }) as { job: Record<string, any> }).job;
  } catch {
    return undefined;
  }
}

/** The running stack. */
export class Stack {
  readonly logs: Record<string, any>[] = [];
  app!: App;

  private constructor(
    readonly emu: Emulator,
    readonly root: string,
    readonly dir: string,
  ) {}

  /** Starts the emulator (with `things` devices in group fleet) and prepares an empty manifest directory. */
  static async create(opts: { things?: number; emulator?: EmulatorOptions } = {}): Promise<Stack> {
    const emu = await startEmulator({ account: '123456789012', deletionBaseMs: 300, ...opts.emulator });
    // A simulated fleet provisions group `fleet` with its own devices.
    if (!opts.emulator?.fleet) emu.service.call('CreateThingGroup', { thingGroupName: 'fleet' });
    for (let i = 1; i <= (opts.emulator?.fleet ? 0 : (opts.things ?? 3)); i++) {
      emu.service.call('CreateThing', { thingName: `dev-${i}` });
      emu.service.call('AddThingToThingGroup', { thingGroupName: 'fleet', thingName: `dev-${i}` });
    }
    const root = mkdtempSync(join(tmpdir(), 'iotjobs-'));
    const dir = join(root, 'manifests');
    mkdirSync(dir);
    const stack = new Stack(emu, root, dir);
    stack.conformance = watchConformance(emu.server);
    return stack;
  }

  /** The controller's Config for this stack, with fast timers; `extra` are CLI flags. */
  config(extra: string[] = []): Config {
    return loadConfig(
      [
        'run',
        '--dir',
        this.dir,
        '--endpoint',
        this.emu.url,
        '--metrics-addr',
        '127.0.0.1:0',
        '--resync-seconds',
        '1',
        '--rescan-seconds',
        '1',
        '--debounce-ms',
        '50',
        '--log-level',
        'debug',
        ...extra,
      ],
      {},
    );
  }

  /** Starts the controller. */
  async start(extra: string[] = [], configure: (c: Config) => Config = (c) => c): Promise<App> {
    this.app = createApp(configure(this.config(extra)), { credentials: CREDENTIALS, logger: createLogger('debug', jsonLogSink(this.logs)) });
    await this.app.start();
    return this.app;
  }

  write(file: string, text: string): void {
    const path = join(this.dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  }

  remove(file: string): void {
    unlinkSync(join(this.dir, file));
  }

  /** DescribeJob in-process (not counted in the HTTP call log); undefined when there is no such job. */
  job(jobId: string): Record<string, any> | undefined {
    return describeJob(this.emu, jobId);
  }

  /** Every job id in the emulator. */
  jobIds(): string[] {
    return [...this.emu.service.state.jobs.keys()].sort();
  }

  /** Successful HTTP calls of an operation so far. */
  calls(operation: string): number {
    return this.emu.server.calls.summary()[operation]?.ok ?? 0;
  }

  /** Waits until `probe` returns something other than undefined/false. */
  until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
    return waitFor(what, () => probe() || undefined, timeoutMs, 25) as Promise<T>;
  }

  /** Every successful call to the emulator, checked against the AWS models. */
  conformance?: Conformance;

  /** Stops everything; then fails when a call broke the AWS models (aws-model.ts). */
  async stop(): Promise<void> {
    await this.app?.stop();
    await this.emu.close();
    rmSync(this.root, { recursive: true, force: true });
    this.conformance?.assertNone();
  }
}

/** Replaces `link` atomically with a symlink to `target`, as git-sync does. */
export function swapLink(link: string, target: string): void {
  const tmp = `${link}.tmp-link`;
  symlinkSync(target, tmp);
  renameSync(tmp, link);
}
