/** The desired-state index both sources share: change detection, claims and the problem gauge. */
import { describe, expect, it } from 'vitest';
import type { DesiredJob } from '../../../../controller/model/iot-job.js';
import { Metrics } from '../../../../controller/observability/metrics.js';
import { ClaimIndex, refusedClaims } from '../../../../controller/sources/claims.js';
import { DesiredIndex, type ConflictPolicy } from '../../../../controller/sources/desired-index.js';
import { defaultJobId, desiredJobOf, identityOf } from '../../../../controller/sources/desired-job.js';
import { aDesired } from '../../../helpers/builders.js';

const gauge = async (m: Metrics): Promise<number> => (await m.sourceProblems.get()).values[0]!.value;
const indexOf = <P = never, F = undefined>(conflicts: ConflictPolicy<string> = { kind: 'refuse-snapshot' }) => {
  const metrics = new Metrics({ defaultMetrics: false });
  return { metrics, index: new DesiredIndex<P, F>({ metrics, conflicts }) };
};

/** A job whose spec cannot be serialised: any digest of it throws. */
function undigestable(key: string): DesiredJob {
  const job = aDesired({}, key);
  return {
    ...job,
    spec: {
      ...job.spec,
      toJSON: () => {
        throw new Error('digest computed');
      },
    } as unknown as DesiredJob['spec'],
  };
}

describe('DesiredIndex.replace (a whole snapshot)', () => {
  it('reports added, edited and removed keys, and not a job whose content is unchanged in a new object', () => {
    const { index } = indexOf();
    expect(index.replace([aDesired({}, 'a'), aDesired({}, 'b'), aDesired({}, 'c')]).sort()).toEqual(['a', 'b', 'c']);
    expect(index.replace([aDesired({}, 'a'), aDesired({ description: 'new' }, 'b'), aDesired({}, 'd')]).sort()).toEqual(['b', 'c', 'd']);
    expect(index.keys().sort()).toEqual(['a', 'b', 'd']);
    expect(index.entry('b')!.job!.spec.description).toBe('new');
  });

  it('reports a changed resolved document or jobId though the spec object is the same', () => {
    const { index } = indexOf();
    const job = aDesired({}, 'a');
    index.replace([job]);
    expect(index.replace([{ ...job, document: '{"op":"other"}' }])).toEqual(['a']);
    expect(index.replace([{ ...job, document: '{"op":"other"}', jobId: 'a2' }])).toEqual(['a']);
  });

  it('skips a job object it already holds before computing any digest (the 10,000-manifest rescan stays cheap)', () => {
    const { index } = indexOf();
    const jobs = [undigestable('a'), undigestable('b')];
    index.replace(jobs);
    expect(index.replace(jobs)).toEqual([]);
    expect(() => index.replace([undigestable('a'), jobs[1]!])).toThrow('digest computed');
  });
});

describe('DesiredIndex.update (key by key)', () => {
  type Facts = { leaving: boolean };
  const entry = (job: DesiredJob, leaving = false) => ({ job, facts: { leaving } });

  it('reports a key whose facts, problem or job changed, and not one recomputed to the same', () => {
    const { index } = indexOf<{ message: string }, Facts>();
    expect(index.update(['a', 'b'], (k) => entry(aDesired({}, k)))).toEqual(['a', 'b']);
    expect(index.update(['a', 'b'], (k) => entry(aDesired({}, k)))).toEqual([]);
    expect(index.update(['a'], (k) => entry(aDesired({}, k), true))).toEqual(['a']);
    expect(index.update(['b'], () => ({ problem: { message: 'ConfigMap x does not exist' }, facts: { leaving: false } }))).toEqual(['b']);
    expect(index.update(['b'], () => ({ problem: { message: 'ConfigMap x does not exist' }, facts: { leaving: false } }))).toEqual([]);
    expect(index.update(['a', 'b'], () => undefined)).toEqual(['a', 'b']);
    expect(index.keys()).toEqual([]);
  });

  it('keeps iotjobs_source_problems at the keys with a problem plus the problems of a refused snapshot', async () => {
    const { index, metrics } = indexOf<{ message: string }>();
    index.update(['a', 'b', 'c'], (k) => (k === 'c' ? { job: aDesired({}, k) } : { problem: { message: 'bad' } }));
    expect(await gauge(metrics)).toBe(2);
    index.update(['a'], (k) => ({ job: aDesired({}, k) }));
    expect(await gauge(metrics)).toBe(1);
    index.refused(3);
    expect(await gauge(metrics)).toBe(4);
    index.refused(0);
    index.update(['b'], () => undefined);
    expect(await gauge(metrics)).toBe(0);
  });
});

