import { describe, expect, it } from 'vitest';
import { statusChanged, statusFor, type IoTJobStatus } from '../../../../controller/kube/status.js';
import { DEFAULT_DEGRADED_RATIO, rolloutHealth } from '../../../../controller/model/health.js';
import type { ReconcileReport } from '../../../../controller/model/report.js';
import { aDesired, anObserved } from '../../../helpers/builders.js';

const T0 = '2026-11-29T10:00:00.000Z';
const T1 = '2026-11-29T10:05:00.000Z';

function report(over: Partial<ReconcileReport>): ReconcileReport {
  return { key: 'ns/fw', desired: aDesired(), outcome: 'unchanged', result: 'success', ...over };
}

/** The sync conditions (Healthy has tests of its own below). */
function conditions(s: IoTJobStatus): Record<string, string> {
  return Object.fromEntries((s.conditions ?? []).filter((c) => c.type !== 'Healthy').map((c) => [c.type, `${c.status}/${c.reason}`]));
}

function health(s: IoTJobStatus): string {
  const h = s.conditions?.find((c) => c.type === 'Healthy');
  return `${h?.status}/${h?.reason}: ${h?.message}`;
}

describe('statusFor (kstatus conditions)', () => {
  const counts = { ...anObserved().counts, SUCCEEDED: 3, FAILED: 1, QUEUED: 2 };

  it.each<[string, Partial<ReconcileReport>, Record<string, string>]>([
    [
      'in sync',
      { observed: anObserved('IN_PROGRESS'), action: { kind: 'noop', jobId: 'fw', reason: 'in sync' } },
      { Ready: 'True/Synced', Reconciling: 'False/Idle', Stalled: 'False/Idle' },
    ],
    [
      'created',
      { action: { kind: 'create', jobId: 'fw', reason: 'no job fw exists' } },
      { Ready: 'False/Progressing', Reconciling: 'True/Progressing', Stalled: 'False/Idle' },
    ],
    [
      'waiting on AWS',
      { result: 'requeue', action: { kind: 'wait', jobId: 'fw', afterMs: 5000, reason: 'job fw is being deleted' } },
      { Ready: 'False/Progressing', Reconciling: 'True/Progressing', Stalled: 'False/Idle' },
    ],
    [
      'a transient error',
      { result: 'error', error: 'socket hang up' },
      { Ready: 'False/ReconcileFailed', Reconciling: 'True/ProgressingWithRetry', Stalled: 'False/Idle' },
    ],
    [
      'refused by AWS',
      { result: 'stalled', error: 'InvalidRequestException: bad role' },
      { Ready: 'False/AWSRejected', Reconciling: 'False/Idle', Stalled: 'True/AWSRejected' },
    ],
    [
      'needs a human',
      { result: 'stalled', action: { kind: 'noop', stalled: true, reason: 'targets cannot be changed' } },
      { Ready: 'False/NeedsAttention', Reconciling: 'False/Idle', Stalled: 'True/NeedsAttention' },
    ],
    [
      'suspended',
      { desired: aDesired({ suspend: true }), action: { kind: 'noop', reason: 'suspended: spec.suspend is true' } },
      { Ready: 'True/Suspended', Reconciling: 'False/Idle', Stalled: 'False/Idle' },
    ],
  ])('%s', (_name, over, expected) => {
    expect(conditions(statusFor(report(over), { generation: 3, now: T0 }))).toEqual(expected);
  });

  it('fills the job fields and counts from the observation, with observedGeneration on the status and each condition', () => {
    const s = statusFor(report({ observed: anObserved('IN_PROGRESS', { counts }), action: { kind: 'noop', jobId: 'fw', reason: 'in sync' } }), {
      generation: 7,
      now: T0,
    });
    expect(s).toMatchObject({
      observedGeneration: 7,
      jobId: 'fw',
      jobArn: 'arn:aws:iot:us-east-1:123456789012:job/fw',
      awsStatus: 'IN_PROGRESS',
      lastSyncTime: T0,
      executions: { succeeded: 3, failed: 1, queued: 2, inProgress: 0 },
    });
    expect(s.conditions!.every((c) => c.observedGeneration === 7)).toBe(true);
    expect(s.conditions![0]!.message).toBe('job fw is IN_PROGRESS: 3 of 6 executions succeeded, 1 failed, 2 pending');
    expect(s.lastError).toBeUndefined();
  });

  it('keeps lastTransitionTime while a condition keeps its status, and moves it when the status flips', () => {
    const first = statusFor(report({ observed: anObserved(), action: { kind: 'noop', reason: 'in sync' } }), { generation: 1, now: T0 });
    const same = statusFor(report({ observed: anObserved(), action: { kind: 'noop', reason: 'in sync' } }), { generation: 1, previous: first, now: T1 });
    expect(same.conditions!.map((c) => c.lastTransitionTime)).toEqual([T0, T0, T0, T0]);
    const failed = statusFor(report({ result: 'error', error: 'boom' }), { generation: 1, previous: same, now: T1 });
    expect(Object.fromEntries(failed.conditions!.map((c) => [c.type, c.lastTransitionTime]))).toEqual({ Ready: T1, Reconciling: T1, Stalled: T0, Healthy: T0 });
  });

  it('keeps what it did not observe this time (a failure before AWS was read) and records the error', () => {
    const good = statusFor(report({ observed: anObserved('IN_PROGRESS', { counts }), action: { kind: 'noop', reason: 'in sync' } }), {
      generation: 1,
      now: T0,
    });
    const bad = statusFor(report({ result: 'error', error: 'ThrottlingException' }), { generation: 1, previous: good, now: T1 });
    expect(bad).toMatchObject({ jobId: 'fw', awsStatus: 'IN_PROGRESS', executions: good.executions, lastError: 'ThrottlingException' });
  });

  it('tells a real change from a new lastSyncTime', () => {
    const a = statusFor(report({ observed: anObserved(), action: { kind: 'noop', reason: 'in sync' } }), { generation: 1, now: T0 });
    const b = statusFor(report({ observed: anObserved(), action: { kind: 'noop', reason: 'in sync' } }), { generation: 1, previous: a, now: T1 });
    expect(statusChanged(a, b)).toBe(false);
    expect(
      statusChanged(
        a,
        statusFor(report({ observed: anObserved('COMPLETED'), action: { kind: 'noop', reason: 'in sync' } }), { generation: 1, previous: a, now: T1 }),
      ),
    ).toBe(true);
  });
});

