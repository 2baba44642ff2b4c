import { describe, expect, it } from 'vitest';
import { errorCode, groupArn, Harness, thingArn } from '../../../helpers/service.js';
import type { OperationName } from '../../../../emulator/core/service.js';

/** Pages through a list operation and returns every item and the number of pages. */
function all(h: Harness, op: OperationName, input: Record<string, unknown>, key: string, maxResults: number): { items: unknown[]; pages: number } {
  const items: unknown[] = [];
  let nextToken = input.nextToken as string | undefined;
  let pages = 0;
  do {
    const out = h.call(op, { ...input, maxResults, nextToken }) as Record<string, unknown>;
    items.push(...(out[key] as unknown[]));
    nextToken = out.nextToken as string | undefined;
    pages++;
  } while (nextToken);
  return { items, pages };
}

describe('pagination', () => {
  const h = new Harness();
  const things = h.fleet('g', 7);
  for (let i = 0; i < 7; i++) h.createJob(`job-${i}`, [groupArn('g')]);

  it.each([
    ['ListJobs', {}, 'jobs', 7],
    ['ListJobExecutionsForJob', { jobId: 'job-0' }, 'executionSummaries', 7],
    ['ListJobExecutionsForThing', { thingName: 't-1' }, 'executionSummaries', 7],
    ['ListThings', {}, 'things', 7],
    ['ListThingsInThingGroup', { thingGroupName: 'g' }, 'things', 7],
  ] as const)('%s pages with maxResults and nextToken, each item once', (op, input, key, total) => {
    const { items, pages } = all(h, op, input, key, 3);
    expect(items).toHaveLength(total);
    expect(new Set(items.map((i) => JSON.stringify(i))).size).toBe(total);
    expect(pages).toBe(3);
  });

  it('a page boundary survives deletions between calls', () => {
    const first = h.call('ListThingsInThingGroup', { thingGroupName: 'g', maxResults: 3 }) as { things: string[]; nextToken: string };
    h.call('RemoveThingFromThingGroup', { thingGroupName: 'g', thingName: first.things[0]! });
    const rest = all(h, 'ListThingsInThingGroup', { thingGroupName: 'g', nextToken: first.nextToken }, 'things', 250);
    expect([...first.things, ...(rest.items as string[])].sort()).toEqual([...things].sort());
    h.call('AddThingToThingGroup', { thingGroupName: 'g', thingName: first.things[0]! });
  });

  it('refuses maxResults outside 1..250 and a forged nextToken', () => {
    expect(errorCode(() => h.call('ListJobs', { maxResults: 0 }))).toBe('InvalidRequestException');
    expect(errorCode(() => h.call('ListJobs', { maxResults: 251 }))).toBe('InvalidRequestException');
    expect(errorCode(() => h.call('ListJobs', { nextToken: 'garbage' }))).toBe('InvalidRequestException');
    expect((h.call('ListJobs', { maxResults: 250 }) as { nextToken?: string }).nextToken).toBeUndefined();
  });
});

describe('registry', () => {
  it('creates things idempotently, but refuses a conflicting re-create', () => {
    const h = new Harness();
    const a = h.call('CreateThing', { thingName: 'x', attributePayload: { attributes: { model: 'm1' } } });
    expect(h.call('CreateThing', { thingName: 'x', attributePayload: { attributes: { model: 'm1' } } })).toEqual(a);
    expect(errorCode(() => h.call('CreateThing', { thingName: 'x', attributePayload: { attributes: { model: 'm2' } } }))).toBe(
      'ResourceAlreadyExistsException',
    );
    expect(h.call('DescribeThing', { thingName: 'x' })).toMatchObject({ thingName: 'x', thingArn: thingArn('x'), attributes: { model: 'm1' }, version: 1 });
    expect(errorCode(() => h.call('DescribeThing', { thingName: 'nope' }))).toBe('ResourceNotFoundException');
  });

  it('adds and removes things by name or ARN, and lists group members recursively on request', () => {
    const h = new Harness();
    h.call('CreateThingGroup', { thingGroupName: 'root' });
    h.call('CreateThingGroup', { thingGroupName: 'leaf', parentGroupName: 'root' });
    h.call('CreateThing', { thingName: 'a' });
    h.call('CreateThing', { thingName: 'b' });
    h.call('AddThingToThingGroup', { thingGroupArn: groupArn('root'), thingArn: thingArn('a') });
    h.call('AddThingToThingGroup', { thingGroupName: 'leaf', thingName: 'b' });
    expect(h.call('ListThingsInThingGroup', { thingGroupName: 'root' })).toEqual({ things: ['a'] });
    expect(h.call('ListThingsInThingGroup', { thingGroupName: 'root', recursive: true })).toEqual({ things: ['a', 'b'] });
    h.call('RemoveThingFromThingGroup', { thingGroupName: 'root', thingName: 'a' });
    expect(h.call('ListThingsInThingGroup', { thingGroupName: 'root' })).toEqual({ things: [] });
    expect(h.call('DescribeThingGroup', { thingGroupName: 'leaf' })).toMatchObject({ thingGroupMetadata: { parentGroupName: 'root' } });
    expect(errorCode(() => h.call('AddThingToThingGroup', { thingGroupName: 'missing', thingName: 'a' }))).toBe('ResourceNotFoundException');
    expect(errorCode(() => h.call('CreateThingGroup', { thingGroupName: 'orphan', parentGroupName: 'missing' }))).toBe('ResourceNotFoundException');
  });

  it('ListThings filters by attribute', () => {
    const h = new Harness();
    h.call('CreateThing', { thingName: 'a', attributePayload: { attributes: { ring: 'canary' } } });
    h.call('CreateThing', { thingName: 'b', attributePayload: { attributes: { ring: 'main' } } });
    const names = (h.call('ListThings', { attributeName: 'ring', attributeValue: 'canary' }) as { things: { thingName: string }[] }).things.map(
      (t) => t.thingName,
    );
    expect(names).toEqual(['a']);
  });
});
