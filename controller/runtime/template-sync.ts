/**
 * Keeps the declared job templates in AWS. A pass surveys them (template-survey.ts: list, read,
 * decide), then carries the survey out: creates each declared one that is missing, tags or
 * recreates (by its replacePolicy) one that differs, and applies the recorded deletionPolicy to
 * owned ones whose manifest is gone (behind the prune guard) or is being deleted. A template this
 * controller does not own is never touched. A plan's sync surveys only. Passes never overlap: a
 * pass asked for while one runs runs once more after it.
 */
import type { JobTemplatesPort } from '../aws/job-templates.js';
import type { DesiredTemplate, ObservedTemplate, TemplateReport } from '../model/iot-job-template.js';
import { TerminalError } from '../model/errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { SOURCE_KEY } from '../plan/ownership.js';
import { templateActionReason, type RemovalAction, type TemplateAction } from '../plan/template-plan.js';
import type { TemplateSource } from '../sources/template-source.js';
import type { PruneGate } from './prune-gate.js';
import { surveyTemplates, TemplateListingError, type DeclaredStep, type LeavingStep, type PruneStep, type TemplateSurvey } from './template-survey.js';

/** What happens around the sync in a mode (Kubernetes: finalizers and status). */
export interface TemplateHooks {
  /** Before a template is first created: Kubernetes puts its finalizer on the object. */
  beforeCreate(t: DesiredTemplate): Promise<void>;
  /** After a leaving template's deletionPolicy was applied: Kubernetes takes the finalizer off. */
  released(t: DesiredTemplate): Promise<void>;
  /** Each declared template's outcome, after every pass. */
  report(r: TemplateReport): Promise<void>;
}

/** Hooks that do nothing (directory mode). */
export const NO_TEMPLATE_HOOKS: TemplateHooks = { beforeCreate: async () => {}, released: async () => {}, report: async () => {} };

/** What the sync works with. */
export interface TemplateSyncDeps {
  source: TemplateSource;
  aws: JobTemplatesPort;
  controllerId: string;
  /** The prune guard for templates (its own verdict, so templates and jobs are judged apart). */
  pruneGate: PruneGate;
  hooks: TemplateHooks;
  metrics: Metrics;
  logger: Logger;
  /** A plan's sync: each pass only surveys, and does nothing it decided. */
  dryRun?: boolean;
}

/** A pass's survey, or why it could not survey, with what the source held when it ran. */
export interface SurveyOutcome {
  /** Undefined with an error, or when there was nothing to look at. */
  survey?: TemplateSurvey;
  /** Why there is no survey: AWS's templates could not be listed, or the survey failed. */
  error?: string;
  /** How many templates the source named, declared or leaving. */
  named: number;
  /** Whether the source had read its templates (false: a Kubernetes source has not listed its IoTJobTemplates yet). */
  sourceSynced: boolean;
}

/** Runs template passes on request. */
export class TemplateSync {
  private running: Promise<void> | undefined;
  private again = false;
  /** The last pass's outcome of each declared template (and each invalid one), by key. */
  private last = new Map<string, TemplateReport>();
  private current = new Map<string, TemplateReport>();
  private surveyed: SurveyOutcome | undefined;

  constructor(private readonly d: TemplateSyncDeps) {}

