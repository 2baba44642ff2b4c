/**
 * Job template operations: a team's own templates (CreateJobTemplate, DescribeJobTemplate,
 * DeleteJobTemplate, ListJobTemplates) and AWS's managed ones (ListManagedJobTemplates,
 * DescribeManagedJobTemplate). Templates are immutable: there is no UpdateJobTemplate. What a job
 * takes from a template at CreateJob is template-base.ts's.
 */
import { arnOf } from './arn.js';
import { toEpochSeconds } from './clock.js';
import { invalidRequest, notFound, ServiceError } from './errors.js';
import { MANAGED_TEMPLATES, managedTemplateArn, type ManagedTemplate } from './managed-templates.js';
import { paginate } from './paging.js';
import type { ServiceState } from './state.js';
import type { JobTemplate } from './types.js';
import {
  checkMaintenanceWindows,
  checkMaxResults,
  checkMutableConfig,
  checkPackageVersions,
  checkPlaceholders,
  checkString,
  checkTags,
  checkText,
  JOB_ID,
  optString,
  templateConfigOf,
} from './validate.js';
import { compact } from './views.js';
import { readDocument } from './read-document.js';

type Input = Record<string, unknown>;

/** Validates a jobTemplateId path parameter: 1..64 of `[a-zA-Z0-9_-]`. */
function checkTemplateId(value: unknown): string {
  return checkString('jobTemplateId', value, { min: 1, max: 64, pattern: JOB_ID });
}

/** The job a CreateJobTemplate `jobArn` names, as the base of the new template; undefined when none is given. */
function baseJob(state: ServiceState, input: Input): Partial<JobTemplate> {
  const jobArn = optString('jobArn', input.jobArn, { min: 1, max: 2048 });
  if (jobArn === undefined) return {};
  const job = [...state.jobs.values()].find((j) => j.jobArn === jobArn);
  if (!job) throw notFound('Job', jobArn);
  const { document, documentSource } = job;
  return { ...templateConfigOf(job), document, documentSource, maintenanceWindows: job.schedulingConfig?.maintenanceWindows };
}

/** The template's document: from the request, else the base job's. Exactly one of document and documentSource without a base job. */
function templateDocument(state: ServiceState, input: Input, base: Partial<JobTemplate>): Pick<JobTemplate, 'document' | 'documentSource'> {
  const given = (input.document ?? input.documentSource) !== undefined;
  if (!given && base.document !== undefined) return { document: base.document, documentSource: base.documentSource };
  return readDocument(state, input);
}

/** CreateJobTemplate. A template id in use is ConflictException, as the model says. */
export function createJobTemplate(state: ServiceState, input: Input): Input {
  const jobTemplateId = checkTemplateId(input.jobTemplateId);
  const existing = state.jobTemplates.get(jobTemplateId);
  if (existing) throw new ServiceError('ConflictException', `Job template ${jobTemplateId} already exists`, { resourceId: jobTemplateId });
  const base = baseJob(state, input);
  const description = checkText('description', input.description);
  if (description === undefined) throw invalidRequest('description is required');
  const template: JobTemplate = {
    ...base,
    ...compact(checkMutableConfig(input)),
    ...templateDocument(state, input, base),
    description,
    ...compact({
      maintenanceWindows: checkMaintenanceWindows(input.maintenanceWindows, 'maintenanceWindows'),
      destinationPackageVersions: checkPackageVersions(input.destinationPackageVersions),
    }),
    jobTemplateId,
    jobTemplateArn: arnOf(state.partition, 'jobtemplate', jobTemplateId),
    createdAt: state.clock.now(),
    tags: checkTags(input.tags),
  };
  if (template.document !== undefined) checkPlaceholders(template.document, template.presignedUrlConfig);
  state.jobTemplates.set(jobTemplateId, template);
  return { jobTemplateArn: template.jobTemplateArn, jobTemplateId };
}

