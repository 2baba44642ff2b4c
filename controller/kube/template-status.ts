/**
 * Kubernetes mode's side of the job template sync: the finalizer on an IoTJobTemplate before its
 * template is first created and off once its deletionPolicy is applied, and its status (Ready, the
 * template's id and ARN) through the status subresource, written only when it changed.
 */
import type { Clock } from '../model/clock.js';
import { canonicalJson } from '../plan/canonical.js';
import type { DesiredTemplate, TemplateReport } from '../model/iot-job-template.js';
import { objectPath, TEMPLATE_PLURAL, type IoTJobTemplateView } from './iotjob-resource.js';
import { IoTJobWriter } from './iotjob-writer.js';
import { isNotFound, MERGE_PATCH, type KubeRest } from './rest.js';
import { condition, type Condition } from './status.js';

/** The status an IoTJobTemplate carries. */
interface TemplateStatus {
  observedGeneration?: number;
  jobTemplateId?: string;
  jobTemplateArn?: string;
  conditions: Condition[];
}

/** What the template writes work with: the API, the IoTJobTemplates as the source knows them, the clock. */
interface Deps {
  rest: KubeRest;
  source: IoTJobTemplateView;
  clock: Clock;
}

/** Kubernetes mode's hooks of the template sync (runtime/template-sync.ts's TemplateHooks). */
export function templateHooks(d: Deps): {
  beforeCreate(t: DesiredTemplate): Promise<void>;
  released(t: DesiredTemplate): Promise<void>;
  report(r: TemplateReport): Promise<void>;
} {
  const writer = new IoTJobWriter(d.rest, TEMPLATE_PLURAL);
  return {
    async beforeCreate(t: DesiredTemplate) {
      const obj = d.source.object(t.key);
      if (!obj) throw new Error(`IoTJobTemplate ${t.key} is gone`);
      const updated = await writer.addFinalizer(obj);
      if (updated) d.source.accept(updated);
    },
    async released(t: DesiredTemplate) {
      const obj = d.source.object(t.key);
      if (obj) await writer.removeFinalizer(obj);
    },
    report: (r) => writeStatus(d, r),
  };
}

/** Writes a template's status when it differs from the object's; an object gone meanwhile is fine. */
async function writeStatus(d: Deps, r: TemplateReport): Promise<void> {
  const obj = d.source.object(r.key);
  if (!obj) return;
  const before = obj.status as Partial<TemplateStatus> | undefined;
  const status = statusOf(r, before, new Date(d.clock.now()).toISOString());
  if (!changed(before, status)) return;
  try {
    await d.rest.request('PATCH', `${objectPath(TEMPLATE_PLURAL, obj.metadata.namespace!, obj.metadata.name)}/status`, {
      body: { status },
      contentType: MERGE_PATCH,
    });
    obj.status = status as unknown as typeof obj.status;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Pure: the status a report gives; the Ready condition is written as an IoTJob's (kube/status.ts condition). */
export function statusOf(r: TemplateReport, before: Partial<TemplateStatus> | undefined, now: string): TemplateStatus {
  const ready = condition(
    { type: 'Ready', status: r.ready ? 'True' : 'False', reason: r.reason, message: r.message },
    { previous: before, now, generation: r.generation },
  );
  return {
    observedGeneration: r.generation,
    jobTemplateId: r.jobTemplateId || before?.jobTemplateId,
    jobTemplateArn: r.jobTemplateArn ?? before?.jobTemplateArn,
    conditions: [ready],
  };
}

/** Whether the new status says anything the old one does not. */
function changed(before: Partial<TemplateStatus> | undefined, after: TemplateStatus): boolean {
  return canonicalJson(before ?? {}) !== canonicalJson(after);
}
