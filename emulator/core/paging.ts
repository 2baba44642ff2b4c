/**
 * Pagination for every list operation: items are ordered by a stable key and the opaque nextToken
 * names the last key returned, so a page boundary survives inserts and deletes between calls.
 */
import { invalidRequest } from './errors.js';

/** One page of results and the token for the next, absent on the last page. */
export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/** The page size when the caller gives none. The service does not document one. */
export const DEFAULT_PAGE_SIZE = 50;

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { after?: unknown }).after === 'string') {
      return (parsed as { after: string }).after;
    }
  } catch {
    // fall through to the error below
  }
  throw invalidRequest('nextToken is invalid');
}

function encodeToken(after: string): string {
  return Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
}

/**
 * Returns the page of `items` after `nextToken`, of at most `maxResults` items. `keyOf` must give
 * each item a unique key; items need not be sorted.
 */
export function paginate<T>(items: Iterable<T>, keyOf: (item: T) => string, maxResults: number | undefined, nextToken: string | undefined): Page<T> {
  const size = maxResults ?? DEFAULT_PAGE_SIZE;
  const after = nextToken ? decodeToken(nextToken) : undefined;
  const keyed: [string, T][] = [];
  for (const item of items) {
    const key = keyOf(item);
    if (after === undefined || key > after) keyed.push([key, item]);
  }
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const page = keyed.slice(0, size);
  const last = page[page.length - 1];
  return { items: page.map(([, item]) => item), nextToken: keyed.length > size && last ? encodeToken(last[0]) : undefined };
}
