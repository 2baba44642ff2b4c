/**
 * Follows jobs from their CreateJob to their first read-back (a DescribeJob answered after it),
 * from the emulator's call log, read a page at a time. The benchmarks use it to report when every
 * job was created and when every job was read back (the controller saw it in AWS).
 */
import { sleep } from './common.js';

interface Call {
  operation: string;
  path: string;
  at: number;
  outcome: string;
}

/** When each of a set of jobs was created and first read back, as the emulator logged it. */
export class ReadBackTracker {
  private since: number;
  private readonly paths: Set<string>;
  private readonly created = new Map<string, number>();
  private readonly readBack = new Map<string, number>();

  /** Follows the jobs `/jobs/<id>` for `ids`; calls logged up to `since` are ignored. */
  constructor(
    private readonly emuUrl: string,
    ids: readonly string[],
    since: number,
  ) {
    this.since = since;
    this.paths = new Set(ids.map((id) => `/jobs/${id}`));
  }

  /** Reads the calls logged since the last poll. */
  async poll(): Promise<void> {
    const page = (await (await fetch(`${this.emuUrl}/_emulator/calls?since=${this.since}`)).json()) as { last: number; calls: Call[] };
    for (const c of page.calls) this.note(c);
    this.since = page.last;
  }

  private note(c: Call): void {
    if (c.outcome !== 'ok' || !this.paths.has(c.path)) return;
    if (c.operation === 'CreateJob' && !this.created.has(c.path)) this.created.set(c.path, c.at);
    const createdAt = this.created.get(c.path);
    if (c.operation === 'DescribeJob' && createdAt !== undefined && c.at >= createdAt && !this.readBack.has(c.path)) this.readBack.set(c.path, c.at);
  }

  /** The time (emulator clock, epoch ms) the last job was created; undefined until every job was. */
  allCreatedAt(): number | undefined {
    return this.created.size === this.paths.size ? Math.max(...this.created.values()) : undefined;
  }

  /** The time the last job was first read back after its creation; undefined until every job was. */
  allReadBackAt(): number | undefined {
    return this.readBack.size === this.paths.size ? Math.max(...this.readBack.values()) : undefined;
  }

  /** Polls every `everyMs` until `done` gives a time; throws after `timeoutMs`. */
  async until(what: string, done: () => number | undefined, timeoutMs: number, everyMs = 500): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.poll();
      const at = done();
      if (at !== undefined) return at;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what} (${this.created.size} created, ${this.readBack.size} read back of ${this.paths.size})`);
      await sleep(everyMs);
    }
  }
}

/** The pipelining target at `tps`: every job created and read back within 1.1 × N / tps seconds. */
export function pipelineTarget(n: number, tps: number): number {
  return (1.1 * n) / tps;
}