describe('statusFor (rollout health, the Healthy condition)', () => {
  /** A reconcile that read the job, judged as the reconciler judges it (with `ratio` as --degraded-failure-ratio). */
  const read = (over: Partial<ReturnType<typeof anObserved>>, desired = aDesired(), ratio = DEFAULT_DEGRADED_RATIO) => {
    const r = report({ desired, observed: { ...anObserved('IN_PROGRESS'), ...over }, action: { kind: 'noop', jobId: 'fw', reason: 'in sync' } });
    return { ...r, health: rolloutHealth(r, ratio) };
  };
  const counts = (failed: number, succeeded: number, queued = 0) => ({ ...anObserved().counts, FAILED: failed, SUCCEEDED: succeeded, QUEUED: queued });

  it('is Degraded, while Ready stays True, when the failed share of all executions passes the threshold (regression: 12% failures read Ready and nothing else)', () => {
    const s = statusFor(read({ counts: counts(12, 88) }), { now: T0 });
    expect(conditions(s).Ready).toBe('True/Synced');
    expect(health(s)).toBe('False/Degraded: 12 of 100 executions (12%) failed, timed out or were rejected; above the 10% threshold');
    expect(s.progress).toBe('100/100');
  });

  it('counts timed-out and rejected executions as failures, against a configured threshold', () => {
    const c = { ...counts(1, 80, 10), TIMED_OUT: 4, REJECTED: 5 };
    expect(health(statusFor(read({ counts: c }, aDesired(), 0.2), { now: T0 }))).toBe(
      'True/Healthy: 10 of 100 executions (10%) failed, timed out or were rejected',
    );
    expect(health(statusFor(read({ counts: c }, aDesired(), 0.05), { now: T0 }))).toMatch(/^False\/Degraded: /);
  });

  it('is NotStarted before any execution, and Unknown before the job was ever read', () => {
    expect(health(statusFor(read({ counts: counts(0, 0) }), { now: T0 }))).toBe('True/NotStarted: job fw has no executions yet');
    expect(health(statusFor(report({ action: { kind: 'create', jobId: 'fw', reason: 'no job fw exists' } }), { now: T0 }))).toBe(
      'Unknown/Unknown: the job has not been read',
    );
  });

  it("is Aborted when AWS canceled a job by its abort criteria, with AWS's reason; a cancel the spec asked for is no health problem", () => {
    const abortConfig = {
      criteriaList: [{ failureType: 'FAILED' as const, action: 'CANCEL' as const, thresholdPercentage: 10, minNumberOfExecutedThings: 2 }],
    };
    const aborted = { status: 'CANCELED' as const, reasonCode: 'ABORT_CRITERIA_MET', comment: 'criterion 0 met', counts: counts(1, 1, 8) };
    expect(health(statusFor(read(aborted, aDesired({ abortConfig }), 0.5), { now: T0 }))).toBe(
      'False/Aborted: AWS aborted job fw: ABORT_CRITERIA_MET: criterion 0 met',
    );
    expect(health(statusFor(read(aborted, aDesired(), 0.5), { now: T0 }))).toMatch(/^False\/CanceledInAWS: job fw was canceled in AWS, not by its spec/);
    expect(health(statusFor(read(aborted, aDesired({ state: 'Canceled' }), 0.5), { now: T0 }))).toMatch(/^True\/Healthy/);
  });

  it('keeps the judgement of the same job through a reconcile that did not read it', () => {
    const first = statusFor(read({ counts: counts(50, 50) }), { now: T0, generation: 1 });
    const later = statusFor(report({ result: 'error', error: 'socket hang up', outcome: 'failed' }), { now: T1, previous: first, generation: 2 });
    expect(health(later)).toBe(health(first));
    expect(later.conditions!.find((c) => c.type === 'Healthy')!.observedGeneration).toBe(2);
  });
});

