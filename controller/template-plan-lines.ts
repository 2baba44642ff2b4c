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

/** What the lines counted: the templates shown, and how many of them are changes pending. */
export interface TemplatePlanCount {
  shown: number;
  pending: number;
}

/** Lines so far, or undefined after an `error` line (the plan exits 2). */
type Tally = TemplatePlanCount | undefined;

/**
 * Prints the templates' plan; undefined (after an `error` line) when a template could not be read,
 * or AWS's templates could not be listed while some are named. A listing that fails when none is
 * named, or IoTJobTemplates the source could not list, are warnings: a plan for jobs alone stands.
 */
export function printTemplatePlans(surveyed: SurveyOutcome | undefined, out: (s: string) => void): Tally {
  if (surveyed && !surveyed.sourceSynced) out('warning  the IoTJobTemplates could not be listed (see the log): job templates are not shown');
  if (surveyed?.error !== undefined) {
    if (surveyed.named > 0) return void out(`error  job templates could not be surveyed: ${surveyed.error}`);
    out(`warning  job templates could not be listed (${surveyed.error}); none is declared, so owned ones run would remove are not shown`);
  }
  const survey = surveyed?.survey;
  if (!survey) return { shown: 0, pending: 0 };
  return add(
    add(printDeclared(survey, out), () => printProblems(survey, out)),
    () => printRemovals(survey, out),
  );
}

/** Adds the next part's count, unless a part before it failed. */
function add(so: Tally, next: () => Tally): Tally {
  if (!so) return undefined;
  const more = next();
  return more && { shown: so.shown + more.shown, pending: so.pending + more.pending };
}

/** The declared templates' lines, in key order; undefined after one that could not be read. */
function printDeclared(survey: TemplateSurvey, out: (s: string) => void): Tally {
  let pending = 0;
  for (const step of [...survey.declared].sort((a, b) => (a.template.key < b.template.key ? -1 : 1))) {
    const t = step.template;
    if (!step.action) return void out(`error  ${t.key} (template ${t.jobTemplateId}): ${step.error?.message ?? 'no plan'}`);
    if (step.action.kind !== 'none') pending++;
    out(`${LABEL[step.action.kind].padEnd(16)} ${t.key} (template ${t.jobTemplateId}): ${templateActionReason(t, step.action)}`);
  }
  return { shown: survey.declared.length, pending };
}

/** IoTJobTemplates that cannot be synced (Kubernetes), each pending like a Stalled IoTJob. */
function printProblems(survey: TemplateSurvey, out: (s: string) => void): Tally {
  for (const p of survey.problems) out(`${'invalid'.padEnd(16)} ${p.key}: ${p.message}`);
  return { shown: survey.problems.length, pending: survey.problems.length };
}

/** The leaving and pruned templates' lines, and the prune guard's hold; undefined when one could not be read. */
function printRemovals(survey: TemplateSurvey, out: (s: string) => void): Tally {
  const unread = firstUnread(survey);
  if (unread) return void out(`error  template ${unread.id} could not be read, so whether run removes it is not known: ${unread.message}`);
  let n = 0;
  for (const step of survey.leaving) n += removalLine(step.template.key, step.template.jobTemplateId, step.removal, out);
  const prune = survey.prune;
  for (const { observed, removal } of prune?.removals ?? [])
    n += removalLine(observed.tags[SOURCE_KEY] ?? observed.jobTemplateId, observed.jobTemplateId, removal, out);
  if (prune && !prune.verdict.allowed && n > 0) out(`template prune guard: ${prune.verdict.reason}`);
  return { shown: n, pending: n };
}

/** The first leaving or undeclared template that could not be read, if any. */
function firstUnread(survey: TemplateSurvey): { id: string; message: string } | undefined {
  const leaving = survey.leaving.find((l) => l.error);
  if (leaving) return { id: leaving.template.jobTemplateId, message: leaving.error!.message };
  const pruned = survey.prune?.unread[0];
  return pruned && { id: pruned.jobTemplateId, message: pruned.message };
}

/** One removal's line; 1 when there is one. */
function removalLine(key: string, jobTemplateId: string, r: RemovalAction, out: (s: string) => void): number {
  if (r.kind === 'none') return 0;
  out(`${r.kind.padEnd(16)} ${key} (template ${jobTemplateId}): ${removalReason(r)}`);
  return 1;
}
