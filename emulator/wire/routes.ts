/**
 * The REST routes of both planes, as the service models define them (method, path template,
 * typed query members). The control plane and the jobs data plane share `/things/{thingName}/jobs`
 * paths; the server picks the plane from the SigV4 signing service before matching.
 */
import type { Plane } from '../core/errors.js';
import { invalidRequest } from '../core/errors.js';
import type { OperationName } from '../core/service.js';

type QueryType = 'string' | 'int' | 'bool';

/** One REST route. */
export interface Route {
  method: string;
  template: string;
  operation: OperationName;
  query?: Record<string, QueryType>;
}

const CONTROL: Route[] = [
  { method: 'PUT', template: '/jobs/{jobId}', operation: 'CreateJob' },
  { method: 'PATCH', template: '/jobs/{jobId}', operation: 'UpdateJob', query: { namespaceId: 'string' } },
  { method: 'PUT', template: '/jobs/{jobId}/cancel', operation: 'CancelJob', query: { force: 'bool' } },
  { method: 'DELETE', template: '/jobs/{jobId}', operation: 'DeleteJob', query: { force: 'bool', namespaceId: 'string' } },
  { method: 'GET', template: '/jobs/{jobId}', operation: 'DescribeJob', query: { beforeSubstitution: 'bool' } },
  { method: 'GET', template: '/jobs/{jobId}/job-document', operation: 'GetJobDocument', query: { beforeSubstitution: 'bool' } },
  {
    method: 'GET',
    template: '/jobs',
    operation: 'ListJobs',
    query: {
      status: 'string',
      targetSelection: 'string',
      maxResults: 'int',
      nextToken: 'string',
      thingGroupName: 'string',
      thingGroupId: 'string',
      namespaceId: 'string',
    },
  },
  { method: 'POST', template: '/jobs/{jobId}/targets', operation: 'AssociateTargetsWithJob', query: { namespaceId: 'string' } },
  {
    method: 'GET',
    template: '/jobs/{jobId}/things',
    operation: 'ListJobExecutionsForJob',
    query: { status: 'string', maxResults: 'int', nextToken: 'string' },
  },
  {
    method: 'GET',
    template: '/things/{thingName}/jobs',
    operation: 'ListJobExecutionsForThing',
    query: { status: 'string', namespaceId: 'string', maxResults: 'int', nextToken: 'string', jobId: 'string' },
  },
  { method: 'GET', template: '/things/{thingName}/jobs/{jobId}', operation: 'DescribeJobExecution', query: { executionNumber: 'int' } },
  { method: 'PUT', template: '/things/{thingName}/jobs/{jobId}/cancel', operation: 'CancelJobExecution', query: { force: 'bool' } },
  {
    method: 'DELETE',
    template: '/things/{thingName}/jobs/{jobId}/executionNumber/{executionNumber}',
    operation: 'DeleteJobExecution',
    query: { force: 'bool', namespaceId: 'string' },
  },
  { method: 'PUT', template: '/job-templates/{jobTemplateId}', operation: 'CreateJobTemplate' },
  { method: 'GET', template: '/job-templates/{jobTemplateId}', operation: 'DescribeJobTemplate' },
  { method: 'DELETE', template: '/job-templates/{jobTemplateId}', operation: 'DeleteJobTemplate' },
  { method: 'GET', template: '/job-templates', operation: 'ListJobTemplates', query: { maxResults: 'int', nextToken: 'string' } },
  {
    method: 'GET',
    template: '/managed-job-templates',
    operation: 'ListManagedJobTemplates',
    query: { templateName: 'string', maxResults: 'int', nextToken: 'string' },
  },
  { method: 'GET', template: '/managed-job-templates/{templateName}', operation: 'DescribeManagedJobTemplate', query: { templateVersion: 'string' } },
  { method: 'POST', template: '/tags', operation: 'TagResource' },
  { method: 'POST', template: '/untag', operation: 'UntagResource' },
  { method: 'GET', template: '/tags', operation: 'ListTagsForResource', query: { resourceArn: 'string', nextToken: 'string' } },
  { method: 'POST', template: '/things/{thingName}', operation: 'CreateThing' },
  { method: 'GET', template: '/things/{thingName}', operation: 'DescribeThing' },
  {
    method: 'GET',
    template: '/things',
    operation: 'ListThings',
    query: {
      nextToken: 'string',
      maxResults: 'int',
      attributeName: 'string',
      attributeValue: 'string',
      thingTypeName: 'string',
      usePrefixAttributeValue: 'bool',
    },
  },
  { method: 'PUT', template: '/thing-groups/addThingToThingGroup', operation: 'AddThingToThingGroup' },
  { method: 'PUT', template: '/thing-groups/removeThingFromThingGroup', operation: 'RemoveThingFromThingGroup' },
  { method: 'POST', template: '/thing-groups/{thingGroupName}', operation: 'CreateThingGroup' },
  { method: 'GET', template: '/thing-groups/{thingGroupName}', operation: 'DescribeThingGroup' },
  {
    method: 'GET',
    template: '/thing-groups/{thingGroupName}/things',
    operation: 'ListThingsInThingGroup',
    query: { recursive: 'bool', nextToken: 'string', maxResults: 'int' },
  },
];