/** DescribeJobTemplate. */
export function describeJobTemplate(state: ServiceState, input: Input): Input {
  const t = state.jobTemplate(checkTemplateId(input.jobTemplateId));
  return compact({
    jobTemplateArn: t.jobTemplateArn,
    jobTemplateId: t.jobTemplateId,
    description: t.description,
    documentSource: t.documentSource,
    document: t.document,
    createdAt: toEpochSeconds(t.createdAt),
    presignedUrlConfig: t.presignedUrlConfig,
    jobExecutionsRolloutConfig: t.jobExecutionsRolloutConfig,
    abortConfig: t.abortConfig,
    timeoutConfig: t.timeoutConfig,
    jobExecutionsRetryConfig: t.jobExecutionsRetryConfig,
    maintenanceWindows: t.maintenanceWindows,
    destinationPackageVersions: t.destinationPackageVersions,
  });
}

/** DeleteJobTemplate. Jobs created from the template keep what they took from it. */
export function deleteJobTemplate(state: ServiceState, input: Input): Input {
  const t = state.jobTemplate(checkTemplateId(input.jobTemplateId));
  state.jobTemplates.delete(t.jobTemplateId);
  return {};
}

/** ListJobTemplates, by jobTemplateId. */
export function listJobTemplates(state: ServiceState, input: Input): Input {
  const page = paginate(state.jobTemplates.values(), (t) => t.jobTemplateId, checkMaxResults(input.maxResults), input.nextToken as string | undefined);
  const jobTemplates = page.items.map((t) =>
    compact({ jobTemplateArn: t.jobTemplateArn, jobTemplateId: t.jobTemplateId, description: t.description, createdAt: toEpochSeconds(t.createdAt) }),
  );
  return compact({ jobTemplates, nextToken: page.nextToken });
}

/** ManagedJobTemplateName: 1..64 characters. */
function checkManagedName(value: unknown): string {
  return checkString('templateName', value, { min: 1, max: 64 });
}

/**
 * ListManagedJobTemplates, optionally of one name (every version of it). An unknown name is
 * ResourceNotFoundException here; AWS lists that error for this operation but does not say when
 * it is raised.
 */
export function listManagedJobTemplates(state: ServiceState, input: Input): Input {
  const name = input.templateName === undefined ? undefined : checkManagedName(input.templateName);
  const all = MANAGED_TEMPLATES.filter((t) => name === undefined || t.templateName === name);
  if (name !== undefined && all.length === 0) throw notFound('Managed job template', name);
  const page = paginate(all, (t) => `${t.templateName}:${t.templateVersion}`, checkMaxResults(input.maxResults), input.nextToken as string | undefined);
  const managedJobTemplates = page.items.map((t) => ({
    templateArn: managedTemplateArn(state.partition.region, t),
    templateName: t.templateName,
    description: t.description,
    environments: t.environments,
    templateVersion: t.templateVersion,
  }));
  return compact({ managedJobTemplates, nextToken: page.nextToken });
}

/** DescribeManagedJobTemplate: the named version, else the newest. */
export function describeManagedJobTemplate(state: ServiceState, input: Input): Input {
  const t = findManagedTemplate(checkManagedName(input.templateName), optString('templateVersion', input.templateVersion, { min: 1, max: 64 }));
  return {
    templateName: t.templateName,
    templateArn: managedTemplateArn(state.partition.region, t),
    description: t.description,
    templateVersion: t.templateVersion,
    environments: t.environments,
    documentParameters: t.documentParameters,
    document: t.document,
  };
}

/** A managed template by name and version (the newest when no version is given); ResourceNotFoundException when there is none. */
export function findManagedTemplate(name: string, version: string | undefined): ManagedTemplate {
  const versions = MANAGED_TEMPLATES.filter((t) => t.templateName === name && (version === undefined || t.templateVersion === version));
  const newest = versions.sort((a, b) => compareVersions(b.templateVersion, a.templateVersion))[0];
  if (!newest) throw notFound('Managed job template', version === undefined ? name : `${name}:${version}`);
  return newest;
}

/** Orders `1.0` < `1.10` < `2.0` by their numeric parts. */
function compareVersions(a: string, b: string): number {
  const [pa, pb] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}