  /** Runs a pass (or, while one runs, one more after it); resolves when the passes asked for so far are done. */
  sync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Passes until none more is asked for; a pass that fails unexpectedly is logged, never thrown into the resync or the source's callback. */
  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.pass().catch((err: unknown) => this.d.logger.error({ err: String(err) }, 'the job template sync failed; it runs again at the next resync'));
    } while (this.again);
  }

  /** One pass: a survey, then (unless a dry run) what it decided. */
  private async pass(): Promise<void> {
    const survey = await this.survey();
    if (!survey || this.d.dryRun) return;
    this.current = new Map();
    for (const step of survey.declared) await this.report(step.template, await this.syncOne(step));
    for (const p of survey.problems) await this.reportProblem(p);
    for (const step of survey.leaving) await this.leave(step);
    if (survey.prune) await this.prune(survey.prune);
    this.d.metrics.keepTemplates(new Set(survey.declared.map((step) => step.template.jobTemplateId)));
    this.last = this.current;
  }

  /**
   * Surveys and keeps the outcome for lastSurvey. A failure to list AWS's templates is logged and
   * gives undefined (the next trigger tries again); any other failure is thrown to the loop.
   */
  private async survey(): Promise<TemplateSurvey | undefined> {
    const source = this.d.source;
    const seen = { named: source.templates().length + source.leavingTemplates().length, sourceSynced: source.templatesSynced?.() ?? true };
    try {
      const survey = await surveyTemplates(this.d);
      this.surveyed = { survey, ...seen };
      return survey;
    } catch (err) {
      this.surveyed = { error: (err as Error).message, ...seen };
      if (!(err instanceof TemplateListingError)) throw err;
      this.d.logger.error({ err: err.message }, 'job templates could not be listed; they are synced at the next resync');
      return undefined;
    }
  }

  /** The last pass's survey, or why it could not survey; undefined before the first pass. */
  lastSurvey(): SurveyOutcome | undefined {
    return this.surveyed;
  }

  /** The last pass's outcome of each declared template, by key order (the status board shows them). */
  reports(): TemplateReport[] {
    return [...this.last.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Brings one declared template in line; its outcome. Never throws. */
  private async syncOne(step: DeclaredStep): Promise<Omit<TemplateReport, 'key' | 'jobTemplateId' | 'generation'>> {
    const t = step.template;
    try {
      if (step.error) throw step.error;
      return await this.act(t, step.observed, step.action!);
    } catch (err) {
      const invalid = err instanceof TerminalError;
      this.d.logger.error({ template: t.jobTemplateId, key: t.key, err: (err as Error).message }, 'job template sync failed');
      return { ready: false, reason: invalid ? 'Invalid' : 'Error', message: (err as Error).message };
    }
  }

  /** Carries out an action; the outcome it leads to. */
  private async act(
    t: DesiredTemplate,
    observed: ObservedTemplate | undefined,
    a: TemplateAction,
  ): Promise<Omit<TemplateReport, 'key' | 'jobTemplateId' | 'generation'>> {
    const arn = observed?.jobTemplateArn;
    switch (a.kind) {
      case 'none':
        return { ready: true, reason: 'Synced', message: 'the job template in AWS matches the manifest', jobTemplateArn: arn };
      case 'conflict':
        return { ready: false, reason: 'NotOwned', message: templateActionReason(t, a), jobTemplateArn: arn };
      case 'refuse':
        return { ready: false, reason: 'ChangeRefused', message: templateActionReason(t, a), jobTemplateArn: arn };
      case 'tag':
        await this.counted('tag', () => this.d.aws.tag(arn!, a.tags));
        return { ready: true, reason: 'Synced', message: 'tags updated', jobTemplateArn: arn };
      case 'recreate':
        await this.counted('delete', () => this.d.aws.delete(t.jobTemplateId));
        return this.create(t, a.tags, `recreated: ${a.fields.join(', ')} changed`, 'recreate');
      case 'create':
        return this.create(t, a.tags, 'created', 'create');
    }
  }

  private async create(
    t: DesiredTemplate,
    tags: Record<string, string>,
    what: string,
    action: string,
  ): Promise<Omit<TemplateReport, 'key' | 'jobTemplateId' | 'generation'>> {
    await this.d.hooks.beforeCreate(t);
    const { jobTemplateArn } = await this.counted(action, () => this.d.aws.create(t, tags));
    this.d.logger.info({ template: t.jobTemplateId, key: t.key }, `job template ${what}`);
    return { ready: true, reason: 'Synced', message: `the job template was ${what}`, jobTemplateArn };
  }

  /** Runs a call, counting it by action and outcome. */
  private async counted<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      const out = await call();
      this.d.metrics.templateActions.inc({ action, outcome: 'ok' });
      return out;
    } catch (err) {
      this.d.metrics.templateActions.inc({ action, outcome: 'error' });
      throw err;
    }
  }

  private async report(t: DesiredTemplate, r: Omit<TemplateReport, 'key' | 'jobTemplateId' | 'generation'>): Promise<void> {
    this.d.metrics.setTemplate(t.jobTemplateId, r.ready, r.reason);
    const report: TemplateReport = { ...r, key: t.key, jobTemplateId: t.jobTemplateId, generation: t.generation };
    this.current.set(t.key, report);
    try {
      await this.d.hooks.report(report);
    } catch (err) {
      this.d.logger.warn({ template: t.jobTemplateId, key: t.key, err: (err as Error).message }, 'the job template status could not be written');
    }
  }

  /** A declared template that cannot be synced (Kubernetes: an invalid IoTJobTemplate): its status says why. */
  private async reportProblem(p: { key: string; message: string; generation?: number }): Promise<void> {
    const report: TemplateReport = { ...p, jobTemplateId: '', ready: false, reason: 'Invalid' };
    this.current.set(p.key, report);
    try {
      await this.d.hooks.report(report);
    } catch (err) {
      this.d.logger.warn({ key: p.key, err: (err as Error).message }, 'the job template status could not be written');
    }
  }

  /** Applies a leaving template's recorded deletionPolicy, then releases it; a failure leaves it for the next pass. */
  private async leave(step: LeavingStep): Promise<void> {
    const t = step.template;
    try {
      if (step.error) throw step.error;
      if (step.observed) await this.remove(step.observed, step.removal);
      await this.d.hooks.released(t);
    } catch (err) {
      this.d.logger.error(
        { template: t.jobTemplateId, key: t.key, err: (err as Error).message },
        'the job template could not be removed; trying again at the next pass',
      );
    }
  }

  /** Deletes or orphans an owned template as decided. */
  private async remove(observed: ObservedTemplate, r: RemovalAction): Promise<void> {
    if (r.kind === 'delete') await this.counted('delete', () => this.d.aws.delete(observed.jobTemplateId));
    if (r.kind === 'orphan') await this.counted('orphan', () => this.d.aws.untag(observed.jobTemplateArn, r.keys));
    if (r.kind !== 'none')
      this.d.logger.info({ template: observed.jobTemplateId, key: observed.tags[SOURCE_KEY] }, `job template's manifest is gone: ${r.kind}d`);
  }

  /** Directory mode: owned templates no manifest declares are removed, unless the prune guard holds the snapshot back. */
  private async prune(p: PruneStep): Promise<void> {
    this.d.metrics.templatePruneBlocked.set(p.verdict.allowed ? 0 : 1);
    if (!p.verdict.allowed) return void this.d.logger.error({ removed: p.verdict.removed }, `template prune guard: ${p.verdict.reason}`);
    for (const { observed, removal } of p.removals) {
      try {
        await this.remove(observed, removal);
      } catch (err) {
        this.d.logger.error(
          { template: observed.jobTemplateId, err: (err as Error).message },
          'the job template could not be removed; trying again at the next pass',
        );
      }
    }
  }
}
