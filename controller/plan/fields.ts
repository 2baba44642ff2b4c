/**
 * The one table of the job fields the controller manages (ARCHITECTURE.md principle 3): for each
 * field, how a difference is resolved (`update` through UpdateJob, `replace` by a new job, `tags`
 * through TagResource), where its desired and observed values come from, how it is brought to a
 * comparable form, and which SDK members carry it. The normaliser, the diff and aws/mappers.ts
 * loop over it; none of them names a field. Pure: SDK members are named as strings here and
 * checked against the SDK's types in aws/mappers.ts.
 */
import type { DesiredJob, JobFields } from '../model/iot-job.js';
import type { ObservedJob } from '../model/observed-job.js';
import { canonicalDocument, targetArns, templateArn, type Partition } from './canonical.js';
import { desiredTags } from './ownership.js';

export type FieldClass = 'update' | 'replace' | 'tags';

/** What a desired value may need besides the manifest: the partition targets resolve in, the controller id ownership tags carry. */
export interface Placement {
  partition: Partition;
  controllerId: string;
}

interface Descriptor {
  /** The field as AWS reports it; undefined when AWS has none, or when it was not read. */
  observed: (o: ObservedJob) => unknown;
  /** AWS's value when a request leaves the field out: filled in on reading and on both sides before comparing. */
  absent?: unknown;
  /** Brings a present value to the form both sides compare in; empty members are dropped after it. */
  comparable?: (v: unknown) => unknown;
  /** The CreateJob member that carries the field. */
  create: string;
  /** Turns the desired value into that member's form, where the two differ. */
  encode?: (v: unknown) => unknown;
  /** Where DescribeJob's answer carries it: `job.<member>`, or a member of the answer itself; undefined when another call reads it. */
  describe?: string;
}

/** A field UpdateJob changes in place; its desired value needs nothing but the manifest. */
export interface UpdatableField extends Descriptor {
  class: 'update';
  /** The value the manifest asks for, as it is sent; undefined when the manifest leaves it out. */
  desired: (d: DesiredJob) => unknown;
  /** The UpdateJob member that carries the field. */
  update: string;
  /** What UpdateJob sends when the manifest leaves the field out; undefined sends nothing, so AWS keeps its value. */
  clear?: unknown;
}

/** A field only a new job (`replace`) or the tagging calls (`tags`) change. */
export interface FixedField extends Descriptor {
  class: 'replace' | 'tags';
  /** The value the manifest asks for, as CreateJob sends it (before `encode`); undefined when it leaves it out. */
  desired: (d: DesiredJob, at: Placement) => unknown;
}

export type FieldDescriptor = UpdatableField | FixedField;

/** A JobFields member read and sent under its own name, on both sides and in every SDK call. */
function byName<K extends keyof JobFields>(name: K) {
  return { desired: (d: DesiredJob) => d.spec[name], observed: (o: ObservedJob) => o[name], create: name, describe: `job.${name}` } as const;
}

/** A JobFields member that UpdateJob changes, under its own name. */
function updatable<K extends keyof JobFields>(name: K) {
  return { class: 'update', ...byName(name), update: name } as const;
}

/** Each field the controller compares, in the order differences are reported. */
export const FIELDS = {
  description: { ...updatable('description'), clear: '' },
  presignedUrlConfig: { ...updatable('presignedUrlConfig'), comparable: withDefaultExpiry },
  jobExecutionsRolloutConfig: { ...updatable('jobExecutionsRolloutConfig'), comparable: withoutDefaultRate },
  abortConfig: updatable('abortConfig'),
  timeoutConfig: updatable('timeoutConfig'),
  jobExecutionsRetryConfig: updatable('jobExecutionsRetryConfig'),
  document: {
    class: 'replace',
    desired: (d: DesiredJob) => d.document,
    observed: (o: ObservedJob) => (o.documentSource === undefined ? o.document : undefined),
    comparable: (v: unknown) => canonicalDocument(v as string),
    create: 'document',
  },
  documentSource: {
    class: 'replace',
    desired: (d: DesiredJob) => d.documentSource,
    observed: (o: ObservedJob) => o.documentSource,
    create: 'documentSource',
    describe: 'documentSource',
  },
  targets: {
    class: 'replace',
    desired: (d: DesiredJob, at: Placement) => targetArns(d.spec.targets ?? [], at.partition),
    observed: (o: ObservedJob) => o.targets,
    absent: [],
    comparable: uniqueSorted,
    create: 'targets',
    describe: 'job.targets',
  },
  targetSelection: { class: 'replace', ...byName('targetSelection'), absent: 'SNAPSHOT' },
  schedulingConfig: { class: 'replace', ...byName('schedulingConfig') },
  jobTemplateArn: {
    class: 'replace',
    ...byName('jobTemplateArn'),
    desired: (d: DesiredJob, at: Placement) => (d.spec.jobTemplateArn === undefined ? undefined : templateArn(d.spec.jobTemplateArn, at.partition)),
  },
  documentParameters: { class: 'replace', ...byName('documentParameters') },
  destinationPackageVersions: { class: 'replace', ...byName('destinationPackageVersions') },
  namespaceId: { class: 'replace', ...byName('namespaceId') },
  tags: {
    class: 'tags',
    desired: (d: DesiredJob, at: Placement) => desiredTags(d, at.controllerId),
    observed: (o: ObservedJob) => o.tags,
    encode: (v: unknown) => tagList(v as Record<string, string>),
    create: 'tags',
  },
} as const satisfies Record<string, FieldDescriptor>;

export type ComparedField = keyof typeof FIELDS;

/** The compared fields, in table order. */
export const COMPARED_FIELDS = Object.keys(FIELDS) as ComparedField[];

/** Each compared field and how a difference in it is resolved. */
export const FIELD_TABLE = Object.fromEntries(COMPARED_FIELDS.map((f) => [f, FIELDS[f].class])) as {
  readonly [K in ComparedField]: (typeof FIELDS)[K]['class'];
};

/** The fields of one class. */
export function fieldsOf(cls: FieldClass): ComparedField[] {
  return COMPARED_FIELDS.filter((f) => FIELD_TABLE[f] === cls);
}

/** A field's descriptor, typed for code that treats every field alike. */
export function descriptorOf(f: ComparedField): FieldDescriptor {
  return FIELDS[f];
}

/** A presigned URL config with AWS's default expiry (3600 s) filled in. */
function withDefaultExpiry(v: unknown): unknown {
  const c = v as { expiresInSec?: number };
  return c.expiresInSec === undefined ? { ...c, expiresInSec: 3600 } : c;
}

/** A rollout config that states only AWS's default (1000 a minute, no exponential rate) counts as none. */
function withoutDefaultRate(v: unknown): unknown {
  const r = v as { maximumPerMinute?: number; exponentialRate?: unknown };
  return r.maximumPerMinute === 1000 && r.exponentialRate === undefined ? undefined : r;
}

/** Targets compare as a set. */
function uniqueSorted(v: unknown): unknown {
  return [...new Set(v as string[])].sort();
}

/** Tags as TagResource, CreateJob and CreateJobTemplate carry them: a list of Key and Value. */
export function tagList(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
