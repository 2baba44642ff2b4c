/**
 * The adversarial scenario of the crash and fault tests: a few hundred manifests converge (commit
 * 1), then one commit updates, cancels, removes and replaces some of them (commit 2), beside jobs
 * that a human made (one shaped like a manifest's replacement). `verify` reads the emulator and its
 * call log and counts what the promise forbids: lost, duplicated and unowned-touched jobs, and
 * mutating calls carried out beyond the minimum.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Emulator } from '../../emulator/index.js';
import { JOB_WRITES, manifest } from './stack.js';

const FLEET = 'arn:aws:iot:us-east-1:123456789012:thinggroup/fleet';
/** The operations that change AWS. */
export const MUTATING = JOB_WRITES;
/** Jobs a human made: one is shaped like a replacement of manifest m-001, one is unrelated. */
export const FOREIGN = ['m-001-r2', 'ops-hotfix'];

const name = (i: number): string => `m-${String(i).padStart(3, '0')}`;

/** The manifests and the expected end state for `n` manifests (n ≥ 120). */
export class RolloutScenario {
  readonly replaced: string[];
  readonly updated: string[];
  readonly canceled: string[];
  readonly removed: string[];
  readonly all: string[];

  constructor(
    readonly n: number,
    readonly dir: string,
  ) {
    this.all = Array.from({ length: n }, (_, i) => name(i));
    const slice = (from: number, count: number): string[] => this.all.slice(Math.round((from * n) / 200), Math.round(((from + count) * n) / 200));
    this.replaced = slice(0, 10);
    this.updated = slice(10, 50);
    this.canceled = slice(60, 30);
    this.removed = slice(90, 20);
  }

  /** Makes the human's jobs (before the controller ever runs). */
  seedForeign(emu: Emulator): void {
    for (const jobId of FOREIGN)
      emu.service.call('CreateJob', {
        jobId,
        targets: [FLEET],
        document: '{"by":"hand"}',
        description: 'made by hand',
        tags: [{ Key: 'owner', Value: 'human' }],
      });
  }

  /** Commit 1: every manifest, the replaced ones with replacePolicy Recreate. */
  commitOne(): void {
    for (const m of this.all) this.write(m, manifest(m, { description: 'v1', ...(this.replaced.includes(m) ? { replacePolicy: 'Recreate' } : {}) }));
  }

  /** Commit 2: updates, cancels, removals and replacements in one go. */
  commitTwo(): void {
    for (const m of this.updated) this.write(m, manifest(m, { description: 'v2' }));
    for (const m of this.canceled) this.write(m, manifest(m, { description: 'v1', state: 'Canceled' }));
    for (const m of this.replaced) this.write(m, manifest(m, { description: 'v1', replacePolicy: 'Recreate', document: { op: 'ota', v: 2 } }));
    for (const m of this.removed) rmSync(join(this.dir, `${m}.yaml`));
  }

  /** The job id each replaced manifest ends on: r2, or r3 where a human holds r2. */
  replacementOf(m: string): string {
    return FOREIGN.includes(`${m}-r2`) ? `${m}-r3` : `${m}-r2`;
  }

  /** The least number of each mutating call that commit 1 and 2 need. */
  minimum(afterCommitTwo = true): Record<string, number> {
    const two = afterCommitTwo ? 1 : 0;
    return {
      CreateJob: this.n + two * this.replaced.length,
      UpdateJob: two * this.updated.length,
      CancelJob: two * (this.canceled.length + this.removed.length + this.replaced.length),
    };
  }

  /** Every job the emulator should hold, with its status and description. */
  expected(afterCommitTwo = true): Map<string, { status: string; description: string }> {
    const out = new Map<string, { status: string; description: string }>();
    for (const m of this.all) out.set(m, { status: 'IN_PROGRESS', description: 'v1' });
    if (!afterCommitTwo) return out;
    for (const m of this.updated) out.set(m, { status: 'IN_PROGRESS', description: 'v2' });
    for (const m of [...this.canceled, ...this.removed, ...this.replaced]) out.set(m, { status: 'CANCELED', description: 'v1' });
    for (const m of this.replaced) out.set(this.replacementOf(m), { status: 'IN_PROGRESS', description: 'v1' });
    return out;
  }

  private write(m: string, text: string): void {
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, `${m}.yaml`);
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  }
}

/** What the promise forbids, counted. */
export interface Verdict {
  manifests: number;
  jobs: number;
  lost: number;
  duplicated: number;
  unownedTouched: number;
  /** Mutating calls carried out (answered ok, or carried out with the answer lost) beyond the minimum, per operation. */
  extra: Record<string, number>;
  /** Mutating calls carried out per operation. */
  applied: Record<string, number>;
}

/** Reads the emulator and its call log against the scenario's expectations. */
export function verify(s: RolloutScenario, emu: Emulator, afterCommitTwo = true): Verdict {
  const expected = s.expected(afterCommitTwo);
  const jobs = emu.service.state.jobs as Map<string, { status: string; description?: string }>;
  let lost = 0;
  for (const [jobId, want] of expected) {
    const got = jobs.get(jobId);
    if (!got || got.status !== want.status || got.description !== want.description) lost++;
  }
  const duplicated = [...jobs.keys()].filter((id) => !expected.has(id) && !FOREIGN.includes(id)).length;
  const summary = emu.server.calls.summary();
  const applied: Record<string, number> = {};
  const extra: Record<string, number> = {};
  const min = s.minimum(afterCommitTwo);
  for (const op of MUTATING) {
    applied[op] = (summary[op]?.ok ?? 0) + (summary[op]?.['lost-response'] ?? 0);
    extra[op] = Math.max(0, applied[op] - (min[op] ?? 0));
  }
  return { manifests: s.n, jobs: jobs.size, lost, duplicated, unownedTouched: unownedTouched(emu), extra, applied };
}

/** Human jobs changed in any way, plus mutating calls aimed at them. */
function unownedTouched(emu: Emulator): number {
  let n = 0;
  for (const jobId of FOREIGN) {
    const job = (emu.service.call('DescribeJob', { jobId }) as { job: { status: string; description?: string; jobArn: string } }).job;
    const tags = (emu.service.call('ListTagsForResource', { resourceArn: job.jobArn }) as { tags: { Key: string; Value: string }[] }).tags;
    if (job.status !== 'IN_PROGRESS' || job.description !== 'made by hand' || tags.length !== 1 || tags[0]!.Value !== 'human') n++;
  }
  const aimed = emu.server.calls
    .since(0)
    .filter(
      (c) =>
        (MUTATING as readonly string[]).includes(c.operation) &&
        c.operation !== 'CreateJob' &&
        FOREIGN.some((id) => c.path.includes(`/jobs/${id}`) || decodeURIComponent(c.path).includes(`job/${id}`)),
    );
  return n + aimed.length;
}
