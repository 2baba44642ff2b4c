import { describe, expect, it } from 'vitest';
import { identify, type IdentityInput, type JobOwner } from '../../../../controller/plan/job-identity.js';

const ME = 'ctl';
const ours = (jobId: string, sourceKey: string): JobOwner => ({ jobId, managedBy: ME, sourceKey });
const human = (jobId: string): JobOwner => ({ jobId });
const input = (over: Partial<IdentityInput>): IdentityInput => ({
  base: 'fw',
  key: 'fw',
  controllerId: ME,
  candidates: [],
  remembered: [],
  declared: () => false,
  mayTakeOver: true,
  ...over,
});

describe("identify: a job is a manifest's by its tags, never by its id alone", () => {
  it.each<[string, Partial<IdentityInput>, ReturnType<typeof identify>]>([
    ['nothing in AWS', {}, { kind: 'none' }],
    ['its own job', { candidates: [ours('fw', 'fw')] }, { kind: 'own', jobId: 'fw' }],
    ['its newest replacement', { candidates: [ours('fw', 'fw'), ours('fw-r3', 'fw'), ours('fw-r2', 'fw')] }, { kind: 'own', jobId: 'fw-r3' }],
    [
      "another manifest's look-alike pp-r2 is not pp's",
      { base: 'pp', key: 'pp', candidates: [ours('pp', 'pp'), ours('pp-r2', 'pp-r2')], declared: (k) => k === 'pp-r2' },
      { kind: 'own', jobId: 'pp' },
    ],
    ["a human's fw-r2 does not stop fw from being created", { candidates: [human('fw-r2')] }, { kind: 'none' }],
    ["a human's job with the exact id is reported (or adopted)", { candidates: [human('fw'), human('fw-r2')] }, { kind: 'other', jobId: 'fw' }],
    ['a job of another declared manifest is reported', { candidates: [ours('fw', 'other')], declared: (k) => k === 'other' }, { kind: 'other', jobId: 'fw' }],
    [
      'a rename takes over the newest job of the old name',
      { key: 'fw-new', candidates: [ours('fw', 'fw-old'), ours('fw-r2', 'fw-old'), ours('fw-r3', 'someone')], declared: (k) => k === 'someone' },
      { kind: 'takeover', jobId: 'fw-r2', from: 'fw-old' },
    ],
    [
      'a rename takes over even when the old base job was deleted (regression: it created fw again)',
      { key: 'b', candidates: [ours('fw-r2', 'a')] },
      { kind: 'takeover', jobId: 'fw-r2', from: 'a' },
    ],
    [
      "two removed manifests' families are not guessed between: reported",
      { key: 'b', candidates: [ours('fw-r2', 'a'), ours('fw-r3', 'c')] },
      { kind: 'other', jobId: 'fw-r3' },
    ],
    [
      'Kubernetes: a job of an IoTJob out of view is never taken over (regression: cross-namespace hijack)',
      { key: 'staging/x', mayTakeOver: false, candidates: [ours('fw', 'prod/x')] },
      { kind: 'other', jobId: 'fw' },
    ],
    ['Kubernetes: nor a look-alike of one', { key: 'staging/x', mayTakeOver: false, candidates: [ours('fw-r2', 'prod/x')] }, { kind: 'other', jobId: 'fw-r2' }],
    ['its newest job deleted by someone else is gone', { candidates: [ours('fw', 'fw')], remembered: ['fw', 'fw-r2'] }, { kind: 'gone', jobId: 'fw-r2' }],
    [
      'its only job deleted by someone else is gone, even if a human reused a look-alike',
      { candidates: [human('fw-r2')], remembered: ['fw'] },
      { kind: 'gone', jobId: 'fw' },
    ],
    ['its job re-tagged by someone else is reported, not gone', { candidates: [human('fw')], remembered: ['fw'] }, { kind: 'other', jobId: 'fw' }],
  ])('%s', (_name, over, expected) => {
    expect(identify(input(over))).toEqual(expected);
  });
});
