/**
 * The closed vocabularies of a reconcile: Actions are imperative and carry a human reason;
 * Outcomes are past tense (ARCHITECTURE.md principle 4).
 */

/** The ownership tags a job carried when the planner decided to claim it (adopt or rename); the executor checks them afresh. */
export interface JobClaim {
  managedBy?: string;
  sourceKey?: string;
}

/** One step the planner asks for. `stalled` on a noop means the job needs a human. */
export type Action =
  | { kind: 'create'; jobId: string; reason: string }
  | { kind: 'update'; jobId: string; fields: string[]; reason: string; claim?: JobClaim }
  | { kind: 'replace'; oldJobId: string; jobId: string; cancelOld: boolean; reason: string }
  | { kind: 'cancel'; jobId: string; force: boolean; reasonCode?: string; comment?: string; reason: string }
  | { kind: 'cancel-execution'; jobId: string; thingName: string; force: boolean; reason: string }
  | { kind: 'delete-execution'; jobId: string; thingName: string; executionNumber: number; force: boolean; reason: string }
  | { kind: 'delete'; jobId: string; reason: string }
  /** Writes one controller tag on the job (a staged rollout's record). */
  | { kind: 'record'; jobId: string; tag: string; value: string; reason: string }
  /** Starts the next wave of a staged rollout: adds its targets to the job (AssociateTargetsWithJob). */
  | { kind: 'promote'; jobId: string; wave: string; targets: string[]; reason: string }
  | { kind: 'wait'; jobId?: string; afterMs: number; reason: string }
  | { kind: 'noop'; jobId?: string; reason: string; stalled?: boolean };

export type ActionKind = Action['kind'];

/** Every action kind, for pre-initialised metric labels. */
export const ACTION_KINDS: readonly ActionKind[] = [
  'create',
  'update',
  'replace',
  'cancel',
  'cancel-execution',
  'delete-execution',
  'delete',
  'record',
  'promote',
  'wait',
  'noop',
];

/**
 * What a reconcile did, past tense: the one outcome vocabulary. The executor returns it, the
 * report carries it, and the queue's result, the log line, the status's lastAction, the Kubernetes
 * Event and iotjobs_actions_total are all derived from it.
 */
export const OUTCOMES = [
  'created',
  'configured',
  'replaced',
  'canceled',
  'deleted',
  'execution-canceled',
  'execution-deleted',
  'recorded',
  'promoted',
  'unchanged',
  'waiting',
  'stalled',
  'planned',
  'failed',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

const DONE: Record<Exclude<ActionKind, 'noop' | 'wait'>, Outcome> = {
  create: 'created',
  update: 'configured',
  replace: 'replaced',
  cancel: 'canceled',
  delete: 'deleted',
  'cancel-execution': 'execution-canceled',
  'delete-execution': 'execution-deleted',
  record: 'recorded',
  promote: 'promoted',
};

/** The outcome an action has when it is carried out and succeeds. */
export function outcomeOf(action: Action): Outcome {
  if (action.kind === 'noop') return action.stalled ? 'stalled' : 'unchanged';
  if (action.kind === 'wait') return 'waiting';
  return DONE[action.kind];
}

/** The outcomes an action kind can end in, for pre-initialised metric labels. */
export function outcomesOf(kind: ActionKind): Outcome[] {
  if (kind === 'noop') return ['unchanged', 'stalled', 'planned', 'failed'];
  if (kind === 'wait') return ['waiting', 'planned', 'failed'];
  return [DONE[kind], 'planned', 'stalled', 'waiting', 'failed'];
}

/** Whether an action changes anything in AWS. */
export function mutates(action: Action): boolean {
  return action.kind !== 'wait' && action.kind !== 'noop';
}
