/**
 * The template survey (runtime/template-survey.ts) and a plan's dry-run sync: what one pass reads
 * and decides, on an in-memory port; a dry run decides the same and writes nothing.
 */
import { describe, expect, it } from 'vitest';
import type { JobTemplatesPort, TemplateSummary } from '../../../../controller/aws/job-templates.js';
import type { DesiredTemplate, ObservedTemplate } from '../../../../controller/model/iot-job-template.js';
import { Metrics } from '../../../../controller/observability/metrics.js';
import { MANAGED_BY, SOURCE_KEY } from '../../../../controller/plan/ownership.js';
import { templateTags } from '../../../../controller/plan/template-plan.js';
import { PruneGate } from '../../../../controller/runtime/prune-gate.js';
import { surveyTemplates, type SurveyDeps } from '../../../../controller/runtime/template-survey.js';
import { NO_TEMPLATE_HOOKS, TemplateSync } from '../../../../controller/runtime/template-sync.js';
import type { TemplateSource } from '../../../../controller/sources/template-source.js';
import { quietLogger } from '../../../helpers/logs.js';

const CTL = 'ctl-test';
const arn = (id: string): string => `arn:aws:iot:us-east-1:123456789012:jobtemplate/${id}`;

function desired(id: string): DesiredTemplate {
  return { key: id, jobTemplateId: id, spec: { description: 'd' }, document: '{"op":"ota"}', origin: { file: `${id}.yaml`, doc: 0, line: 1 } };
}

/** AWS's copy of what `desired(id)` declares, created by this controller. */
function owned(id: string): ObservedTemplate {
  return { jobTemplateId: id, jobTemplateArn: arn(id), description: 'd', document: '{"op":"ota"}', tags: templateTags(desired(id), CTL) };
}

/** An in-memory port: what AWS holds, every call made, and reads that fail by id. */
class MemoryTemplates implements JobTemplatesPort {
  readonly calls: string[] = [];
  readonly failingReads = new Set<string>();
  constructor(readonly held: Map<string, ObservedTemplate>) {}
  async list(): Promise<TemplateSummary[]> {
    this.calls.push('list');
    return [...this.held.values()].map((t) => ({ jobTemplateId: t.jobTemplateId, jobTemplateArn: t.jobTemplateArn }));
  }
  async read(s: TemplateSummary): Promise<ObservedTemplate | undefined> {
    this.calls.push(`read ${s.jobTemplateId}`);
    if (this.failingReads.has(s.jobTemplateId)) throw new Error('throttled');
    return this.held.get(s.jobTemplateId);
  }
  async create(d: DesiredTemplate): Promise<{ jobTemplateArn: string }> {
    this.calls.push(`create ${d.jobTemplateId}`);
    return { jobTemplateArn: arn(d.jobTemplateId) };
  }
  async delete(id: string): Promise<void> {
    this.calls.push(`delete ${id}`);
  }
  async tag(a: string): Promise<void> {
    this.calls.push(`tag ${a}`);
  }
  async untag(a: string): Promise<void> {
    this.calls.push(`untag ${a}`);
  }
}

function source(declared: DesiredTemplate[], o: { leaving?: DesiredTemplate[]; prunesAbsent?: boolean } = {}): TemplateSource {
  return {
    templates: () => declared,
    leavingTemplates: () => o.leaving ?? [],
    templateProblems: () => [],
    prunesAbsent: o.prunesAbsent ?? false,
    templateRevision: () => 'rev-1',
  };
}

function deps(src: TemplateSource, aws: MemoryTemplates): SurveyDeps {
  return { source: src, aws, controllerId: CTL, pruneGate: new PruneGate({ maxShare: 0.5, noun: 'job templates' }), logger: quietLogger() };
}

