/**
 * Keeps the declared job templates in AWS: one pass lists the templates, then creates each
 * declared one that is missing, tags or recreates (by its replacePolicy) one that differs, and
 * applies the recorded deletionPolicy to owned ones whose manifest is gone (behind the prune
 * guard) or is being deleted. A template this controller does not own is never touched. Passes
 * never overlap: a pass asked for while one runs runs once more after it.
 */
import type { JobTemplatesPort, TemplateSummary } from '../aws/job-templates.js';
import type { DesiredTemplate, ObservedTemplate, TemplateReport } from '../model/iot-job-template.js';
import { TerminalError } from '../model/errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { isOwned, SOURCE_KEY } from '../plan/ownership.js';
import { planRemoval, planTemplate, type TemplateAction } from '../plan/template-plan.js';
import type { TemplateSource } from '../sources/template-source.js';
import type { PruneGate } from './prune-gate.js';

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
}

/** Runs template passes on request. */
export class TemplateSync {
  private running: Promise<void> | undefined;
  private again = false;
  /** The last pass's outcome of each declared template (and each invalid one), by key. */
  private last = new Map<string, TemplateReport>();
  private current = new Map<string, TemplateReport>();

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

  /** One pass; a failure to list AWS's templates ends it (logged), and the next trigger tries again. */
  private async pass(): Promise<void> {
    const declared = this.d.source.templates();
    const leaving = this.d.source.leavingTemplates();
    if (declared.length === 0 && leaving.length === 0 && !this.d.source.prunesAbsent) return;
    let listed: TemplateSummary[];
    try {
      listed = await this.d.aws.list();
    } catch (err) {
      this.d.logger.error({ err: (err as Error).message }, 'job templates could not be listed; they are synced at the next resync');
      return;
    }
    const byId = new Map(listed.map((s) => [s.jobTemplateId, s]));
    this.current = new Map();
    for (const t of declared) await this.report(t, await this.syncOne(t, byId.get(t.jobTemplateId)));
    for (const p of this.d.source.templateProblems()) await this.reportProblem(p);
    for (const t of leaving) await this.leave(t, byId.get(t.jobTemplateId));
    if (this.d.source.prunesAbsent) await this.prune(listed, declared, byId);
    this.d.metrics.keepTemplates(new Set(declared.map((t) => t.jobTemplateId)));
    this.last = this.current;
  }

  /** The last pass's outcome of each declared template, by key order (the status board shows them). */
  reports(): TemplateReport[] {
    return [...this.last.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Brings one declared template in line; its outcome. Never throws. */
  private async syncOne(t: DesiredTemplate, summary: TemplateSummary | undefined): Promise<Omit<TemplateReport, 'key' | 'jobTemplateId' | 'generation'>> {
    try {
      const observed = summary ? await this.d.aws.read(summary) : undefined;
      const action = planTemplate(t, observed, this.d.controllerId);
      return await this.act(t, observed, action);
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
        return { ready: false, reason: 'NotOwned', message: notOwned(t, a.owner), jobTemplateArn: arn };
      case 'refuse':
        return { ready: false, reason: 'ChangeRefused', message: refused(a.fields), jobTemplateArn: arn };
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
  private async leave(t: DesiredTemplate, summary: TemplateSummary | undefined): Promise<void> {
    try {
      const observed = summary ? await this.d.aws.read(summary) : undefined;
      if (observed && observed.tags[SOURCE_KEY] === t.key) await this.remove(observed);
      await this.d.hooks.released(t);
    } catch (err) {
      this.d.logger.error(
        { template: t.jobTemplateId, key: t.key, err: (err as Error).message },
        'the job template could not be removed; trying again at the next pass',
      );
    }
  }

  /** Deletes or orphans an owned template by the policy its tags recorded. */
  private async remove(observed: ObservedTemplate): Promise<void> {
    const r = planRemoval(observed, this.d.controllerId);
    if (r.kind === 'delete') await this.counted('delete', () => this.d.aws.delete(observed.jobTemplateId));
    if (r.kind === 'orphan') await this.counted('orphan', () => this.d.aws.untag(observed.jobTemplateArn, r.keys));
    if (r.kind !== 'none')
      this.d.logger.info({ template: observed.jobTemplateId, key: observed.tags[SOURCE_KEY] }, `job template's manifest is gone: ${r.kind}d`);
  }

  /**
   * Directory mode: owned templates no manifest declares are removed, unless the prune guard holds
   * the snapshot back. The guard weighs them against every template in AWS that a manifest declares.
   */
  private async prune(listed: TemplateSummary[], declared: DesiredTemplate[], byId: Map<string, TemplateSummary>): Promise<void> {
    const declaredIds = new Set(declared.map((t) => t.jobTemplateId));
    const owned: ObservedTemplate[] = [];
    for (const s of listed) {
      if (declaredIds.has(s.jobTemplateId)) continue;
      const o = await this.readQuietly(s);
      if (o && isOwned(o, this.d.controllerId)) owned.push(o);
    }
    const keys = new Set(declared.map((t) => t.key));
    const declaredInAws = declared.filter((t) => byId.has(t.jobTemplateId)).map((t) => t.key);
    const managed = [...owned.map((o) => o.tags[SOURCE_KEY] ?? o.jobTemplateId), ...declaredInAws];
    const verdict = this.d.pruneGate.judge(managed, keys, this.d.source.templateRevision?.());
    this.d.metrics.templatePruneBlocked.set(verdict.allowed ? 0 : 1);
    if (!verdict.allowed) return void this.d.logger.error({ removed: verdict.removed }, `template prune guard: ${verdict.reason}`);
    for (const o of owned) await this.removeQuietly(o);
  }

  private async readQuietly(s: TemplateSummary): Promise<ObservedTemplate | undefined> {
    try {
      return await this.d.aws.read(s);
    } catch (err) {
      this.d.logger.warn(
        { template: s.jobTemplateId, err: (err as Error).message },
        'a job template could not be read; its ownership is learned at the next pass',
      );
      return undefined;
    }
  }

  private async removeQuietly(o: ObservedTemplate): Promise<void> {
    try {
      await this.remove(o);
    } catch (err) {
      this.d.logger.error({ template: o.jobTemplateId, err: (err as Error).message }, 'the job template could not be removed; trying again at the next pass');
    }
  }
}

/** What a NotOwned template's status says. */
function notOwned(t: DesiredTemplate, owner: string | undefined): string {
  const who = owner ? `another controller (${owner})` : 'no controller (it was made by hand or by other tooling)';
  return `job template ${t.jobTemplateId} exists in AWS and is managed by ${who}; it is left alone. Choose another spec.jobTemplateId, or delete that template`;
}

/** What a ChangeRefused template's status says. */
function refused(fields: string[]): string {
  return `${fields.join(', ')} changed; AWS cannot update a job template. Set spec.replacePolicy: Recreate to delete and create it again (jobs made from it keep what they took), or revert`;
}
