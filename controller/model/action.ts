/**
 * The closed vocabularies of a reconcile: Actions are imperative and carry a human reason;
 * Outcomes are past tense (ARCHITECTURE.md principle 4).
 */

/** One step the planner asks for. `stalled` on a noop means the job needs a human. */
export type Action =
  | { kind: 'create'; jobId: string; reason: string }
  | { kind: 'update'; jobId: string; fields: string[]; reason: string }
  | { kind: 'replace'; oldJobId: string; jobId: string; cancelOld: boolean; reason: string }
  | { kind: 'cancel'; jobId: string; force: boolean; reasonCode?: string; comment?: string; reason: string }
  | { kind: 'cancel-execution'; jobId: string; thingName: string; force: boolean; reason: string }
  | { kind: 'delete-execution'; jobId: string; thingName: string; executionNumber: number; force: boolean; reason: string }
  | { kind: 'delete'; jobId: string; reason: string }
  | { kind: 'wait'; jobId?: string; afterMs: number; reason: string }
  | { kind: 'noop'; jobId?: string; reason: string; stalled?: boolean };

export type ActionKind = Action['kind'];

/** Every action kind, for pre-initialised metric labels. */
export const ACTION_KINDS: readonly ActionKind[] = ['create', 'update', 'replace', 'cancel', 'cancel-execution', 'delete-execution', 'delete', 'wait', 'noop'];

/** What executing an action did. */
export type Outcome = 'created' | 'configured' | 'replaced' | 'canceled' | 'deleted' | 'unchanged' | 'waiting' | 'skipped' | 'failed';

/** The outcome an action has when it succeeds. */
export function outcomeOf(action: Action): Outcome {
  switch (action.kind) {
    case 'create':
      return 'created';
    case 'update':
      return 'configured';
    case 'replace':
      return 'replaced';
    case 'cancel':
    case 'cancel-execution':
      return 'canceled';
    case 'delete':
    case 'delete-execution':
      return 'deleted';
    case 'wait':
      return 'waiting';
    case 'noop':
      return action.stalled ? 'skipped' : 'unchanged';
  }
}

/** Whether an action changes anything in AWS. */
export function mutates(action: Action): boolean {
  return action.kind !== 'wait' && action.kind !== 'noop';
}
