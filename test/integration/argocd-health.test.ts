/**
 * The Argo CD health check for IoTJob (docs/argocd-health.lua), run on its own with a real Lua 5.1
 * interpreter (lua5.1, as .ci/run installs it) the way Argo CD's gopher-lua runs it: `obj` a global
 * table, only the libraries Argo CD opens by default. Each case asserts the exact status and
 * message. The statuses are written by hand in the controller's shape, and a second set is computed
 * by the controller's own statusFor, so a change to the conditions the controller writes shows here.
 * Also: docs/argocd.md installs exactly this script.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { statusFor, type IoTJobStatus } from '../../controller/kube/status.js';
import { DEFAULT_DEGRADED_RATIO, rolloutHealth } from '../../controller/model/health.js';
import type { ReconcileReport } from '../../controller/model/report.js';
import { aDesired, anObserved } from '../helpers/builders.js';
import { luaLiteral, luaString, runHealthCheck, type HealthResult, type LuaValue } from '../helpers/lua.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = readFileSync(join(ROOT, 'docs', 'argocd-health.lua'), 'utf8');
const T0 = '2026-11-29T10:00:00Z';

type ConditionType = 'Ready' | 'Reconciling' | 'Stalled' | 'Healthy';

/** A condition as the controller writes it (metav1.Condition). */
function cond(type: ConditionType, status: 'True' | 'False' | 'Unknown', reason: string, message = '', observedGeneration = 3): LuaValue {
  return { type, status, observedGeneration, lastTransitionTime: T0, reason, message };
}

/** The idle flags the controller writes beside a settled Ready. */
const IDLE = [cond('Reconciling', 'False', 'Idle'), cond('Stalled', 'False', 'Idle')];
const ROLLOUT_HEALTHY = cond('Healthy', 'True', 'Healthy', '2 of 50 executions (4%) failed, timed out or were rejected');

interface Shape {
  generation?: number;
  suspend?: boolean;
  /** The status; undefined writes none. */
  status?: Record<string, LuaValue>;
}

/** An IoTJob as Argo CD reads it from the cluster. */
function iotJob({ generation = 3, suspend, status }: Shape): LuaValue {
  return {
    apiVersion: 'iot.gitops.dev/v1alpha1',
    kind: 'IoTJob',
    metadata: {
      name: 'sensor-firmware-2-4-0',
      namespace: 'iot-system',
      generation,
      uid: '5b0b1c6e-8d0f-4a59-9d55-2f0c3f7e2a11',
      annotations: { 'argocd.argoproj.io/sync-wave': '1' },
      finalizers: ['iot.gitops.dev/finalizer'],
    },
    spec: { targets: ['thingGroup:sensors'], document: { operation: 'ota', version: '2.4.0' }, suspend },
    status,
  };
}

/** A status the controller wrote for generation 3. */
function status(conditions: LuaValue[], over: Record<string, LuaValue> = {}): Record<string, LuaValue> {
  return {
    observedGeneration: 3,
    jobId: 'sensor-firmware-2_4_0',
    jobArn: 'arn:aws:iot:us-east-1:123456789012:job/sensor-firmware-2_4_0',
    awsStatus: 'IN_PROGRESS',
    executions: { queued: 8, inProgress: 0, succeeded: 40, failed: 2, timedOut: 0, rejected: 0, removed: 0, canceled: 0 },
    progress: '42/50',
    lastSyncTime: T0,
    conditions,
    ...over,
  };
}

const TRICKY = 'AWS said "no" to \'fw\': C:\\tmp\\x\\ and \\" then ]] and ]=] and [[ [==[\nsecond line\r\n\ttabbed; NUL\0; ünïcødé 🚀 %s %d \\n';

