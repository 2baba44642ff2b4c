/**
 * The prune guard's current verdict, shared by the controller loop (which judges each snapshot)
 * and the reconciler (which asks before pruning a removed manifest's job).
 */
import { judgePrune, type PruneVerdict } from '../plan/prune-guard.js';

/** Holds the latest verdict of the prune guard. */
export class PruneGate {
  private current: PruneVerdict = { allowed: false, managed: 0, removed: 0, reason: 'not judged yet' };

  /** `noun` names what is pruned in the verdict's reason (default "jobs"). */
  constructor(private readonly o: { maxShare: number; approvedRevision?: string; noun?: string }) {}

  /** Judges a snapshot: `guarded` are the manifest keys whose removal would act on a job, `desired` the snapshot's keys. */
  judge(guarded: readonly string[], desired: ReadonlySet<string>, revision: string | undefined): PruneVerdict {
    const approved = revision !== undefined && revision === this.o.approvedRevision;
    this.current = judgePrune(guarded, desired, { maxShare: this.o.maxShare, approved, noun: this.o.noun });
    return this.current;
  }

  /** Whether removed manifests may be pruned now; false until the first judgement. */
  allowed(): boolean {
    return this.current.allowed;
  }

  /** The latest verdict. */
  verdict(): PruneVerdict {
    return this.current;
  }
}
