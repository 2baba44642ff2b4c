/**
 * One look at the job templates: lists AWS's, reads the ones that matter and decides what a pass
 * does about each (the decisions are plan/template-plan.ts's; the prune guard judges the
 * removals). It writes nothing to AWS, so the sync carries a survey out and `plan` prints it.
 */
import type { JobTemplatesPort, TemplateSummary } from '../aws/job-templates.js';
import type { DesiredTemplate, ObservedTemplate } from '../model/iot-job-template.js';
import type { Logger } from '../observability/logger.js';
import { isOwned, SOURCE_KEY } from '../plan/ownership.js';
import type { PruneVerdict } from '../plan/prune-guard.js';
import { planRemoval, planTemplate, type RemovalAction, type TemplateAction } from '../plan/template-plan.js';
import type { TemplateProblem, TemplateSource } from '../sources/template-source.js';
import type { PruneGate } from './prune-gate.js';

/** A declared template: what AWS holds under its id and what to do, or why it could not be read. */
export interface DeclaredStep {
  template: DesiredTemplate;
  observed?: ObservedTemplate;
  action?: TemplateAction;
  error?: Error;
}

/** A template whose manifest is being deleted (Kubernetes): its recorded policy, or why it could not be read. */
export interface LeavingStep {
  template: DesiredTemplate;
  observed?: ObservedTemplate;
  removal: RemovalAction;
  error?: Error;
}

/** Directory mode: owned templates no manifest declares, and whether the prune guard lets them go. */
export interface PruneStep {
  verdict: PruneVerdict;
  removals: { observed: ObservedTemplate; removal: RemovalAction }[];
  /** Undeclared templates that could not be read: whether they are ours is learned at the next pass. */
  unread: { jobTemplateId: string; message: string }[];
}

/** AWS's templates could not be listed: the pass can decide nothing. */
export class TemplateListingError extends Error {}

/** What one pass does, decided before anything is done. */
export interface TemplateSurvey {
  declared: DeclaredStep[];
  problems: TemplateProblem[];
  leaving: LeavingStep[];
  /** Present when the source prunes templates it no longer declares (a directory). */
  prune?: PruneStep;
}

/** What a survey reads. */
export interface SurveyDeps {
  source: TemplateSource;
  aws: JobTemplatesPort;
  controllerId: string;
  /** The prune guard for templates; a survey judges it. */
  pruneGate: PruneGate;
  logger: Logger;
}

/**
 * Surveys the templates; undefined when there is nothing to look at (none declared or leaving,
 * and a source that prunes nothing). Throws a TemplateListingError when AWS's templates cannot be
 * listed.
 */
export async function surveyTemplates(d: SurveyDeps): Promise<TemplateSurvey | undefined> {
  const declared = d.source.templates();
  const leaving = d.source.leavingTemplates();
  if (declared.length === 0 && leaving.length === 0 && !d.source.prunesAbsent) return undefined;
  const listed = await d.aws.list().catch((err: Error) => {
    throw new TemplateListingError(err.message);
  });
  const byId = new Map(listed.map((s) => [s.jobTemplateId, s]));
  const survey: TemplateSurvey = { declared: [], problems: d.source.templateProblems(), leaving: [] };
  for (const t of declared) survey.declared.push(await declaredStep(d, t, byId.get(t.jobTemplateId)));
  // An id a declared manifest names is that manifest's now (an object renamed: the new one takes the template over), never removed.
  const declaredIds = new Set(declared.map((t) => t.jobTemplateId));
  for (const t of leaving) survey.leaving.push(await leavingStep(d, t, declaredIds.has(t.jobTemplateId) ? undefined : byId.get(t.jobTemplateId)));
  if (d.source.prunesAbsent) survey.prune = await pruneStep(d, listed, declared, byId);
  return survey;
}

async function declaredStep(d: SurveyDeps, template: DesiredTemplate, summary: TemplateSummary | undefined): Promise<DeclaredStep> {
  try {
    const observed = summary ? await d.aws.read(summary) : undefined;
    return { template, observed, action: planTemplate(template, observed, d.controllerId) };
  } catch (err) {
    return { template, error: err as Error };
  }
}

/** A leaving template is removed only when AWS's template under its id names it as its source (none to look at: nothing to remove). */
async function leavingStep(d: SurveyDeps, template: DesiredTemplate, summary: TemplateSummary | undefined): Promise<LeavingStep> {
  try {
    const observed = summary ? await d.aws.read(summary) : undefined;
    const removal = observed && observed.tags[SOURCE_KEY] === template.key ? planRemoval(observed, d.controllerId) : { kind: 'none' as const };
    return { template, observed, removal };
  } catch (err) {
    return { template, removal: { kind: 'none' }, error: err as Error };
  }
}

/**
 * The owned templates no manifest declares, judged by the prune guard against every managed
 * template: those owned ones and the declared ones AWS holds. A template that cannot be read is
 * left for the next pass.
 */
async function pruneStep(d: SurveyDeps, listed: TemplateSummary[], declared: DesiredTemplate[], byId: Map<string, TemplateSummary>): Promise<PruneStep> {
  const declaredIds = new Set(declared.map((t) => t.jobTemplateId));
  const owned: ObservedTemplate[] = [];
  const unread: PruneStep['unread'] = [];
  for (const s of listed) {
    if (declaredIds.has(s.jobTemplateId)) continue;
    try {
      const o = await d.aws.read(s);
      if (o && isOwned(o, d.controllerId)) owned.push(o);
    } catch (err) {
      unread.push({ jobTemplateId: s.jobTemplateId, message: (err as Error).message });
      d.logger.warn({ template: s.jobTemplateId, err: (err as Error).message }, 'a job template could not be read; its ownership is learned at the next pass');
    }
  }
  const declaredInAws = declared.filter((t) => byId.has(t.jobTemplateId)).map((t) => t.key);
  const managed = [...owned.map((o) => o.tags[SOURCE_KEY] ?? o.jobTemplateId), ...declaredInAws];
  const verdict = d.pruneGate.judge(managed, new Set(declared.map((t) => t.key)), d.source.templateRevision?.());
  return { verdict, removals: owned.map((observed) => ({ observed, removal: planRemoval(observed, d.controllerId) })), unread };
}