describe('docs/argocd-health.lua on IoTJob statuses', () => {
  it.each<[string, Shape, HealthResult]>([
    ['no status yet (just created)', { generation: 1 }, { status: 'Progressing', message: 'waiting for the controller to observe generation 1' }],
    [
      'a status without observedGeneration',
      { status: { conditions: [cond('Ready', 'True', 'Synced', 'job fw is IN_PROGRESS')] } },
      { status: 'Progressing', message: 'waiting for the controller to observe generation 3' },
    ],
    [
      'an older observedGeneration, even with Ready True (a new spec not yet reconciled)',
      { generation: 4, status: status([cond('Ready', 'True', 'Synced', 'job fw is IN_PROGRESS'), ...IDLE, ROLLOUT_HEALTHY]) },
      { status: 'Progressing', message: 'waiting for the controller to observe generation 4' },
    ],
    [
      'Ready True Synced, rollout healthy',
      {
        status: status([
          cond('Ready', 'True', 'Synced', 'job sensor-firmware-2_4_0 is IN_PROGRESS: 40 of 50 executions succeeded, 2 failed, 8 pending'),
          ...IDLE,
          ROLLOUT_HEALTHY,
        ]),
      },
      { status: 'Healthy', message: 'job sensor-firmware-2_4_0 is IN_PROGRESS: 40 of 50 executions succeeded, 2 failed, 8 pending' },
    ],
    [
      'Ready True Synced before the job was read (Healthy Unknown)',
      { status: status([cond('Ready', 'True', 'Synced', 'in sync'), ...IDLE, cond('Healthy', 'Unknown', 'Unknown', 'the job has not been read')]) },
      { status: 'Healthy', message: 'in sync' },
    ],
    ['Ready True with an empty message: its reason', { status: status([cond('Ready', 'True', 'Synced'), ...IDLE]) }, { status: 'Healthy', message: 'Synced' }],
    [
      'Ready True Suspended with spec.suspend',
      { suspend: true, status: status([cond('Ready', 'True', 'Suspended', 'suspended: spec.suspend is true'), ...IDLE, ROLLOUT_HEALTHY]) },
      { status: 'Suspended', message: 'suspended: spec.suspend is true' },
    ],
    [
      'spec.suspend just set, not yet observed',
      { suspend: true, generation: 4, status: status([cond('Ready', 'True', 'Synced', 'in sync'), ...IDLE]) },
      { status: 'Progressing', message: 'waiting for the controller to observe generation 4' },
    ],
    [
      'Stalled True NeedsAttention',
      {
        status: status([
          cond('Ready', 'False', 'NeedsAttention', 'targets cannot be changed on an existing job'),
          cond('Reconciling', 'False', 'Idle'),
          cond('Stalled', 'True', 'NeedsAttention', 'targets cannot be changed on an existing job; set replacePolicy: Recreate'),
          ROLLOUT_HEALTHY,
        ]),
      },
      { status: 'Degraded', message: 'targets cannot be changed on an existing job; set replacePolicy: Recreate' },
    ],
    [
      'Stalled True with an empty message: its reason',
      { status: status([cond('Ready', 'False', 'AWSRejected'), cond('Reconciling', 'False', 'Idle'), cond('Stalled', 'True', 'AWSRejected')]) },
      { status: 'Degraded', message: 'AWSRejected' },
    ],
    [
      'Healthy False Degraded while Ready True (too many executions failed)',
      {
        status: status(
          [
            cond('Ready', 'True', 'Synced', 'job fw is IN_PROGRESS: 14 of 20 executions succeeded, 6 failed, 0 pending'),
            ...IDLE,
            cond('Healthy', 'False', 'Degraded', '6 of 20 executions (30%) failed, timed out or were rejected; above the 10% threshold'),
          ],
          { executions: { queued: 0, inProgress: 0, succeeded: 14, failed: 6, timedOut: 0, rejected: 0, removed: 0, canceled: 0 } },
        ),
      },
      { status: 'Degraded', message: 'Degraded: 6 of 20 executions (30%) failed, timed out or were rejected; above the 10% threshold' },
    ],
    [
      'Healthy False Aborted (AWS aborted the job by its abort criteria)',
      {
        status: status(
          [
            cond('Ready', 'True', 'Synced', 'job fw is CANCELED: 1 of 10 executions succeeded, 1 failed, 8 pending'),
            ...IDLE,
            cond('Healthy', 'False', 'Aborted', 'AWS aborted job fw: ABORT_CRITERIA_MET: criterion 0 met'),
          ],
          { awsStatus: 'CANCELED' },
        ),
      },
      { status: 'Degraded', message: 'Aborted: AWS aborted job fw: ABORT_CRITERIA_MET: criterion 0 met' },
    ],
    [
      'Healthy False CanceledInAWS',
      {
        status: status(
          [cond('Ready', 'True', 'Synced', 'in sync'), ...IDLE, cond('Healthy', 'False', 'CanceledInAWS', 'job fw was canceled in AWS, not by its spec')],
          {
            awsStatus: 'CANCELED',
          },
        ),
      },
      { status: 'Degraded', message: 'CanceledInAWS: job fw was canceled in AWS, not by its spec' },
    ],
    [
      'Healthy False comes before Ready False with Reconciling True',
      {
        status: status([
          cond('Ready', 'False', 'Progressing', 'description changed'),
          cond('Reconciling', 'True', 'Progressing', 'update: description changed'),
          cond('Stalled', 'False', 'Idle'),
          cond('Healthy', 'False', 'Degraded', '6 of 20 executions (30%) failed, timed out or were rejected; above the 10% threshold'),
        ]),
      },
      { status: 'Degraded', message: 'Degraded: 6 of 20 executions (30%) failed, timed out or were rejected; above the 10% threshold' },
    ],
    [
      'Stalled comes before Healthy False',
      {
        status: status([
          cond('Ready', 'False', 'AWSRejected', 'InvalidRequestException: bad role'),
          cond('Reconciling', 'False', 'Idle'),
          cond('Stalled', 'True', 'AWSRejected', 'InvalidRequestException: bad role'),
          cond('Healthy', 'False', 'Aborted', 'AWS aborted job fw'),
        ]),
      },
      { status: 'Degraded', message: 'InvalidRequestException: bad role' },
    ],
    [
      'Ready False Progressing with Reconciling True (creating the job)',
      {
        status: status(
          [
            cond('Ready', 'False', 'Progressing', 'no job fw exists'),
            cond('Reconciling', 'True', 'Progressing', 'create: no job fw exists'),
            cond('Stalled', 'False', 'Idle'),
            cond('Healthy', 'Unknown', 'Unknown', 'the job has not been read'),
          ],
          { awsStatus: undefined, executions: undefined, progress: undefined },
        ),
      },
      { status: 'Progressing', message: 'create: no job fw exists' },
    ],
    [
      'Ready False ReconcileFailed with Reconciling True ProgressingWithRetry (a retried error, as the controller writes it)',
      {
        status: status(
          [
            cond('Ready', 'False', 'ReconcileFailed', 'ThrottlingException: Rate exceeded'),
            cond('Reconciling', 'True', 'ProgressingWithRetry', 'retrying after: ThrottlingException: Rate exceeded'),
            cond('Stalled', 'False', 'Idle'),
            ROLLOUT_HEALTHY,
          ],
          { lastError: 'ThrottlingException: Rate exceeded' },
        ),
      },
      { status: 'Progressing', message: 'retrying after: ThrottlingException: Rate exceeded' },
    ],
    [
      'Ready False ReconcileFailed without Reconciling True',
      {
        status: status(
          [cond('Ready', 'False', 'ReconcileFailed', 'AccessDeniedException: not authorized to perform iot:DescribeJob'), ...IDLE, ROLLOUT_HEALTHY],
          {
            lastError: 'AccessDeniedException: not authorized to perform iot:DescribeJob',
          },
        ),
      },
      { status: 'Degraded', message: 'AccessDeniedException: not authorized to perform iot:DescribeJob' },
    ],
    [
      'Ready False with no other condition and no message: its reason',
      { status: status([cond('Ready', 'False', 'ReconcileFailed')]) },
      { status: 'Degraded', message: 'ReconcileFailed' },
    ],
    [
      'Ready False and spec.suspend: not Suspended',
      { suspend: true, status: status([cond('Ready', 'False', 'ReconcileFailed', 'socket hang up'), ...IDLE]) },
      { status: 'Degraded', message: 'socket hang up' },
    ],
    [
      'Ready Unknown',
      { status: status([cond('Ready', 'Unknown', 'Starting', 'the controller is starting'), ...IDLE]) },
      { status: 'Progressing', message: 'the controller is starting' },
    ],
    ['observed, but no Ready condition written', { status: status([]) }, { status: 'Progressing', message: 'waiting for the Ready condition' }],
    [
      'observed, with no conditions field',
      { status: { observedGeneration: 3, lastSyncTime: T0 } },
      { status: 'Progressing', message: 'waiting for the Ready condition' },
    ],
    [
      'a message with quotes, backslashes, newlines, ]] and NUL, kept byte for byte',
      {
        status: status([cond('Ready', 'False', 'AWSRejected', TRICKY), cond('Reconciling', 'False', 'Idle'), cond('Stalled', 'True', 'AWSRejected', TRICKY)], {
          lastError: TRICKY,
        }),
      },
      { status: 'Degraded', message: TRICKY },
    ],
    [
      'a tricky message in the reason and message of Healthy',
      { status: status([cond('Ready', 'True', 'Synced', 'in sync'), ...IDLE, cond('Healthy', 'False', 'Aborted', TRICKY)]) },
      { status: 'Degraded', message: `Aborted: ${TRICKY}` },
    ],
  ])('%s', (_name, shape, expected) => {
    expect(runHealthCheck(SCRIPT, iotJob(shape))).toEqual(expected);
  });
});

