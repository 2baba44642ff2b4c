/**
 * --expect (controller/rehearse/expect.ts): the grammar, its errors in words, and judging against
 * the base rehearsal or the one at a failure rate, per job or for every job.
 */
import { describe, expect, it } from 'vitest';
import { parseExpectation, unmet } from '../../../../controller/rehearse/expect.js';
import type { JobTimeline, RehearsalResult } from '../../../../controller/rehearse/result.js';

const job = (key: string, over: Partial<JobTimeline> = {}): JobTimeline => ({
  key,
  jobId: key,
  outcome: 'completed',
  detail: '',
  exposed: 100,
  targeted: 100,
  stoppedAt: 7_200_000,
  waves: [{ name: 'all', size: 100, exposed: 100, succeeded: 90, failed: 10, phase: 'Passed', series: [] }],
  events: [],
  ...over,
});
const result = (failureRate: number | undefined, jobs: JobTimeline[]): RehearsalResult => ({
  failureRate,
  startedAt: 0,
  durationMs: 0,
  horizonReached: false,
  wallMs: 0,
  things: 100,
  jobs,
  warnings: [],
});

describe('--expect', () => {
  it('parses a key, metric, operator, value and rate', () => {
    expect(parseExpectation('fw:exposed<=500@0.3')).toMatchObject({ key: 'fw', metric: 'exposed', op: '<=', value: '500', rate: 0.3 });
    expect(parseExpectation(' outcome == held ')).toMatchObject({ key: undefined, metric: 'outcome', op: '==', value: 'held', rate: undefined });
  });

  it.each([
    ['exposed 500', 'must look like [KEY:]METRIC OP VALUE[@RATE]'],
    ['blast<=5', 'unknown metric "blast"; use exposed, succeeded, failed, hours, outcome'],
    ['outcome<=held', 'outcome compares with == or != only'],
    ['exposed<=many', '"many" is not a number'],
    ['exposed<=5@1.5', 'the failure rate after @ must be from 0 to 1, got 1.5'],
  ])('refuses %s, saying why', (text, why) => {
    expect(() => parseExpectation(text)).toThrow(`--expect '${text}': ${why}`);
  });

  it('judges on the rehearsal at the rate, every job without a key, and names what was found', () => {
    const results = [result(undefined, [job('a'), job('b', { exposed: 40 })]), result(0.3, [job('a', { exposed: 700, outcome: 'held' }), job('b')])];
    const judged = (text: string): string[] => unmet([parseExpectation(text)], results).map((u) => u.why);
    expect(judged('exposed>=50')).toEqual(['b: exposed is 40']);
    expect(judged('a:exposed<=500@0.3')).toEqual(['a: exposed is 700']);
    expect(judged('a:outcome==held@0.3')).toEqual([]);
    expect(judged('hours<2.5')).toEqual([]);
    expect(judged('failed==10')).toEqual([]);
    expect(judged('c:exposed<1')).toEqual(['no job with key c']);
    expect(judged('exposed<1@0.9')).toEqual(['no rehearsal at failure rate 0.9']);
    expect(judged('hours<1000')).toEqual([]);
    expect(unmet([parseExpectation('hours<1000')], [result(undefined, [job('a', { stoppedAt: undefined })])]).map((u) => u.why)).toEqual([
      'a: hours is Infinity',
    ]);
  });
});