describe('surveyTemplates', () => {
  it('looks at nothing when no template is declared or leaving and the source prunes nothing', async () => {
    const aws = new MemoryTemplates(new Map());
    expect(await surveyTemplates(deps(source([]), aws))).toBeUndefined();
    expect(aws.calls).toEqual([]);
  });

  it('decides per declared template: create what is missing, leave a matching one, never touch a foreign one; a failed read is kept as the step’s error', async () => {
    const foreign = { ...owned('theirs'), tags: { [MANAGED_BY]: 'staging' } };
    const aws = new MemoryTemplates(new Map([owned('same'), foreign, owned('flaky')].map((t) => [t.jobTemplateId, t])));
    aws.failingReads.add('flaky');
    const s = await surveyTemplates(deps(source(['new', 'same', 'theirs', 'flaky'].map(desired)), aws));
    expect(s!.declared.map((d) => [d.template.key, d.action?.kind, d.error?.message])).toEqual([
      ['new', 'create', undefined],
      ['same', 'none', undefined],
      ['theirs', 'conflict', undefined],
      ['flaky', undefined, 'throttled'],
    ]);
    expect(s!.prune).toBeUndefined();
  });

  it('a leaving template is removed only when AWS’s template under its id names it as its source', async () => {
    const other = { ...owned('b'), tags: { ...owned('b').tags, [SOURCE_KEY]: 'someone-else' } };
    const aws = new MemoryTemplates(new Map([owned('a'), other].map((t) => [t.jobTemplateId, t])));
    const s = await surveyTemplates(deps(source([], { leaving: [desired('a'), desired('b'), desired('gone')] }), aws));
    expect(s!.leaving.map((l) => [l.template.key, l.removal.kind])).toEqual([
      ['a', 'delete'],
      ['b', 'none'],
      ['gone', 'none'],
    ]);
  });

  it('a pruning source: owned undeclared templates are removals, judged by the prune guard against every managed template; foreign ones are not', async () => {
    const foreign = { ...owned('theirs'), tags: {} };
    const aws = new MemoryTemplates(new Map([owned('keep'), owned('old'), foreign].map((t) => [t.jobTemplateId, t])));
    const s = await surveyTemplates(deps(source([desired('keep')], { prunesAbsent: true }), aws));
    expect(s!.prune!.removals.map((r) => [r.observed.jobTemplateId, r.removal.kind])).toEqual([['old', 'delete']]);
    expect(s!.prune!.verdict).toMatchObject({ allowed: true, managed: 2, removed: 1 });
    const all = await surveyTemplates(deps(source([], { prunesAbsent: true }), aws));
    expect(all!.prune!.verdict).toMatchObject({ allowed: false, removed: 2 });
  });
});

describe('a dry-run TemplateSync (plan)', () => {
  it('surveys what a pass would do and writes nothing; lastSurvey holds the survey, or why the listing failed', async () => {
    const aws = new MemoryTemplates(new Map([owned('old')].map((t) => [t.jobTemplateId, t])));
    const d = deps(source([desired('new')], { prunesAbsent: true }), aws);
    const sync = new TemplateSync({ ...d, hooks: NO_TEMPLATE_HOOKS, metrics: new Metrics({ defaultMetrics: false }), dryRun: true });
    await sync.sync();
    expect(aws.calls).toEqual(['list', 'read old']);
    expect(sync.lastSurvey()!.survey!.declared[0]!.action?.kind).toBe('create');
    expect(sync.lastSurvey()!.survey!.prune!.removals).toHaveLength(1);
    expect(sync.reports()).toEqual([]);

    aws.list = async () => Promise.reject(new Error('AccessDenied'));
    await sync.sync();
    expect(sync.lastSurvey()).toEqual({ error: 'AccessDenied', declared: 1 });
  });

  it('the same survey, not a dry run, is carried out: the missing template created, the owned undeclared one deleted', async () => {
    const aws = new MemoryTemplates(new Map([owned('old'), owned('kept')].map((t) => [t.jobTemplateId, t])));
    const d = deps(source([desired('new'), desired('kept')], { prunesAbsent: true }), aws);
    const sync = new TemplateSync({ ...d, hooks: NO_TEMPLATE_HOOKS, metrics: new Metrics({ defaultMetrics: false }) });
    await sync.sync();
    expect(aws.calls.filter((c) => !/^(list|read)/.test(c))).toEqual(['create new', 'delete old']);
    expect(sync.reports().map((r) => [r.key, r.reason])).toEqual([
      ['kept', 'Synced'],
      ['new', 'Synced'],
    ]);
  });
});