describe('statusFor (a staged rollout)', () => {
  const waves = [
    { name: 'canary', targets: ['thingGroup:canary'] },
    { name: 'fleet', targets: ['thingGroup:fleet'] },
  ];
  const staged = aDesired({ targets: undefined, waves });

  it('carries the waves and sums up the running one for the printer column; a Held wave is Stalled', () => {
    const judged: ReconcileReport['waves'] = [
      { name: 'canary', phase: 'Held', gate: 'canary: 2 of 2 finished, 50% succeeded < 100% required' },
      { name: 'fleet', phase: 'Pending' },
    ];
    const action = { kind: 'noop' as const, jobId: 'fw', stalled: true, reason: 'Held: canary failed its gate' };
    const s = statusFor(report({ desired: staged, observed: anObserved(), waves: judged, action, outcome: 'stalled', result: 'stalled' }), { now: T0 });
    expect(s.waves).toEqual(judged);
    expect(s.wave).toBe('1/2 canary: Held');
    expect(conditions(s)).toMatchObject({ Ready: 'False/NeedsAttention', Stalled: 'True/NeedsAttention' });
  });

  it('names the last wave once every wave passed, and keeps the previous waves when a reconcile did not judge them', () => {
    const passed: ReconcileReport['waves'] = [
      { name: 'canary', phase: 'Passed' },
      { name: 'fleet', phase: 'Passed' },
    ];
    const first = statusFor(report({ desired: staged, waves: passed }), { now: T0 });
    expect(first.wave).toBe('2/2 fleet: Passed');
    const later = statusFor(report({ desired: staged, result: 'error', error: 'socket hang up', outcome: 'failed' }), { now: T1, previous: first });
    expect(later.waves).toEqual(passed);
    expect(statusFor(report({}), { now: T1 }).wave).toBeUndefined();
  });
});