describe('claims', () => {
  it('older-wins: the claimant of least age holds a jobId whatever the claim order, and a release hands it on', () => {
    const age: Record<string, string> = { 'ns/new': '2025-02-01T00:00:00Z|ns/new', 'ns/old': '2025-01-01T00:00:00Z|ns/old' };
    const { index } = indexOf({ kind: 'older-wins', age: (k) => age[k]! });
    index.claim('ns/new', undefined, 'shared');
    index.claim('ns/old', undefined, 'shared');
    index.claim('ns/other', undefined, 'other');
    expect(index.holder('shared')).toBe('ns/old');
    expect([...index.withClaimants(['ns/new'], () => 'shared')].sort()).toEqual(['ns/new', 'ns/old']);
    index.claim('ns/old', 'shared', 'renamed');
    expect(index.holder('shared')).toBe('ns/new');
    expect(index.holder('renamed')).toBe('ns/old');
    index.claim('ns/new', 'shared', undefined);
    expect(index.holder('shared')).toBeUndefined();
  });

  it('refuse-snapshot: the first claimant holds a value, and claiming twice changes nothing', () => {
    const claims = new ClaimIndex<string>({ kind: 'refuse-snapshot' });
    for (const c of ['b', 'a', 'b']) claims.claim('v', c);
    expect(claims.holder('v')).toBe('b');
    expect(claims.claimants('v')).toEqual(['b', 'a']);
    claims.release('v', 'b');
    expect(claims.claimants('v')).toEqual(['a']);
  });

  it("refusedClaims names each later claimant of a jobId or a name, at its place, and the first one's place", () => {
    const at = (job: DesiredJob, file: string): DesiredJob => ({ ...job, origin: { file, doc: 0, line: 3 } });
    const jobs = [
      at(aDesired({ jobId: 'x' }, 'one'), 'a.yaml'),
      at(aDesired({ jobId: 'y' }, 'two'), 'b.yaml'),
      at(aDesired({ jobId: 'y' }, 'three'), 'c.yaml'),
      at(aDesired({ jobId: 'z' }, 'one'), 'd.yaml'),
    ];
    expect(refusedClaims(jobs)).toEqual([
      { file: 'c.yaml', line: 3, field: 'spec.jobId', message: 'jobId "y" is also claimed by b.yaml:3' },
      { file: 'd.yaml', line: 3, field: 'metadata.name', message: 'name "one" is also claimed by a.yaml:3' },
    ]);
    expect(refusedClaims(jobs.slice(0, 2))).toEqual([]);
  });
});

describe('desired-job assembly', () => {
  const origin = { file: 'ns/fw', doc: 0, line: 0 };

  it('defaults the jobId to the name and words a bad one as a problem on metadata.name', () => {
    expect(identityOf({ key: 'ns/fw', name: 'fw', spec: { targets: ['thing:t'], document: {} }, origin, generation: 2 })).toEqual({
      key: 'ns/fw',
      jobId: 'fw',
      spec: { targets: ['thing:t'], document: {} },
      origin,
      generation: 2,
    });
    expect(identityOf({ key: 'fw v2', name: 'fw v2', spec: { targets: ['thing:t'], document: {} }, origin })).toMatchObject({
      field: 'metadata.name',
      message: 'the name "fw v2" gives no valid default jobId (letters, digits, - and _, at most 64); set spec.jobId',
    });
  });

  it('derives a valid default jobId from every Kubernetes name: dots become underscores, a long name is cut with a hash', () => {
    expect(defaultJobId('sensor-firmware-2.4.1')).toBe('sensor-firmware-2_4_1');
    expect(defaultJobId('fw')).toBe('fw');
    const long = `${'a'.repeat(60)}.v2.${'b'.repeat(100)}`;
    const id = defaultJobId(long);
    expect(id).toMatch(/^a{55}-[0-9a-f]{8}$/);
    expect(id).toHaveLength(64);
    expect(defaultJobId(`${long}c`)).not.toBe(id);
    expect(defaultJobId('x'.repeat(64))).toBe('x'.repeat(64));
    expect(identityOf({ key: 'ns/a.b', name: 'a.b', spec: { targets: ['thing:t'], document: {} }, origin })).toMatchObject({ jobId: 'a_b' });
  });

  it('resolves the document, or names the spec field at fault', () => {
    expect(desiredJobOf({ key: 'fw', name: 'fw', spec: { targets: ['thing:t'], document: { op: 1 } }, origin }, {})).toMatchObject({
      jobId: 'fw',
      document: '{"op":1}',
    });
    const ref = { name: 'cm', key: 'job.json' };
    expect(
      desiredJobOf(
        { key: 'fw', name: 'fw', spec: { targets: ['thing:t'], documentConfigMap: ref }, origin },
        { configMap: () => ({ error: 'ConfigMap ns/cm does not exist' }) },
      ),
    ).toEqual({ field: 'spec.documentConfigMap', message: 'ConfigMap ns/cm does not exist' });
    expect(
      desiredJobOf({ key: 'fw', name: 'fw', spec: { targets: ['thing:t'], documentConfigMap: ref }, origin }, { configMap: () => ({ text: '{ no' }) }),
    ).toEqual({ field: 'spec.documentConfigMap', message: 'the job document is not valid JSON' });
  });
});
