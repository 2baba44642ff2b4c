/**
 * Pure: the Kubernetes Event of a reconcile, in plain words for `kubectl describe` and `kubectl
 * events`: a Normal event naming what changed in AWS IoT ("Created AWS IoT job fw"), a Warning for
 * a failed or stalled reconcile, nothing when AWS was left as it was. The planner's reason follows
 * where it adds something ("because ...").
 */
import type { Action, Outcome } from '../model/action.js';
import type { ReconcileReport } from '../model/report.js';

/** An Event to record: its type, CamelCase reason and message. */
export interface EventWords {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** The Event reason of each outcome that changed AWS (Normal events). */
const EVENT_REASONS: Partial<Record<Outcome, string>> = {
  created: 'Created',
  configured: 'Updated',
  replaced: 'Replaced',
  canceled: 'Canceled',
  deleted: 'Deleted',
  'execution-canceled': 'ExecutionCanceled',
  'execution-deleted': 'ExecutionDeleted',
  recorded: 'RolloutRecorded',
  promoted: 'WaveStarted',
};

/** The Event of a reconcile; undefined when it changed nothing and nothing is wrong. */
export function eventOf(r: ReconcileReport): EventWords | undefined {
  const why = r.error ?? r.action?.reason ?? '';
  if (r.outcome === 'failed') return { type: 'Warning', reason: 'ReconcileFailed', message: `Reconcile failed and will be retried: ${why}` };
  if (r.outcome === 'stalled') return { type: 'Warning', reason: 'Stalled', message: `Needs attention, nothing was changed in AWS IoT: ${why}` };
  const reason = EVENT_REASONS[r.outcome];
  return reason && r.action ? { type: 'Normal', reason, message: sentence(r.action) } : undefined;
}

type Of<K extends Action['kind']> = Extract<Action, { kind: K }>;
const withForce = (force: boolean): string => (force ? ' with force' : '');

/** What each carried-out action did, in a sentence. */
const SENTENCES: { [K in Action['kind']]?: (a: Of<K>) => string } = {
  create: (a) => `Created AWS IoT job ${a.jobId}`,
  update: (a) => `Updated ${a.fields.join(', ')} of AWS IoT job ${a.jobId}, because ${a.reason}`,
  replace: (a) => `Replaced AWS IoT job ${a.oldJobId} with job ${a.jobId}${a.cancelOld ? ` (job ${a.oldJobId} was canceled)` : ''}, because ${a.reason}`,
  cancel: (a) => `Canceled AWS IoT job ${a.jobId}${withForce(a.force)}, because ${a.reason}`,
  delete: (a) => `Deleted AWS IoT job ${a.jobId}, because ${a.reason}`,
  'cancel-execution': (a) => `Canceled the execution of job ${a.jobId} on thing ${a.thingName}${withForce(a.force)}`,
  'delete-execution': (a) => `Deleted execution ${a.executionNumber} of job ${a.jobId} on thing ${a.thingName}`,
  promote: (a) => `Started wave ${a.wave} of job ${a.jobId} on ${a.targets.length} target${a.targets.length === 1 ? '' : 's'}`,
};

/** The action's sentence; its reason for an action without one (a rollout record). */
function sentence(a: Action): string {
  const words = SENTENCES[a.kind] as ((a: Action) => string) | undefined;
  return words ? words(a) : a.reason;
}
