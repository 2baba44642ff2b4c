/**
 * Shared by the job and job template ports: a call whose ResourceNotFoundException means "gone",
 * a resource's tags read (every page) and tags written.
 */
import { ListTagsForResourceCommand, TagResourceCommand } from '@aws-sdk/client-iot';
import { tagList } from '../plan/fields.js';
import type { AwsOperation } from '../observability/metrics.js';
import { classify } from './errors.js';
import type { IotRequest, MeteredIot } from './metered-iot.js';

/** Runs a call that may answer ResourceNotFoundException; that answer becomes undefined. */
export async function orMissing<T>(iot: MeteredIot, operation: AwsOperation, request: IotRequest<T>, first = false): Promise<T | undefined> {
  try {
    return await iot.call(operation, request, first);
  } catch (err) {
    if (classify(err) === 'not-found') return undefined;
    throw err;
  }
}

/** A resource's tags, every page through the metered call (so its retries are counted); undefined when the resource is gone. */
export async function readTags(iot: MeteredIot, resourceArn: string): Promise<Record<string, string> | undefined> {
  const tags: Record<string, string> = {};
  let nextToken: string | undefined;
  do {
    const page = await orMissing(iot, 'ListTagsForResource', (c) => c.send(new ListTagsForResourceCommand({ resourceArn, nextToken })));
    if (page === undefined) return undefined;
    for (const t of page.tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
    nextToken = page.nextToken;
  } while (nextToken);
  return tags;
}

/** Sets these tags on a resource (TagResource), leaving its other tags alone. */
export async function tagResource(iot: MeteredIot, resourceArn: string, tags: Record<string, string>): Promise<void> {
  await iot.call('TagResource', (c) => c.send(new TagResourceCommand({ resourceArn, tags: tagList(tags) })));
}
