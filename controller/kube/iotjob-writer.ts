/**
 * The controller's writes to an IoTJob (or IoTJobTemplate) object other than its status: the
 * finalizer (added before the first change in AWS, removed once the deletionPolicy is applied) and
 * the deletion guard's hold. JSON patches with a `test` op, so a write based on a stale object
 * fails instead of clobbering someone else's change.
 */
import { HELD_ANNOTATION } from './deletion-hold.js';
import { FINALIZER, objectPath, PLURAL, type IoTJobObject } from './iotjob-resource.js';
import type { KubeObject } from './reflector.js';
import { isNotFound, JSON_PATCH, MERGE_PATCH, type KubeRest } from './rest.js';

/** Writes finalizers and holds. */
export class IoTJobWriter {
  /** `plural` names the objects' resource: iotjobs (the default) or iotjobtemplates. */
  constructor(
    private readonly rest: KubeRest,
    private readonly plural = PLURAL,
  ) {}

  /** Adds the finalizer; resolves to the updated object, or undefined when it was there already. */
  async addFinalizer<T extends KubeObject = IoTJobObject>(obj: T): Promise<T | undefined> {
    const list = obj.metadata.finalizers;
    if (list?.includes(FINALIZER)) return undefined;
    const patch = list
      ? [
          { op: 'test', path: '/metadata/finalizers', value: list },
          { op: 'add', path: '/metadata/finalizers/-', value: FINALIZER },
        ]
      : [{ op: 'add', path: '/metadata/finalizers', value: [FINALIZER] }];
    return this.rest.request<T>('PATCH', this.pathOf(obj), { body: patch, contentType: JSON_PATCH });
  }

  /** Removes the finalizer (the API server then deletes the object); an object already gone is fine. */
  async removeFinalizer(obj: KubeObject): Promise<void> {
    const i = obj.metadata.finalizers?.indexOf(FINALIZER) ?? -1;
    if (i < 0) return;
    const patch = [
      { op: 'test', path: `/metadata/finalizers/${i}`, value: FINALIZER },
      { op: 'remove', path: `/metadata/finalizers/${i}` },
    ];
    try {
      await this.rest.request('PATCH', this.pathOf(obj), { body: patch, contentType: JSON_PATCH });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private pathOf(obj: KubeObject): string {
    return objectPath(this.plural, obj.metadata.namespace!, obj.metadata.name);
  }

  /** Writes the deletion guard's hold (an annotation a restarted controller reads); undefined when the object carries it already. */
  async markHeld(obj: IoTJobObject, reason: string): Promise<IoTJobObject | undefined> {
    if (obj.metadata.annotations?.[HELD_ANNOTATION] !== undefined) return undefined;
    const body = { metadata: { annotations: { [HELD_ANNOTATION]: reason } } };
    return this.rest.request<IoTJobObject>('PATCH', this.pathOf(obj), { body, contentType: MERGE_PATCH });
  }
}
