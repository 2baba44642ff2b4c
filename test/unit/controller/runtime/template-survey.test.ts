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
import { NO_TEMPLATE_HOOKS, TemplateSync, type TemplateHooks } from '../../../../controller/runtime/template-sync.js';
import type { TemplateSource } from '../../../../controller/sources/template-source.js';
import { capturingLogger, quietLogger } from '../../../helpers/logs.js';

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

  it('a leaving template whose id a declared manifest names (a renamed object) is not removed: the new manifest takes it over', async () => {
    const aws = new MemoryTemplates(new Map([owned('ota')].map((t) => [t.jobTemplateId, t])));
    const renamed = { ...desired('ota'), key: 'ota-renamed' };
    const s = await surveyTemplates(deps(source([renamed], { leaving: [desired('ota')] }), aws));
    expect(s!.declared[0]!.action?.kind).toBe('tag');
    expect(s!.leaving.map((l) => [l.template.key, l.removal.kind])).toEqual([['ota', 'none']]);
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
    expect(s!.prune!.unread).toEqual([]);
    const all = await surveyTemplates(deps(source([], { prunesAbsent: true }), aws));
    expect(all!.prune!.verdict).toMatchObject({ allowed: false, removed: 2 });
    // One that cannot be read is neither a removal nor counted; the plan names it.
    aws.failingReads.add('old');
    const flaky = await surveyTemplates(deps(source([desired('keep')], { prunesAbsent: true }), aws));
    expect(flaky!.prune!.removals).toEqual([]);
    expect(flaky!.prune!.unread).toEqual([{ jobTemplateId: 'old', message: 'throttled' }]);
  });
});

/** Hooks that record every call. */
function recordingHooks(): TemplateHooks & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    beforeCreate: async (t) => void calls.push(`beforeCreate ${t.key}`),
    released: async (t) => void calls.push(`released ${t.key}`),
    report: async (r) => void calls.push(`report ${r.key} ${r.reason}`),
  };
}

describe('a dry-run TemplateSync (plan)', () => {
  it('surveys what a pass would do and writes nothing, to AWS or through its hooks; lastSurvey holds the survey, or why the listing failed', async () => {
    const aws = new MemoryTemplates(new Map([owned('leaving')].map((t) => [t.jobTemplateId, t])));
    const hooks = recordingHooks();
    const metrics = new Metrics({ defaultMetrics: false });
    const sync = new TemplateSync({ ...deps(source([desired('new')], { leaving: [desired('leaving')] }), aws), hooks, metrics, dryRun: true });
    await sync.sync();
    expect(aws.calls).toEqual(['list', 'read leaving']);
    expect(hooks.calls).toEqual([]);
    const survey = sync.lastSurvey()!.survey!;
    expect([survey.declared[0]!.action?.kind, survey.leaving[0]!.removal.kind]).toEqual(['create', 'delete']);
    expect(sync.reports()).toEqual([]);

    aws.list = async () => Promise.reject(new Error('AccessDenied'));
    await sync.sync();
    expect(sync.lastSurvey()).toEqual({ error: 'AccessDenied', named: 2, sourceSynced: true });
  });

  it('a pruning source in a dry run: the removal and the guard’s verdict (every managed template: held) are surveyed, nothing is deleted', async () => {
    const aws = new MemoryTemplates(new Map([owned('old')].map((t) => [t.jobTemplateId, t])));
    const d = deps(source([desired('new')], { prunesAbsent: true }), aws);
    const sync = new TemplateSync({ ...d, hooks: recordingHooks(), metrics: new Metrics({ defaultMetrics: false }), dryRun: true });
    await sync.sync();
    expect(aws.calls).toEqual(['list', 'read old']);
    expect(sync.lastSurvey()!.survey!.prune).toMatchObject({
      verdict: { allowed: false, managed: 1, removed: 1 },
      removals: [{ removal: { kind: 'delete' } }],
    });
  });

  it('the same survey, not a dry run, is carried out after every read: the missing template created, the owned undeclared one deleted', async () => {
    const aws = new MemoryTemplates(new Map([owned('old'), owned('kept')].map((t) => [t.jobTemplateId, t])));
    const d = deps(source([desired('new'), desired('kept')], { prunesAbsent: true }), aws);
    const hooks = recordingHooks();
    const sync = new TemplateSync({ ...d, hooks, metrics: new Metrics({ defaultMetrics: false }) });
    await sync.sync();
    expect(aws.calls).toEqual(['list', 'read kept', 'read old', 'create new', 'delete old']);
    expect(hooks.calls).toEqual(['beforeCreate new', 'report new Synced', 'report kept Synced']);
    expect(sync.reports().map((r) => [r.key, r.reason])).toEqual([
      ['kept', 'Synced'],
      ['new', 'Synced'],
    ]);
  });

  it('a failure other than the listing is the sync failing, logged as such, and lastSurvey says why', async () => {
    const aws = new MemoryTemplates(new Map());
    const src = {
      ...source([desired('a')]),
      templateProblems: () => {
        throw new Error('bad index');
      },
    };
    const { logger, lines } = capturingLogger();
    const sync = new TemplateSync({ ...deps(src, aws), logger, hooks: NO_TEMPLATE_HOOKS, metrics: new Metrics({ defaultMetrics: false }) });
    await sync.sync();
    expect(sync.lastSurvey()).toMatchObject({ error: 'bad index', named: 1 });
    expect(lines.map((l) => l.msg)).toContain('the job template sync failed; it runs again at the next resync');
    expect(lines.map((l) => l.msg)).not.toContain('job templates could not be listed; they are synced at the next resync');
  });
});
