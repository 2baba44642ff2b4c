/**
 * `plan`'s lines for job templates, from the dry-run sync's survey: one line per declared
 * template (what run would do and why), per IoTJobTemplate that cannot be synced, and per owned
 * template that would be deleted or orphaned, with the prune guard's hold when it holds.
 */
import { SOURCE_KEY } from './plan/ownership.js';
import { removalReason, templateActionReason, type RemovalAction, type TemplateAction } from './plan/template-plan.js';
import type { SurveyOutcome } from './runtime/template-sync.js';
import type { TemplateSurvey } from './runtime/template-survey.js';

/** The first word of a line, as for jobs. */
const LABEL: Record<TemplateAction['kind'], string> = {
  create: 'create',
  recreate: 'recreate',
  refuse: 'refused',
  tag: 'tag',
  conflict: 'not-owned',
  none: 'noop',
};

/** What the lines counted: templates declared, and how many of them (and of the removals) are changes pending. */
export interface TemplatePlanCount {
  declared: number;
  pending: number;
}

/**
 * Prints the templates' plan; undefined (after an `error` line) when a declared template could not
 * be read, or AWS's templates could not be listed while some are declared. A listing that fails
 * when none is declared is a warning: a plan for jobs alone still stands.
 */
export function printTemplatePlans(surveyed: SurveyOutcome | undefined, out: (s: string) => void): TemplatePlanCount | undefined {
  if (surveyed?.error !== undefined) {
    if (surveyed.declared > 0) return void out(`error  job templates could not be listed: ${surveyed.error}`);
    out(`warning  job templates could not be listed (${surveyed.error}); owned templates no manifest declares are not shown`);
  }
  const survey = surveyed?.survey;
  return survey ? printSurvey(survey, out) : { declared: 0, pending: 0 };
}

function printSurvey(survey: TemplateSurvey, out: (s: string) => void): TemplatePlanCount | undefined {
  const declared = printDeclared(survey, out);
  if (declared === undefined) return undefined;
  for (const p of survey.problems) out(`${'invalid'.padEnd(16)} ${p.key}: ${p.message}`);
  return { declared: survey.declared.length + survey.problems.length, pending: declared + survey.problems.length + printRemovals(survey, out) };
}

/** The declared templates' lines, in key order; how many are pending, or undefined after one that could not be read. */
function printDeclared(survey: TemplateSurvey, out: (s: string) => void): number | undefined {
  let pending = 0;
  for (const step of [...survey.declared].sort((a, b) => (a.template.key < b.template.key ? -1 : 1))) {
    const t = step.template;
    if (!step.action) return void out(`error  ${t.key} (template ${t.jobTemplateId}): ${step.error?.message ?? 'no plan'}`);
    if (step.action.kind !== 'none') pending++;
    out(`${LABEL[step.action.kind].padEnd(16)} ${t.key} (template ${t.jobTemplateId}): ${templateActionReason(t, step.action)}`);
  }
  return pending;
}

/** The leaving and pruned templates' lines, and the prune guard's hold; how many removals. */
function printRemovals(survey: TemplateSurvey, out: (s: string) => void): number {
  let pending = 0;
  for (const step of survey.leaving) pending += removalLine(step.template.key, step.template.jobTemplateId, step.removal, out);
  const prune = survey.prune;
  for (const { observed, removal } of prune?.removals ?? [])
    pending += removalLine(observed.tags[SOURCE_KEY] ?? observed.jobTemplateId, observed.jobTemplateId, removal, out);
  if (prune && !prune.verdict.allowed && pending > 0) out(`template prune guard: ${prune.verdict.reason}`);
  return pending;
}

/** One removal's line; 1 when it is a change pending. */
function removalLine(key: string, jobTemplateId: string, r: RemovalAction, out: (s: string) => void): number {
  if (r.kind === 'none') return 0;
  out(`${r.kind.padEnd(16)} ${key} (template ${jobTemplateId}): ${removalReason(r)}`);
  return 1;
}
