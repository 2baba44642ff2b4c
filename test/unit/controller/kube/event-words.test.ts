import { describe, expect, it } from 'vitest';
import { eventOf } from '../../../../controller/kube/event-words.js';
import type { ReconcileReport } from '../../../../controller/model/report.js';

function report(over: Partial<ReconcileReport>): ReconcileReport {
  return { key: 'ns/fw', outcome: 'unchanged', result: 'success', ...over };
}

describe('Events in plain words (regression: they read like planner output, "Created: no job fw exists")', () => {
  it.each<[string, Partial<ReconcileReport>, string]>([
    ['a create', { outcome: 'created', action: { kind: 'create', jobId: 'fw', reason: 'no job fw exists' } }, 'Created: Created AWS IoT job fw'],
    [
      'an update',
      { outcome: 'configured', action: { kind: 'update', jobId: 'fw', fields: ['description'], reason: 'description differ from the manifest' } },
      'Updated: Updated description of AWS IoT job fw, because description differ from the manifest',
    ],
    [
      'a replacement',
      {
        outcome: 'replaced',
        action: { kind: 'replace', oldJobId: 'fw', jobId: 'fw-r2', cancelOld: true, reason: 'document changed; replacing job fw with fw-r2' },
      },
      'Replaced: Replaced AWS IoT job fw with job fw-r2 (job fw was canceled), because document changed; replacing job fw with fw-r2',
    ],
    [
      'a wave started',
      { outcome: 'promoted', action: { kind: 'promote', jobId: 'fw', wave: 'fleet', targets: ['a', 'b'], reason: 'canary passed' } },
      'WaveStarted: Started wave fleet of job fw on 2 targets',
    ],
    [
      'an execution canceled',
      { outcome: 'execution-canceled', action: { kind: 'cancel-execution', jobId: 'fw', thingName: 't1', force: true, reason: 'spec.executions' } },
      'ExecutionCanceled: Canceled the execution of job fw on thing t1 with force',
    ],
  ])('%s', (_what, over, expected) => {
    const e = eventOf(report(over))!;
    expect(e.type).toBe('Normal');
    expect(`${e.reason}: ${e.message}`).toBe(expected);
  });

  it('warns of a failure and of a stall, saying what happens next', () => {
    expect(eventOf(report({ outcome: 'failed', result: 'error', error: 'ThrottlingException' }))).toEqual({
      type: 'Warning',
      reason: 'ReconcileFailed',
      message: 'Reconcile failed and will be retried: ThrottlingException',
    });
    expect(eventOf(report({ outcome: 'stalled', result: 'stalled', action: { kind: 'noop', stalled: true, reason: 'targets cannot be changed' } }))).toEqual({
      type: 'Warning',
      reason: 'Stalled',
      message: 'Needs attention, nothing was changed in AWS IoT: targets cannot be changed',
    });
  });

  it('records nothing when AWS was left as it was', () => {
    expect(eventOf(report({ action: { kind: 'noop', reason: 'in sync' } }))).toBeUndefined();
    expect(eventOf(report({ outcome: 'waiting', result: 'requeue', action: { kind: 'wait', afterMs: 1, reason: 'deleting' } }))).toBeUndefined();
  });
});
