/**
 * Kubernetes mode under test: the shared kube-apiserver from the global setup, a fresh namespace,
 * the emulator with a small fleet in this process, and controllers (in this process, or as CLI
 * child processes) watching that namespace. Logs of in-process controllers are kept as JSON.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { createApp, type App } from '../../controller/app.js';
import { loadConfig } from '../../controller/config.js';
import { KubeError, MERGE_PATCH, type KubeRest } from '../../controller/kube/rest.js';
import { createLogger } from '../../controller/observability/logger.js';
import { iotJobPath } from '../../controller/kube/iotjob-resource.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/index.js';
import { createNamespace, kubeRest, writeKubeconfig } from './kube-cluster.js';
import { watchConformance, type Conformance } from './aws-model.js';
import { waitFor } from './processes.js';
import { CREDENTIALS, describeJob, jsonLogSink } from './stack.js';

/** An IoTJob as the API returns it. */
export interface IoTJobResource {
  metadata: { name: string; namespace: string; uid: string; generation: number; resourceVersion: string; finalizers?: string[]; deletionTimestamp?: string };
  spec: Record<string, unknown>;
  status?: Record<string, any>;
}

/** A controller started by the stack. */
export interface RunningController {
  app: App;
  logs: Record<string, any>[];
}

/** The shared cluster, a namespace of one's own and an emulator. */
export class KubeStack {
  readonly rest: KubeRest;
  readonly controllers: RunningController[] = [];
  private readonly tmp = mkdtempSync(join(tmpdir(), 'iotjobs-kstack-'));

  private constructor(
    readonly emu: Emulator,
    readonly ns: string,
    readonly cluster: { url: string; caPem: string; adminToken: string },
  ) {
    this.rest = kubeRest(cluster);
  }

  /** A fresh namespace and an emulator whose fleet of `things` devices is in group `fleet`. */
  static async create(
    opts: { things?: number; emulator?: EmulatorOptions; cluster?: { url: string; caPem: string; adminToken: string } } = {},
  ): Promise<KubeStack> {
    const cluster = opts.cluster ?? inject('kube');
    const emu = await startEmulator({ account: '123456789012', deletionBaseMs: 300, ...opts.emulator });
    if (!opts.emulator?.fleet) {
      emu.service.call('CreateThingGroup', { thingGroupName: 'fleet' });
      for (let i = 1; i <= (opts.things ?? 3); i++) {
        emu.service.call('CreateThing', { thingName: `dev-${i}` });
        emu.service.call('AddThingToThingGroup', { thingGroupName: 'fleet', thingName: `dev-${i}` });
      }
    }
    const stack = new KubeStack(emu, `t-${randomBytes(4).toString('hex')}`, cluster);
    stack.conformance = watchConformance(emu.server);
    await createNamespace(stack.rest, stack.ns);
    return stack;
  }

  /** A kubeconfig file for the admin, or for another token. */
  kubeconfig(token = this.cluster.adminToken, name = 'admin'): string {
    return writeKubeconfig(join(this.tmp, `${name}.kubeconfig`), this.cluster.url, this.cluster.caPem, token, name);
  }

  /** The CLI flags of a controller on this namespace and emulator; `extra` are appended. */
  args(extra: string[] = [], kubeconfig = this.kubeconfig()): string[] {
    return [
      'run',
      '--kubernetes',
      '--namespace',
      this.ns,
      '--kubeconfig',
      kubeconfig,
      '--endpoint',
      this.emu.url,
      '--account',
      '123456789012',
      '--metrics-addr',
      '127.0.0.1:0',
      '--resync-seconds',
      '2',
      '--log-level',
      'debug',
      ...extra,
    ];
  }

