/**
 * Job templates over @aws-sdk/client-iot: list, read (DescribeJobTemplate and the tags), create,
 * delete, tag and untag, every call through the shared MeteredIot. AWS never changes a template
 * after it is created, so a read is kept until the template's creation time changes (a Recreate)
 * or it goes; only the tags, which TagResource can change, are read afresh when asked.
 */
import {
  CreateJobTemplateCommand,
  DeleteJobTemplateCommand,
  DescribeJobTemplateCommand,
  ListJobTemplatesCommand,
  UntagResourceCommand,
  type CreateJobTemplateCommandInput,
  type DescribeJobTemplateCommandOutput,
} from '@aws-sdk/client-iot';
import type { DesiredTemplate, ObservedTemplate } from '../model/iot-job-template.js';
import type { MeteredIot } from './metered-iot.js';
import { tagList } from '../plan/fields.js';
import { orMissing, readTags, tagResource } from './resource-tags.js';

/** A row of ListJobTemplates. */
export interface TemplateSummary {
  jobTemplateId: string;
  jobTemplateArn: string;
  /** Epoch milliseconds; a new value means a new template under the same id. */
  createdAt?: number;
}

/** What the template sync needs of AWS. */
export interface JobTemplatesPort {
  list(): Promise<TemplateSummary[]>;
  /** The template and its tags; undefined when it is gone. */
  read(summary: TemplateSummary): Promise<ObservedTemplate | undefined>;
  create(desired: DesiredTemplate, tags: Record<string, string>): Promise<{ jobTemplateArn: string }>;
  delete(jobTemplateId: string): Promise<void>;
  tag(jobTemplateArn: string, tags: Record<string, string>): Promise<void>;
  untag(jobTemplateArn: string, keys: string[]): Promise<void>;
}

/** The port on the SDK client. */
export class SdkJobTemplates implements JobTemplatesPort {
  /** Reads by id, valid while the template's createdAt is the one read. */
  private readonly reads = new Map<string, { createdAt?: number; observed: ObservedTemplate }>();

  constructor(private readonly iot: MeteredIot) {}

  async list(): Promise<TemplateSummary[]> {
    const out: TemplateSummary[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.iot.call('ListJobTemplates', (c) => c.send(new ListJobTemplatesCommand({ maxResults: 250, nextToken })));
      for (const t of page.jobTemplates ?? []) {
        if (t.jobTemplateId && t.jobTemplateArn)
          out.push({ jobTemplateId: t.jobTemplateId, jobTemplateArn: t.jobTemplateArn, createdAt: t.createdAt?.getTime() });
      }
      nextToken = page.nextToken;
    } while (nextToken);
    const listed = new Set(out.map((t) => t.jobTemplateId));
    for (const id of this.reads.keys()) if (!listed.has(id)) this.reads.delete(id);
    return out;
  }

  async read(s: TemplateSummary): Promise<ObservedTemplate | undefined> {
    const kept = this.reads.get(s.jobTemplateId);
    const tags = await readTags(this.iot, s.jobTemplateArn);
    if (tags === undefined) return undefined;
    if (kept && kept.createdAt === s.createdAt) return { ...kept.observed, tags };
    const out = await orMissing(this.iot, 'DescribeJobTemplate', (c) => c.send(new DescribeJobTemplateCommand({ jobTemplateId: s.jobTemplateId })));
    if (!out) return undefined;
    const observed = { ...fromDescribe(out), tags };
    this.reads.set(s.jobTemplateId, { createdAt: s.createdAt, observed });
    return observed;
  }

  async create(d: DesiredTemplate, tags: Record<string, string>): Promise<{ jobTemplateArn: string }> {
    const out = await this.iot.call('CreateJobTemplate', (c) => c.send(new CreateJobTemplateCommand(toCreateJobTemplate(d, tags))));
    this.reads.delete(d.jobTemplateId);
    return { jobTemplateArn: out.jobTemplateArn ?? '' };
  }

  async delete(jobTemplateId: string): Promise<void> {
    this.reads.delete(jobTemplateId);
    await this.iot.call('DeleteJobTemplate', (c) => c.send(new DeleteJobTemplateCommand({ jobTemplateId })));
  }

  async tag(resourceArn: string, tags: Record<string, string>): Promise<void> {
    await tagResource(this.iot, resourceArn, tags);
  }

  async untag(resourceArn: string, tagKeys: string[]): Promise<void> {
    await this.iot.call('UntagResource', (c) => c.send(new UntagResourceCommand({ resourceArn, tagKeys })));
  }
}

/** The CreateJobTemplate request for a desired template, with these tags. */
export function toCreateJobTemplate(d: DesiredTemplate, tags: Record<string, string>): CreateJobTemplateCommandInput {
  const s = d.spec;
  return {
    jobTemplateId: d.jobTemplateId,
    description: s.description,
    document: d.document,
    documentSource: d.documentSource,
    presignedUrlConfig: s.presignedUrlConfig,
    jobExecutionsRolloutConfig: s.jobExecutionsRolloutConfig,
    abortConfig: s.abortConfig,
    timeoutConfig: s.timeoutConfig,
    jobExecutionsRetryConfig: s.jobExecutionsRetryConfig,
    maintenanceWindows: s.maintenanceWindows,
    destinationPackageVersions: s.destinationPackageVersions,
    tags: tagList(tags),
  };
}

/** An ObservedTemplate (without tags) from DescribeJobTemplate's answer. */
export function fromDescribe(out: DescribeJobTemplateCommandOutput): Omit<ObservedTemplate, 'tags'> {
  return {
    jobTemplateId: out.jobTemplateId!,
    jobTemplateArn: out.jobTemplateArn!,
    description: out.description,
    document: out.document,
    documentSource: out.documentSource,
    presignedUrlConfig: out.presignedUrlConfig,
    jobExecutionsRolloutConfig: out.jobExecutionsRolloutConfig as ObservedTemplate['jobExecutionsRolloutConfig'],
    abortConfig: out.abortConfig as ObservedTemplate['abortConfig'],
    timeoutConfig: out.timeoutConfig,
    jobExecutionsRetryConfig: out.jobExecutionsRetryConfig as ObservedTemplate['jobExecutionsRetryConfig'],
    maintenanceWindows: out.maintenanceWindows as ObservedTemplate['maintenanceWindows'],
    destinationPackageVersions: out.destinationPackageVersions,
  };
}
