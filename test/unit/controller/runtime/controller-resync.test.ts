import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { IotJobs } from '../../../../controller/aws/iot-jobs.js';
import { ThrottledError } from '../../../../controller/model/errors.js';
import { createLogger } from '../../../../controller/observability/logger.js';
import { Metrics } from '../../../../controller/observability/metrics.js';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { Controller } from '../../../../controller/runtime/controller.js';
import { Inventory } from '../../../../controller/runtime/inventory.js';
import { PruneGate } from '../../../../controller/runtime/prune-gate.js';
import type { Reconciler } from '../../../../controller/runtime/reconciler.js';
import { WorkQueue } from '../../../../controller/runtime/work-queue.js';
import type { DesiredSource } from '../../../../controller/sources/source.js';
import { aDesired, CONTROLLER } from '../../../helpers/builders.js';

const quiet = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));

/** A source with fixed manifests, always synced. */
function fixedSource(keys: string[]): DesiredSource {
  return {
    kind: 'directory',
    prunesAbsent: true,
    get: (k) => (keys.includes(k) ? aDesired({}, k) : undefined),
    keys: () => keys,
    status: () => ({ revision: 'r1', problems: [] }),
    synced: () => true,
    start: async () => undefined,
    stop: async () => undefined,
  };
}

describe('the resync', () => {
  it('a throttled discovery read neither aborts the resync nor makes the controller unready (regression)', async () => {
    const clock = new FakeClock();
    const reads: string[] = [];
    const jobs = {
      list: async () => [
        { jobId: 'unknown-1', status: 'IN_PROGRESS' as const },
        { jobId: 'unknown-2', status: 'IN_PROGRESS' as const },
      ],
      readOne: async (jobId: string) => {
        reads.push(jobId);
        throw new ThrottledError('DescribeJob: Rate exceeded');
      },
    } as unknown as IotJobs;
    const queue = new WorkQueue(clock);
    const controller = new Controller(
      {
        source: fixedSource(['a', 'b']),
        jobs,
        inventory: new Inventory(CONTROLLER),
        queue,
        reconciler: {} as Reconciler,
        pruneGate: new PruneGate({ maxShare: 0.5 }),
        metrics: new Metrics(),
        logger: quiet,
        clock,
      },
      { workers: 1, resyncMs: 60_000, jitter: 0, discoveryPerResync: 10 },
    );
    await controller.resync();
    expect(reads).toEqual(['unknown-1']);
    expect(controller.ready()).toBe(true);
    expect(queue.depth).toBe(2);
  });
});