  /** Starts a controller in this process. */
  async start(extra: string[] = [], kubeconfig?: string): Promise<RunningController> {
    const logs: Record<string, any>[] = [];
    const app = createApp(loadConfig(this.args(extra, kubeconfig), {}), { credentials: CREDENTIALS, logger: createLogger('debug', jsonLogSink(logs)) });
    await app.start();
    const c = { app, logs };
    this.controllers.push(c);
    return c;
  }

  private path(name?: string): string {
    return name ? iotJobPath(this.ns, name) : `/apis/iot.gitops.dev/v1alpha1/namespaces/${this.ns}/iotjobs`;
  }

  /** Creates an IoTJob; `spec` is merged over a small valid one (targets the fleet, an inline document). */
  create(name: string, spec: Record<string, unknown> = {}, labels?: Record<string, string>): Promise<IoTJobResource> {
    return this.rest.request('POST', this.path(), { body: this.resource(name, spec, labels) });
  }

  /** The IoTJob object a create would send. */
  resource(name: string, spec: Record<string, unknown> = {}, labels?: Record<string, string>): Record<string, unknown> {
    return {
      apiVersion: 'iot.gitops.dev/v1alpha1',
      kind: 'IoTJob',
      metadata: { name, namespace: this.ns, labels },
      spec: { targets: ['thingGroup:fleet'], document: { op: 'ota', v: 1 }, ...spec },
    };
  }

  /** Merge-patches an IoTJob's spec. */
  patchSpec(name: string, spec: Record<string, unknown>): Promise<IoTJobResource> {
    return this.rest.request('PATCH', this.path(name), { body: { spec }, contentType: MERGE_PATCH });
  }

  /** Reads an IoTJob; undefined when it is gone. */
  async get(name: string): Promise<IoTJobResource | undefined> {
    try {
      return await this.rest.request<IoTJobResource>('GET', this.path(name));
    } catch (err) {
      if (err instanceof KubeError && err.status === 404) return undefined;
      throw err;
    }
  }

  delete(name: string): Promise<unknown> {
    return this.rest.request('DELETE', this.path(name));
  }

  /** Waits until the IoTJob's status satisfies `check`; returns the object. */
  untilStatus(name: string, what: string, check: (status: Record<string, any>, obj: IoTJobResource) => boolean, timeoutMs = 20_000): Promise<IoTJobResource> {
    return waitFor(
      `${name}: ${what}`,
      async () => {
        const obj = await this.get(name);
        return obj?.status && check(obj.status, obj) ? obj : undefined;
      },
      timeoutMs,
      100,
    );
  }

  /** A condition of an object's status. */
  static condition(status: Record<string, any> | undefined, type: string): { status: string; reason: string; message: string } | undefined {
    return status?.conditions?.find((c: { type: string }) => c.type === type);
  }

  /** The Events about one IoTJob. */
  async events(name: string): Promise<{ reason: string; type: string; message: string; count?: number }[]> {
    const list = await this.rest.request<{ items: { reason: string; type: string; message: string; count?: number; involvedObject: { name: string } }[] }>(
      'GET',
      `/api/v1/namespaces/${this.ns}/events`,
    );
    return list.items.filter((e) => e.involvedObject.name === name);
  }

  /** DescribeJob in-process; undefined when there is no such job. */
  job(jobId: string): Record<string, any> | undefined {
    return describeJob(this.emu, jobId);
  }

  /** Successful HTTP calls of an operation so far. */
  calls(operation: string): number {
    return this.emu.server.calls.summary()[operation]?.ok ?? 0;
  }

  until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
    return waitFor(what, async () => (await probe()) || undefined, timeoutMs, 50) as Promise<T>;
  }

  /** Every successful call to the emulator, checked against the AWS models. */
  conformance?: Conformance;

  /** Stops everything; then fails when a call broke the AWS models (aws-model.ts). */
  async stop(): Promise<void> {
    for (const c of this.controllers) await c.app.stop();
    this.rest.close();
    await this.emu.close();
    rmSync(this.tmp, { recursive: true, force: true });
    this.conformance?.assertNone();
  }
}