describe('docs/argocd-health.lua on statuses computed by the controller (statusFor)', () => {
  /** A reconcile report as the reconciler hands it on: with the rollout's health judged when the job was read. */
  const report = (over: Partial<ReconcileReport>): ReconcileReport => {
    const r: ReconcileReport = { key: 'ns/fw', desired: aDesired(), outcome: 'unchanged', result: 'success', ...over };
    return r.observed ? { ...r, health: rolloutHealth(r, DEFAULT_DEGRADED_RATIO) } : r;
  };
  const inSync = { kind: 'noop', jobId: 'fw', reason: 'in sync' } as const;
  const counts = (failed: number, succeeded: number, queued = 0) => ({ ...anObserved().counts, FAILED: failed, SUCCEEDED: succeeded, QUEUED: queued });
  const abortConfig = {
    criteriaList: [{ failureType: 'FAILED' as const, action: 'CANCEL' as const, thresholdPercentage: 10, minNumberOfExecutedThings: 2 }],
  };

  /** The health of an IoTJob at generation 3 whose status statusFor computed from `r` (JSON round trip, as the API server stores it). */
  function healthOf(r: ReconcileReport, suspend?: boolean): HealthResult {
    const written = JSON.parse(JSON.stringify(statusFor(r, { generation: 3, now: T0 }))) as IoTJobStatus;
    return runHealthCheck(SCRIPT, iotJob({ suspend, status: written as unknown as Record<string, LuaValue> }));
  }

  it.each<[string, ReconcileReport, boolean | undefined, HealthResult]>([
    [
      'in sync, rollout running',
      report({ observed: anObserved('IN_PROGRESS', { counts: counts(1, 40, 9) }), action: inSync }),
      undefined,
      { status: 'Healthy', message: 'job fw is IN_PROGRESS: 40 of 50 executions succeeded, 1 failed, 9 pending' },
    ],
    [
      'creating the job',
      report({ action: { kind: 'create', jobId: 'fw', reason: 'no job fw exists' } }),
      undefined,
      { status: 'Progressing', message: 'create: no job fw exists' },
    ],
    [
      'waiting on AWS',
      report({ result: 'requeue', action: { kind: 'wait', jobId: 'fw', afterMs: 5000, reason: 'job fw is being deleted' } }),
      undefined,
      { status: 'Progressing', message: 'job fw is being deleted' },
    ],
    [
      'a transient error, retried',
      report({ result: 'error', error: 'socket hang up' }),
      undefined,
      { status: 'Progressing', message: 'retrying after: socket hang up' },
    ],
    [
      'refused by AWS',
      report({ result: 'stalled', error: 'InvalidRequestException: bad role' }),
      undefined,
      { status: 'Degraded', message: 'InvalidRequestException: bad role' },
    ],
    [
      'needs a human',
      report({ result: 'stalled', action: { kind: 'noop', stalled: true, reason: 'targets cannot be changed' } }),
      undefined,
      { status: 'Degraded', message: 'targets cannot be changed' },
    ],
    [
      'suspended',
      report({ desired: aDesired({ suspend: true }), action: { kind: 'noop', reason: 'suspended: spec.suspend is true' } }),
      true,
      { status: 'Suspended', message: 'suspended: spec.suspend is true' },
    ],
    [
      'in sync, but 12% of the executions failed',
      report({ observed: anObserved('IN_PROGRESS', { counts: counts(12, 88) }), action: inSync }),
      undefined,
      { status: 'Degraded', message: 'Degraded: 12 of 100 executions (12%) failed, timed out or were rejected; above the 10% threshold' },
    ],
    [
      'aborted by AWS',
      report({
        desired: aDesired({ abortConfig }),
        observed: anObserved('CANCELED', { reasonCode: 'ABORT_CRITERIA_MET', comment: 'criterion 0 met', counts: counts(1, 1, 8) }),
        action: inSync,
      }),
      undefined,
      { status: 'Degraded', message: 'Aborted: AWS aborted job fw: ABORT_CRITERIA_MET: criterion 0 met' },
    ],
  ])('%s', (_name, r, suspend, expected) => {
    expect(healthOf(r, suspend)).toEqual(expected);
  });
});

