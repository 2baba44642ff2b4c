/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it: try
 * to take or renew the lease every retry period; a lease held by another is taken over only after
 * it has gone unrenewed for its whole duration, measured on this process's clock from when the
 * record last changed (so clock skew between replicas does not matter); a leader that cannot renew
 * within the renew deadline stops leading. On shutdown the leader releases the lease (empty holder,
 * one-second duration) so a standby takes over at once.
 */
import type { LeaderElectionConfig } from '../config.js';
import type { Logger } from '../observability/logger.js';
import type { Clock, Timer } from '../model/clock.js';
import { isConflict, isNotFound, type KubeRest } from './rest.js';

/** How the election runs: the Lease, this replica's identity (the pod name) and the timing, from the config. */
export interface LeaderElectionOptions extends LeaderElectionConfig {
  rest: KubeRest;
  clock: Clock;
  logger: Logger;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { holderIdentity?: string | null; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

/** A replica taking part in the election. */
export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer: Timer | undefined;
  private observed: { record: string; at: number } | undefined;
  private lastRenew = 0;
  /** Set when the lease shows another holder while this replica thinks it leads. */
  private usurped = false;
  private onLead: () => void = () => {};
  private onLose: () => void = () => {};

  constructor(private readonly o: LeaderElectionOptions) {}

  /** Whether this replica holds the lease now. */
  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Starts campaigning. `onStartedLeading` is called once when the lease is won; `onStoppedLeading`
   * once if it is lost afterwards (the caller should stop mutating at once).
   */
  run(onStartedLeading: () => void, onStoppedLeading: () => void): void {
    this.onLead = onStartedLeading;
    this.onLose = onStoppedLeading;
    void this.tick();
  }

  /** Stops campaigning; a leader releases the lease. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.get();
      if (lease?.spec.holderIdentity !== this.o.identity) return;
      const now = micro(this.o.clock.now());
      await this.put({ ...lease, spec: { ...lease.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: now, acquireTime: now } });
      this.o.logger.info({ lease: `${this.o.namespace}/${this.o.name}` }, 'released the leader lease');
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'could not release the leader lease');
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'leader election: could not reach the lease');
    }
    if (this.stopped) return;
    const now = this.o.clock.now();
    if (ok) {
      this.lastRenew = now;
      if (!this.leading) {
        this.leading = true;
        this.o.logger.info({ identity: this.o.identity, lease: `${this.o.namespace}/${this.o.name}` }, 'became the leader');
        this.onLead();
      }
    } else if (this.leading && (this.usurped || now - this.lastRenew > this.o.renewDeadlineMs)) {
      this.leading = false;
      this.stopped = true;
      this.o.logger.error(
        { identity: this.o.identity },
        this.usurped ? 'lost the leader lease: another replica holds it' : 'lost the leader lease: could not renew it within the renew deadline',
      );
      this.onLose();
      return;
    }
    this.timer = this.o.clock.setTimer(() => void this.tick(), this.o.retryPeriodMs);
  }

  private path(name?: string): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.o.namespace}/leases${name ? `/${name}` : ''}`;
  }

  private async get(): Promise<Lease | undefined> {
    try {
      return await this.o.rest.request<Lease>('GET', this.path(this.o.name));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async put(lease: Lease): Promise<void> {
    await this.o.rest.request('PUT', this.path(this.o.name), { body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...lease } });
  }

  /** One attempt; true when this replica holds the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.o.clock.now();
    const seconds = Math.ceil(this.o.leaseDurationMs / 1000);
    const lease = await this.get();
    if (!lease) return this.attempt(() => this.create(now, seconds));
    if (this.heldByAnother(lease, now, seconds)) {
      this.usurped = this.leading;
      return false;
    }
    const mine = lease.spec.holderIdentity === this.o.identity;
    const spec = {
      ...lease.spec,
      holderIdentity: this.o.identity,
      leaseDurationSeconds: seconds,
      renewTime: micro(now),
      acquireTime: mine ? lease.spec.acquireTime : micro(now),
      leaseTransitions: (lease.spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
    };
    return this.attempt(() => this.put({ metadata: lease.metadata, spec }));
  }

  /** Creates the Lease held by this replica (a 409 when another replica created it first). */
  private async create(now: number, seconds: number): Promise<void> {
    const body = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.o.name, namespace: this.o.namespace },
      spec: { holderIdentity: this.o.identity, leaseDurationSeconds: seconds, acquireTime: micro(now), renewTime: micro(now), leaseTransitions: 0 },
    };
    await this.o.rest.request('POST', this.path(), { body });
  }

  /**
   * Whether another replica holds the lease: it names another holder and has changed within its
   * duration (`seconds` when it names none), measured from when this process saw the record change.
   */
  private heldByAnother(lease: Lease, now: number, seconds: number): boolean {
    const record = JSON.stringify(lease.spec);
    if (this.observed?.record !== record) this.observed = { record, at: now };
    const holder = lease.spec.holderIdentity;
    const duration = (lease.spec.leaseDurationSeconds ?? seconds) * 1000;
    return !!holder && holder !== this.o.identity && this.observed.at + duration > now;
  }

  /** A write that loses a race (409) is not an error: someone else got there first. */
  private async attempt(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }
}

/** A MicroTime: RFC 3339 with microseconds. */
function micro(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
