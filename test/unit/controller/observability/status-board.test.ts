import { describe, expect, it } from 'vitest';
import { DEFAULT_DEGRADED_RATIO, rolloutHealth } from '../../../../controller/model/health.js';
import type { ReconcileReport } from '../../../../controller/model/report.js';
import { StatusBoard } from '../../../../controller/observability/status-board.js';
import { bar, renderStatus } from '../../../../controller/observability/status-text.js';
import { aDesired, anObserved } from '../../../helpers/builders.js';

const STATUSES = ['QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED'] as const;

function board(problems: { file: string; line?: number; field?: string; message: string }[] = []): StatusBoard {
  return new StatusBoard({
    source: { kind: 'directory', status: () => ({ revision: 'abc123', problems }) },
    ready: () => true,
    now: () => Date.parse('2026-11-29T10:00:00Z'),
  });
}

/** Records a reconcile as the reconciler hands it on: with the rollout's health judged when the job was read (at the default 10%). */
function record(b: StatusBoard, r: ReconcileReport): void {
  b.record(r.observed ? { ...r, health: rolloutHealth(r, DEFAULT_DEGRADED_RATIO) } : r);
}

describe('the status board', () => {
  it('keeps the last observation per manifest, and forgets a job that is gone', () => {
    const b = board();
    const counts = { ...anObserved().counts, SUCCEEDED: 3, QUEUED: 1 };
    record(b, {
      key: 'fw',
      desired: aDesired(),
      observed: anObserved('IN_PROGRESS', { counts }),
      outcome: 'unchanged',
      result: 'success',
      revision: 'abc123',
      action: { kind: 'noop', jobId: 'fw', reason: 'in sync' },
    });
    record(b, { key: 'fw', desired: aDesired(), outcome: 'failed', result: 'error', error: 'ThrottlingException' });
    const [job] = b.view().jobs;
    expect(job).toMatchObject({
      key: 'fw',
      jobId: 'fw',
      awsStatus: 'IN_PROGRESS',
      counts: { SUCCEEDED: 3, QUEUED: 1 },
      lastError: 'ThrottlingException',
      lastAction: 'noop (unchanged): in sync',
    });
    b.forgetJob('fw');
    expect(b.view().jobs[0]).toMatchObject({ key: 'fw', jobId: undefined, counts: { SUCCEEDED: 0 } });
    record(b, { key: 'fw', outcome: 'unchanged', result: 'success', action: { kind: 'noop', reason: 'no manifest and no job' } });
    expect(b.view().jobs).toEqual([]);
  });

  it('reports the source revision and problems', () => {
    const v = board([{ file: 'a.yaml', line: 5, field: 'spec.targetz', message: 'is not a known field' }]).view();
    expect(v).toMatchObject({
      source: 'directory',
      revision: 'abc123',
      ready: true,
      sourceProblems: ['a.yaml:5: spec.targetz: is not a known field'],
      generatedAt: '2026-11-29T10:00:00.000Z',
    });
  });
});

describe('one view of health (regressions: a Stalled IoTJob was absent, a refused change read as applied with no error)', () => {
  const desired = aDesired();

  it('keeps a key that cannot be reconciled (a missing ConfigMap: no desired job, no job in AWS), with why, and counts it in the summary', () => {
    const b = board();
    record(b, {
      key: 'ns/ok',
      desired,
      observed: anObserved('IN_PROGRESS'),
      outcome: 'unchanged',
      result: 'success',
      action: { kind: 'noop', reason: 'in sync' },
    });
    const why = 'spec.documentConfigMap: ConfigMap ns/ota-doc does not exist';
    record(b, { key: 'ns/cm', outcome: 'stalled', result: 'stalled', action: { kind: 'noop', stalled: true, reason: why } });
    const v = b.view();
    expect(v.jobs.map((j) => j.key)).toEqual(['ns/cm', 'ns/ok']);
    expect(v.jobs[0]).toMatchObject({ ready: 'False', reason: 'NeedsAttention', message: why, lastError: why });
    expect(v.summary).toEqual({ manifests: 2, ready: 1, notReady: 1, stalled: 1, unhealthy: 0 });
    expect(renderStatus(v, { width: 8 })).toContain(`ns/cm  job (none yet)  —  NOT READY NeedsAttention  Unknown\n  [········]\n`);
  });

  it('shows the revision AWS holds while a newer one is refused, and the refusal as the error', () => {
    const b = board();
    const o = anObserved('COMPLETED');
    record(b, { key: 'fw', desired, observed: o, outcome: 'unchanged', result: 'success', revision: 'r1', action: { kind: 'noop', reason: 'in sync' } });
    const refused = 'document cannot be changed on an existing job; set spec.replacePolicy: Recreate';
    record(b, {
      key: 'fw',
      desired,
      observed: o,
      outcome: 'stalled',
      result: 'stalled',
      revision: 'r2',
      action: { kind: 'noop', stalled: true, reason: refused },
    });
    const [j] = b.view().jobs;
    expect(j).toMatchObject({ revision: 'r2', appliedRevision: 'r1', ready: 'False', lastError: refused });
    const text = renderStatus(b.view(), { width: 8 });
    expect(text).toContain(`  not ready: ${refused}\n  applied: rev r1 (rev r2 is not)\n`);
    expect(text).not.toContain('last error');
  });

  it('judges rollout health as the Healthy condition does, and keeps it through a reconcile that did not read the job', () => {
    const b = board();
    const counts = { ...anObserved().counts, FAILED: 12, SUCCEEDED: 88 };
    record(b, {
      key: 'fw',
      desired,
      observed: anObserved('COMPLETED', { counts }),
      outcome: 'unchanged',
      result: 'success',
      action: { kind: 'noop', reason: 'in sync' },
    });
    record(b, { key: 'fw', desired, outcome: 'failed', result: 'error', error: 'socket hang up' });
    const [j] = b.view().jobs;
    expect(j!.health).toMatchObject({ status: 'False', reason: 'Degraded' });
    expect(renderStatus(b.view(), { width: 8 })).toContain(
      '  degraded: 12 of 100 executions (12%) failed, timed out or were rejected; above the 10% threshold\n',
    );
  });

  it('selects the jobs needing attention, by text, and a page of them, while the summary counts all', () => {
    const b = board();
    for (let i = 0; i < 250; i++) {
      const key = `fw-${String(i).padStart(3, '0')}`;
      if (i % 50 === 0) record(b, { key, outcome: 'stalled', result: 'stalled', action: { kind: 'noop', stalled: true, reason: 'held' } });
      else
        record(b, { key, desired, observed: anObserved('IN_PROGRESS'), outcome: 'unchanged', result: 'success', action: { kind: 'noop', reason: 'in sync' } });
    }
    const page = b.view({ offset: 100, limit: 100 });
    expect([page.matched, page.offset, page.jobs.length, page.jobs[0]!.key]).toEqual([250, 100, 100, 'fw-100']);
    expect(page.summary).toMatchObject({ manifests: 250, ready: 245, stalled: 5 });
    expect(b.view({ show: 'attention' }).jobs.map((j) => j.key)).toEqual(['fw-000', 'fw-050', 'fw-100', 'fw-150', 'fw-200']);
    expect(b.view({ q: 'FW-24' }).jobs.map((j) => j.key)).toEqual([...Array(10).keys()].map((i) => `fw-24${i}`));
    expect(renderStatus(b.view({ show: 'attention', limit: 2 }))).toContain('250 manifests: 245 ready, 5 not ready (5 stalled) · showing 2 of 5 matching');
  });
});