describe('the Lua harness (test/helpers/lua.ts)', () => {
  const echo = 'local hs = {}\nhs.status = "Healthy"\nhs.message = obj.metadata.name\nreturn hs';

  it('writes strings as literals that cannot end early, and reads them back byte for byte', () => {
    expect(luaString('a"b\\c\n]]')).toBe('"a\\034b\\092c\\010]]"');
    for (const s of [TRICKY, '', ']]', '"', '\\', '\n', '\0', '🚀', '\\065']) {
      expect(runHealthCheck(echo, { metadata: { name: s } })).toEqual({ status: 'Healthy', message: s });
    }
  });

  it('writes keys of any text, arrays 1-based, and leaves null and undefined fields out', () => {
    expect(luaLiteral({ a: [1, 'x'], 'b"]': true, c: null, d: undefined })).toBe('{["a"] = {1, "x"}, ["b\\034]"] = true}');
    const script = 'return { status = "Healthy", message = obj["we]]ird\\"key"][2] .. tostring(obj.gone == nil) .. #obj.list }';
    expect(runHealthCheck(script, { 'we]]ird"key': ['a', 'b'], gone: null, list: [1, 2, 3] })).toEqual({ status: 'Healthy', message: 'btrue3' });
  });

  it('reports a missing message as undefined', () => {
    expect(runHealthCheck('return { status = "Progressing" }', {})).toEqual({ status: 'Progressing' });
  });

  it('refuses what Argo CD refuses or leaves out: the string library, string methods, io, a status it does not know, no table', () => {
    expect(() => runHealthCheck('return { status = "Healthy", message = string.format("%d", 1) }', {})).toThrow(/the health script failed: .*string/);
    expect(() => runHealthCheck('return { status = "Healthy", message = ("x"):upper() }', {})).toThrow(/the health script failed/);
    expect(() => runHealthCheck('io.write("x") return { status = "Healthy" }', {})).toThrow(/the health script failed: .*io/);
    expect(() => runHealthCheck('return { status = "Fine" }', {})).toThrow(/status "Fine", which Argo CD does not accept/);
    expect(() => runHealthCheck('return "Healthy"', {})).toThrow(/returned string, not a table/);
    expect(() => runHealthCheck('return { status = "Healthy", message = 3 }', {})).toThrow(/message is number/);
  });

  it('keeps print off the result', () => {
    expect(runHealthCheck('print("noise", 1, nil)\nreturn { status = "Healthy", message = "ok" }', {})).toEqual({ status: 'Healthy', message: 'ok' });
  });
});

