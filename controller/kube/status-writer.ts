/**
 * What Kubernetes mode does after each reconcile: an Event for an AWS
 * change or a failure; for a deletion the deletion guard holds, the hold written on the object and
 * one DeletionHeld Event; for a deletion whose deletionPolicy is done, the finalizer's removal;
 * otherwise the status, through the status subresource, once; it does no AWS I/O (the failed
 * things come with the reconcile's observation). A status that differs from the one
 * written only in lastSyncTime is not written again until `refreshMs` has passed, so a quiet
 * resync of a thousand IoTJobs does not write a thousand objects.
 */
import type { Logger } from '../observability/logger.js';
import type { Clock } from '../model/clock.js';
import type { ReconcileReport } from '../model/report.js';
import { eventOf } from './event-words.js';
import type { EventRecorder } from './events.js';
import { iotJobPath, reconcileRequestOf, type IoTJobObject, type IoTJobView } from './iotjob-resource.js';
import type { IoTJobWriter } from './iotjob-writer.js';
import { isNotFound, MERGE_PATCH, type KubeRest } from './rest.js';
import { statusChanged, statusFor, type IoTJobStatus } from './status.js';

/** What the writer works with. */
export interface StatusWriterDeps {
  rest: KubeRest;
  /** The IoTJobs as the source knows them. */
  view: IoTJobView;
  writer: IoTJobWriter;
  events: EventRecorder;
  clock: Clock;
  logger: Logger;
  /** Rewrite an unchanged status this often, to move lastSyncTime (default 5 minutes). */
  refreshMs?: number;
}

/** Writes status, events and finalizer removals for reconcile reports. */
export class StatusWriter {
  /** The status last written per key, for the object (uid) it was written to. */
  private readonly written = new Map<string, { uid?: string; status: IoTJobStatus; at: number }>();

  constructor(private readonly d: StatusWriterDeps) {}

  /** Handles one report; never throws (a failed write is logged, and the next reconcile writes again). */
  async report(r: ReconcileReport): Promise<void> {
    const obj = this.d.view.object(r.key);
    if (!obj) {
      this.written.delete(r.key);
      return;
    }
    const held = this.d.view.heldDeletion(r.key);
    // Events are written beside the reconcile, not in its way (the recorder logs its own failures).
    if (held === undefined) void this.recordEvent(obj, r);
    else await this.noteHold(obj, r.key, held);
    try {
      if (r.leaving && this.deletionDone(r)) {
        await this.d.writer.removeFinalizer(obj);
        this.written.delete(r.key);
        this.d.logger.info({ key: r.key, reason: r.action?.reason }, 'deletion policy applied; finalizer removed');
        return;
      }
      await this.writeStatus(obj, r);
    } catch (err) {
      if (isNotFound(err)) return;
      this.d.logger.warn({ key: r.key, err: (err as Error).message }, 'could not write the IoTJob status');
    }
  }

  /** A deletion is done when nothing more is to be done to the job: a plain noop, without error. */
  private deletionDone(r: ReconcileReport): boolean {
    return r.result === 'success' && !r.error && r.action?.kind === 'noop' && !r.action.stalled;
  }

  /** Writes the hold on the object the first time it is held, with one Warning Event (a restarted controller finds it written and stays quiet). */
  private async noteHold(obj: IoTJobObject, key: string, reason: string): Promise<void> {
    try {
      const updated = await this.d.writer.markHeld(obj, reason);
      if (!updated) return;
      this.d.view.accept(updated);
    } catch (err) {
      if (!isNotFound(err))
        this.d.logger.warn({ key, err: (err as Error).message }, 'could not write the deletion hold on the IoTJob; the next reconcile tries again');
      return;
    }
    void this.d.events.record(obj, 'Warning', 'DeletionHeld', this.d.view.problemOf(key)?.message ?? reason);
  }

  /** A Warning for a failed or stalled reconcile, a Normal event for a change in AWS; nothing otherwise (event-words.ts). */
  private async recordEvent(obj: IoTJobObject, r: ReconcileReport): Promise<void> {
    const e = eventOf(r);
    if (e) await this.d.events.record(obj, e.type, e.reason, e.message);
  }

  private async writeStatus(obj: IoTJobObject, r: ReconcileReport): Promise<void> {
    // A status written to an earlier object of the same name (deleted and created again) says nothing of this one.
    const mine = this.written.get(r.key);
    const last = mine?.uid === obj.metadata.uid ? mine : undefined;
    const previous = last?.status ?? (obj.status as IoTJobStatus | undefined);
    const now = this.d.clock.now();
    const status = statusFor(r, {
      generation: obj.metadata.generation,
      previous,
      now: new Date(now).toISOString(),
      failedThings: r.observed?.failedThings,
      reconcileRequest: reconcileRequestOf(obj),
    });
    if (last && !statusChanged(last.status, status) && now - last.at < (this.d.refreshMs ?? 300_000)) return;
    const body = { status: withNulls(status, previous) };
    await this.d.rest.request('PATCH', `${iotJobPath(obj.metadata.namespace!, obj.metadata.name)}/status`, { body, contentType: MERGE_PATCH });
    this.written.set(r.key, { uid: obj.metadata.uid, status, at: now });
  }
}

/** A merge patch that also clears the fields the previous status had and this one lacks. */
function withNulls(status: IoTJobStatus, previous: IoTJobStatus | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { ...status };
  for (const k of Object.keys(previous ?? {})) if ((status as Record<string, unknown>)[k] === undefined) out[k] = null;
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}
