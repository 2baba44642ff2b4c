/**
 * What CreateJob takes from a jobTemplateArn, and the document's parameter substitution.
 *
 * - A job made from a template starts from the template's document and configuration; a
 *   configuration the request gives overrides the template's [DG job-templates-cli: "You can
 *   override advanced configurations, such as timeout and cancel configurations, by passing the
 *   associated parameters of the create-job command"]. The template's maintenance windows become
 *   the job's schedulingConfig.maintenanceWindows unless the request gives its own.
 * - A document or documentSource in the request takes the place of the template's. AWS documents
 *   only that the document is "required if you don't specify a value for documentSource"; this is
 *   what ministack does too (the contract suite runs both).
 * - documentParameters go only with AWS managed templates [M: "documentParameters can only be
 *   used when creating jobs from AWS managed templates. This parameter can't be used with custom
 *   job templates or to create jobs from them"]. Each value must match its parameter's regex, and
 *   every parameter not marked optional must be given [DG job-template-manage-cli-create]. AWS's
 *   wording for these refusals is undocumented; these are the emulator's.
 * - The values fill the document's `${aws:iot:parameter:KEY}` placeholders when the document is
 *   read (GetJobDocument without beforeSubstitution, and devices); the job keeps the document as
 *   the template gave it. An optional parameter left out becomes the empty string (undocumented).
 */
import { invalidRequest, notFound } from './errors.js';
import type { ManagedTemplate } from './managed-templates.js';
import { findManagedTemplate } from './ops-templates.js';
import type { ServiceState } from './state.js';
import type { Job, JobConfig } from './types.js';
import { templateConfigOf } from './validate.js';

type Input = Record<string, unknown>;

/** A team's own template: `arn:aws:iot:REGION:ACCOUNT:jobtemplate/ID`. */
const OWN_TEMPLATE_ARN = /^arn:aws[a-z-]*:iot:([a-z0-9-]+):(\d{12}):jobtemplate\/([a-zA-Z0-9_-]+)$/;
/** An AWS managed template: `arn:aws:iot:REGION::jobtemplate/NAME:VERSION`, no account. */
const MANAGED_TEMPLATE_ARN = /^arn:aws[a-z-]*:iot:([a-z0-9-]+)::jobtemplate\/([^:/]+):([0-9.]+)$/;
const PARAMETER = /\$\{aws:iot:parameter:([a-zA-Z0-9_-]+)\}/g;

/** The document and configuration a job takes from its template, before the request's own configuration. */
export type TemplateBase = Pick<Job, 'document' | 'documentSource'> & Partial<JobConfig>;

/**
 * The base a CreateJob request starts from: its template's, or undefined without a jobTemplateArn.
 * `config` is the request's validated configuration (jobTemplateArn and documentParameters among it).
 */
export function templateBase(state: ServiceState, input: Input, config: JobConfig): TemplateBase | undefined {
  const arn = config.jobTemplateArn;
  if (arn === undefined) {
    if (config.documentParameters !== undefined) throw invalidRequest('documentParameters can be used only with an AWS managed template (jobTemplateArn)');
    return undefined;
  }
  const managed = MANAGED_TEMPLATE_ARN.exec(arn);
  if (managed) return managedBase(state, arn, managed, config.documentParameters);
  if (config.documentParameters !== undefined)
    throw invalidRequest('documentParameters can be used only with AWS managed templates, not with a custom job template');
  return ownBase(state, arn);
}

/** The base from one of this account's templates: its document and configuration. */
function ownBase(state: ServiceState, arn: string): TemplateBase {
  const m = OWN_TEMPLATE_ARN.exec(arn);
  if (!m) throw invalidRequest(`jobTemplateArn is not the ARN of a job template: ${arn}`);
  if (m[1] !== state.partition.region || m[2] !== state.partition.account) throw notFound('Job template', arn);
  const t = state.jobTemplate(m[3]!);
  const base: TemplateBase = { ...templateConfigOf(t), document: t.document, documentSource: t.documentSource };
  if (t.maintenanceWindows !== undefined) base.schedulingConfig = { maintenanceWindows: t.maintenanceWindows };
  return base;
}

/** The base from an AWS managed template: its document, with the parameters checked against its declarations. */
function managedBase(state: ServiceState, arn: string, m: RegExpExecArray, params: Record<string, string> | undefined): TemplateBase {
  if (m[1] !== state.partition.region) throw notFound('Job template', arn);
  const t = findManagedTemplate(m[2]!, m[3]!);
  checkParameters(t, params ?? {});
  return { document: t.document };
}

/** Fails unless every parameter is declared by the template, matches its regex, and every required one is given. */
function checkParameters(t: ManagedTemplate, params: Record<string, string>): void {
  const declared = new Map(t.documentParameters.map((p) => [p.key, p]));
  for (const [key, value] of Object.entries(params)) {
    const p = declared.get(key);
    if (!p) throw invalidRequest(`documentParameters.${key} is not a parameter of ${t.templateName} (it has ${[...declared.keys()].join(', ')})`);
    if (!fullMatch(p.regex, value)) throw invalidRequest(`documentParameters.${key} does not match the template's pattern ${p.regex}`);
  }
  const missing = t.documentParameters.filter((p) => !p.optional && params[p.key] === undefined).map((p) => p.key);
  if (missing.length > 0) throw invalidRequest(`documentParameters lacks ${missing.join(', ')}, which ${t.templateName} requires`);
}

/** Whether the whole value matches a template's regex; a regex JavaScript cannot compile accepts any value. */
function fullMatch(regex: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${regex})$`, 'su').test(value);
  } catch {
    return true;
  }
}

/** The document of a job made from a managed template with its `${aws:iot:parameter:KEY}` placeholders filled from documentParameters; any other job's as stored. */
export function substitutedDocument(job: Pick<Job, 'document' | 'documentParameters' | 'jobTemplateArn'>): string | undefined {
  if (job.document === undefined || !MANAGED_TEMPLATE_ARN.test(job.jobTemplateArn ?? '')) return job.document;
  const params = job.documentParameters ?? {};
  return job.document.replace(PARAMETER, (_m, key: string) => params[key] ?? '');
}