describe('docs/argocd.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'argocd.md'), 'utf8');
  const yamlBlocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const configMaps = yamlBlocks
    .flatMap((text) => parseAllDocuments(text).map((d) => d.toJS() as { kind?: string; metadata?: { name?: string }; data?: Record<string, string> }))
    .filter((o) => o?.kind === 'ConfigMap' && o.metadata?.name === 'argocd-cm');

  it('installs exactly docs/argocd-health.lua under resource.customizations.health.iot.gitops.dev_IoTJob', () => {
    const keyed = configMaps.filter((c) => c.data?.['resource.customizations.health.iot.gitops.dev_IoTJob'] !== undefined);
    expect(keyed).toHaveLength(1);
    expect(keyed[0]!.data!['resource.customizations.health.iot.gitops.dev_IoTJob']).toBe(SCRIPT);
  });

  it('gives the same script in the resource.customizations form', () => {
    const grouped = configMaps.filter((c) => c.data?.['resource.customizations'] !== undefined);
    expect(grouped).toHaveLength(1);
    const [inner] = parseAllDocuments(grouped[0]!.data!['resource.customizations']!).map((d) => d.toJS() as Record<string, { 'health.lua'?: string }>);
    expect(inner!['iot.gitops.dev/IoTJob']!['health.lua']).toBe(SCRIPT);
  });
});
