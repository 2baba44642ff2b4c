/**
 * Kubernetes Events on IoTJobs (core/v1, so `kubectl describe iotjob` shows them): one for every
 * change the controller makes in AWS and one for every failure. A failure that repeats with the
 * same message within ten minutes bumps the count of its event instead of adding another, as
 * client-go's correlator does. Recording never fails a reconcile: errors are logged.
 */
import type { Logger } from '../observability/logger.js';
import type { Clock } from '../model/clock.js';
import { MERGE_PATCH, type KubeRest } from './rest.js';
import type { KubeObject } from './reflector.js';

/** The object an event is about. */
export interface Involved extends KubeObject {
  apiVersion?: string;
  kind?: string;
}

interface Recorded {
  name: string;
  count: number;
  at: number;
}

const REPEAT_WINDOW_MS = 10 * 60_000;
const MAX_REMEMBERED = 5_000;

/** Writes Events. */
export class EventRecorder {
  private readonly recent = new Map<string, Recorded>();

  constructor(
    private readonly rest: KubeRest,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly instance: string,
  ) {}

  /** Records an event; resolves when it is written (or the write failed and was logged). */
  async record(obj: Involved, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const ns = obj.metadata.namespace ?? 'default';
    const id = `${obj.metadata.uid}|${type}|${reason}|${message}`;
    const now = this.clock.now();
    const stamp = new Date(now).toISOString();
    const seen = this.recent.get(id);
    try {
      if (seen && now - seen.at < REPEAT_WINDOW_MS) {
        seen.count++;
        seen.at = now;
        await this.rest.request('PATCH', `/api/v1/namespaces/${ns}/events/${seen.name}`, {
          body: { count: seen.count, lastTimestamp: stamp },
          contentType: MERGE_PATCH,
        });
        return;
      }
      const created = await this.rest.request<{ metadata: { name: string } }>('POST', `/api/v1/namespaces/${ns}/events`, {
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { generateName: `${obj.metadata.name}.`, namespace: ns },
          involvedObject: {
            apiVersion: obj.apiVersion,
            kind: obj.kind,
            name: obj.metadata.name,
            namespace: ns,
            uid: obj.metadata.uid,
            resourceVersion: obj.metadata.resourceVersion,
          },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: 'iot-jobs-controller' },
          reportingComponent: 'iot.gitops.dev/iot-jobs-controller',
          reportingInstance: this.instance.slice(0, 128),
          firstTimestamp: stamp,
          lastTimestamp: stamp,
          count: 1,
        },
      });
      this.remember(id, { name: created.metadata.name, count: 1, at: now });
    } catch (err) {
      if (seen) this.recent.delete(id);
      this.logger.warn({ object: `${ns}/${obj.metadata.name}`, reason, err: (err as Error).message }, 'could not record an event');
    }
  }

  private remember(id: string, r: Recorded): void {
    this.recent.set(id, r);
    if (this.recent.size <= MAX_REMEMBERED) return;
    const oldest = this.recent.keys().next().value;
    if (oldest !== undefined) this.recent.delete(oldest);
  }
}