describe('the status text', () => {
  it('draws a stacked bar whose segments add up to the width', () => {
    const counts = { QUEUED: 1, IN_PROGRESS: 1, SUCCEEDED: 6, FAILED: 2, TIMED_OUT: 0, REJECTED: 0, REMOVED: 0, CANCELED: 0 };
    const b = bar(counts, STATUSES, 20, false);
    expect([...b]).toHaveLength(20);
    expect(b).toBe('░░▒▒████████████████');
    expect(bar({ ...counts, QUEUED: 0, IN_PROGRESS: 0, SUCCEEDED: 0, FAILED: 0 }, STATUSES, 5, false)).toBe('·····');
    expect(bar(counts, STATUSES, 10, true)).toContain('\x1b[32m');
  });

  it('prints every job with its bar, counts, share done and last error', () => {
    const b = board();
    record(b, {
      key: 'fw',
      desired: aDesired(),
      observed: anObserved('IN_PROGRESS', { counts: { ...anObserved().counts, SUCCEEDED: 3, QUEUED: 1 } }),
      outcome: 'failed',
      result: 'error',
      error: 'boom',
      revision: 'abc123',
    });
    const text = renderStatus(b.view(), { width: 8 });
    expect(text).toContain('directory source, revision abc123 · 1 manifest: 0 ready, 1 not ready · ready');
    expect(text).toContain('fw  job fw  IN_PROGRESS  NOT READY ReconcileFailed  Healthy  rev abc123');
    expect(text).toContain('  [░░██████] 75% (3/4)');
    expect(text).toContain('queued 1  in progress 0  succeeded 3  failed 0');
    expect(text).toContain('not ready: boom');
  });

  it("prints a staged rollout's waves and the running wave's gate in words, and keeps them when a reconcile did not judge them", () => {
    const b = board();
    const desired = aDesired({
      targets: undefined,
      waves: [
        { name: 'canary', targets: ['thingGroup:canary'] },
        { name: 'fleet', targets: ['thingGroup:fleet'] },
      ],
    });
    const waves = [
      { name: 'canary', phase: 'Baking' as const, gate: 'canary: 10 of 10 finished, 100% succeeded: the gate holds' },
      { name: 'fleet', phase: 'Pending' as const },
    ];
    record(b, { key: 'fw', desired, observed: anObserved(), waves, outcome: 'waiting', result: 'requeue' });
    record(b, { key: 'fw', desired, outcome: 'failed', result: 'error', error: 'socket hang up' });
    const text = renderStatus(b.view(), { width: 8 });
    expect(text).toContain(
      '  not ready: socket hang up\n  waves: canary Baking · fleet Pending\n  gate: canary: 10 of 10 finished, 100% succeeded: the gate holds\n',
    );
  });

  it('shows control characters from user text as escapes, so an ANSI sequence cannot reach the terminal (regression)', () => {
    const b = board();
    record(b, {
      key: 'fw',
      desired: aDesired(),
      observed: anObserved('IN_PROGRESS'),
      outcome: 'failed',
      result: 'error',
      error: 'AWS said \x1b[2J\x1b[31mred\u009b',
      revision: 'r\x07',
    });
    const text = renderStatus(b.view(), { width: 8 });
    // C0 controls but the newline, DEL and the C1 controls, by character code.
    const isControl = (code: number): boolean => (code <= 0x1f && code !== 0x0a) || (code >= 0x7f && code <= 0x9f);
    expect(text.split('').filter((c) => isControl(c.charCodeAt(0)))).toEqual([]);
    expect(text).toContain('not ready: AWS said \\u001b[2J\\u001b[31mred\\u009b');
    expect(text).toContain('rev r\\u0007');
  });
});
