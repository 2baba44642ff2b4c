/**
 * The call log: one entry per request the server answered (operation, outcome, latency), kept in
 * a bounded ring so a long benchmark cannot exhaust memory. Tests and benchmarks read it to count
 * calls by operation and outcome.
 */

/** One answered request. `outcome` is "ok", the error code, or "dropped". */
export interface CallEntry {
  seq: number;
  at: number;
  operation: string;
  /** The request path, e.g. /jobs/fw-1. */
  path: string;
  plane: string;
  outcome: string;
  status: number;
  latencyMs: number;
}

/** A bounded log of calls. */
export class CallLog {
  private entries: CallEntry[] = [];
  private seq = 0;

  constructor(private readonly capacity = 200_000) {}

  /** Records a call and returns its entry. */
  record(e: Omit<CallEntry, 'seq'>): CallEntry {
    const entry = { ...e, seq: ++this.seq };
    this.entries.push(entry);
    // Trim in chunks, so recording stays O(1) amortised once the log is full.
    if (this.entries.length > this.capacity * 1.25) this.entries.splice(0, this.entries.length - this.capacity);
    return entry;
  }

  /** The entries after sequence number `since` (all when 0), oldest first. */
  since(since = 0): CallEntry[] {
    return this.entries.filter((e) => e.seq > since);
  }

  /** Counts by operation and outcome of the entries after `since`. */
  summary(since = 0): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const e of this.since(since)) {
      const byOutcome = (out[e.operation] ??= {});
      byOutcome[e.outcome] = (byOutcome[e.outcome] ?? 0) + 1;
    }
    return out;
  }

  /** The sequence number of the newest entry (0 when empty). */
  get last(): number {
    return this.seq;
  }

  /** Empties the log; sequence numbers keep rising. */
  clear(): void {
    this.entries = [];
  }
}
