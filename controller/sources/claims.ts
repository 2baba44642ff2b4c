/**
 * Claims: which manifests name one value (a jobId; in directory mode a name too) and which of them
 * keeps it. Two manifests driving one AWS job would undo each other's work, so each source settles
 * every conflict by a policy it states when it builds its index (ConflictPolicy).
 */
import type { ManifestProblem } from '../model/errors.js';
import type { DesiredJob } from '../model/iot-job.js';

/**
 * How a source settles two manifests that claim one value.
 * - 'refuse-snapshot' (directory): a tree is all-or-nothing, so a conflict refuses the whole
 *   snapshot; the first claimant in the snapshot's order holds the value and each later one is a
 *   problem that names it (refusedClaims).
 * - 'older-wins' (Kubernetes): objects are judged one by one; the claimant with the least `age`
 *   (its creation time, then its key) holds the value and each newer one alone has a problem, so an
 *   IoTJob created later never takes a running job from an older one.
 */
export type ConflictPolicy<C> = { kind: 'refuse-snapshot' } | { kind: 'older-wins'; age: (claimant: C) => string };

/**
 * Value → the claimants that name it, in the order they claimed it; the holder is chosen by the
 * policy. The first claimant of a value is kept apart from the rest, so an index of ten thousand
 * values that nobody else claims allocates no list.
 */
export class ClaimIndex<C> {
  private readonly first = new Map<string, C>();
  private readonly others = new Map<string, C[]>();

  constructor(readonly policy: ConflictPolicy<C>) {}

  /** Records that `claimant` names `value` (once; claiming again changes nothing). */
  claim(value: string, claimant: C): void {
    const first = this.first.get(value);
    if (first === undefined) return void this.first.set(value, claimant);
    const others = this.others.get(value);
    if (first === claimant || others?.includes(claimant)) return;
    if (others) others.push(claimant);
    else this.others.set(value, [claimant]);
  }

  /** Forgets that `claimant` names `value`; nothing when it did not. */
  release(value: string, claimant: C): void {
    const rest = this.claimants(value).filter((c) => c !== claimant);
    this.first.delete(value);
    this.others.delete(value);
    for (const c of rest) this.claim(value, c);
  }

  /** Every claimant of a value, in claim order; empty when none names it. */
  claimants(value: string): readonly C[] {
    const first = this.first.get(value);
    return first === undefined ? [] : [first, ...(this.others.get(value) ?? [])];
  }

  /** The claimant that keeps a value under the policy; undefined when none names it. */
  holder(value: string): C | undefined {
    const first = this.first.get(value);
    const others = this.others.get(value);
    if (!others || this.policy.kind === 'refuse-snapshot') return first;
    const age = this.policy.age;
    return others.reduce((held, c) => (age(c) < age(held) ? c : held), first!);
  }
}

/** What two manifests may not share in one snapshot, the field that names it, and how it is read off a job. */
const SNAPSHOT_CLAIMS = [
  ['jobId', 'spec.jobId', (j: DesiredJob) => j.jobId],
  ['name', 'metadata.name', (j: DesiredJob) => j.key],
] as const;

/**
 * The 'refuse-snapshot' policy over a whole snapshot: each manifest that claims a jobId, or a name,
 * that an earlier manifest claims is a problem naming the earlier one's place. Empty: no conflict.
 */
export function refusedClaims(jobs: readonly DesiredJob[]): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  for (const [what, field, valueOf] of SNAPSHOT_CLAIMS) {
    const claims = new ClaimIndex<DesiredJob>({ kind: 'refuse-snapshot' });
    for (const j of jobs) claims.claim(valueOf(j), j);
    for (const j of jobs) {
      const first = claims.holder(valueOf(j))!;
      if (first !== j)
        out.push({
          file: j.origin.file,
          line: j.origin.line,
          field,
          message: `${what} "${valueOf(j)}" is also claimed by ${first.origin.file}:${first.origin.line}`,
        });
    }
  }
  return out;
}
