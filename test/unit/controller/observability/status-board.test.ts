import { describe, expect, it } from 'vitest';
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

describe('the status board', () => {
  it('keeps the last observation per manifest, and forgets a job that is gone', () => {
    const b = board();
    const counts = { ...anObserved().counts, SUCCEEDED: 3, QUEUED: 1 };
    b.record({
      key: 'fw',
      desired: aDesired(),
      observed: anObserved('IN_PROGRESS', { counts }),
      outcome: 'unchanged',
      result: 'success',
      revision: 'abc123',
      action: { kind: 'noop', jobId: 'fw', reason: 'in sync' },
    });
    b.record({ key: 'fw', desired: aDesired(), outcome: 'failed', result: 'error', error: 'ThrottlingException' });
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
    b.record({ key: 'fw', outcome: 'unchanged', result: 'success', action: { kind: 'noop', reason: 'no manifest and no job' } });
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
    b.record({
      key: 'fw',
      desired: aDesired(),
      observed: anObserved('IN_PROGRESS', { counts: { ...anObserved().counts, SUCCEEDED: 3, QUEUED: 1 } }),
      outcome: 'failed',
      result: 'error',
      error: 'boom',
      revision: 'abc123',
    });
    const text = renderStatus(b.view(), { width: 8 });
    expect(text).toContain('directory source, revision abc123 · 1 manifest · ready');
    expect(text).toContain('fw  job fw  IN_PROGRESS  rev abc123');
    expect(text).toContain('  [░░██████] 75%');
    expect(text).toContain('queued 1  in progress 0  succeeded 3  failed 0');
    expect(text).toContain('last error: boom');
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
    b.record({ key: 'fw', desired, observed: anObserved(), waves, outcome: 'waiting', result: 'requeue' });
    b.record({ key: 'fw', desired, outcome: 'failed', result: 'error', error: 'socket hang up' });
    const text = renderStatus(b.view(), { width: 8 });
    expect(text).toContain(
      '  waves: canary Baking · fleet Pending\n  gate: canary: 10 of 10 finished, 100% succeeded: the gate holds\n  last error: socket hang up',
    );
  });

  it('shows control characters from user text as escapes, so an ANSI sequence cannot reach the terminal (regression)', () => {
    const b = board();
    b.record({
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
    expect(text).toContain('last error: AWS said \\u001b[2J\\u001b[31mred\\u009b');
    expect(text).toContain('rev r\\u0007');
  });
});