const DATA: Route[] = [
  { method: 'GET', template: '/things/{thingName}/jobs', operation: 'GetPendingJobExecutions' },
  { method: 'PUT', template: '/things/{thingName}/jobs/$next', operation: 'StartNextPendingJobExecution' },
  {
    method: 'GET',
    template: '/things/{thingName}/jobs/{jobId}',
    operation: 'DescribeDeviceJobExecution',
    query: { includeJobDocument: 'bool', executionNumber: 'int' },
  },
  { method: 'POST', template: '/things/{thingName}/jobs/{jobId}', operation: 'UpdateJobExecution' },
];

interface Compiled extends Route {
  parts: string[];
}

const compile = (routes: Route[]): Compiled[] => routes.map((r) => ({ ...r, parts: r.template.split('/').slice(1) }));
const TABLES: Record<Plane, Compiled[]> = { control: compile(CONTROL), data: compile(DATA) };

/** A matched route with its decoded path parameters. */
export interface Match {
  route: Route;
  params: Record<string, unknown>;
}

/** Finds the route for a method and path on a plane; undefined when none matches. Literal segments win over parameters. */
export function matchRoute(plane: Plane, method: string, path: string): Match | undefined {
  const segments = path.split('/').slice(1).map(safeDecode);
  let best: { m: Match; literals: number } | undefined;
  for (const r of TABLES[plane]) {
    if (r.method !== method || r.parts.length !== segments.length) continue;
    const params: Record<string, unknown> = {};
    let literals = 0;
    const ok = r.parts.every((p, i) => {
      const seg = segments[i]!;
      if (p.startsWith('{')) {
        params[p.slice(1, -1)] = seg;
        return seg.length > 0;
      }
      literals++;
      return p === seg;
    });
    if (ok && (!best || literals > best.literals)) best = { m: { route: r, params }, literals };
  }
  if (best && best.m.route.template.includes('{executionNumber}'))
    best.m.params.executionNumber = toInt('executionNumber', best.m.params.executionNumber as string);
  return best?.m;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function toInt(name: string, v: string): number {
  if (!/^-?\d+$/.test(v)) throw invalidRequest(`${name} must be an integer`);
  return Number(v);
}

/** Reads a route's typed query members; an unparsable value is InvalidRequestException. */
export function readQuery(route: Route, query: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(route.query ?? {})) {
    const v = query.get(name);
    if (v === null) continue;
    if (type === 'string') out[name] = v;
    else if (type === 'int') out[name] = toInt(name, v);
    else if (v === 'true' || v === 'false') out[name] = v === 'true';
    else throw invalidRequest(`${name} must be true or false`);
  }
  return out;
}

/** The SigV4 signing service named in an Authorization header's credential scope, if any. */
export function signingService(authorization: string | undefined): string | undefined {
  return authorization ? /Credential=[^/,]+\/\d{8}\/[^/,]+\/([^/,]+)\/aws4_request/.exec(authorization)?.[1] : undefined;
}
