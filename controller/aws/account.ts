/**
 * The account id that `thing:` and `thingGroup:` targets resolve in: configured, or learned from
 * the ARN AWS IoT returns for the first such target (DescribeThingGroup / DescribeThing), once.
 * The lookup goes through the IoT port, so it is paced, metered and classified like every call.
 */
import { TerminalError } from '../model/errors.js';
import type { Partition } from '../plan/normalize.js';

/** The kinds of shorthand target. */
export type TargetKind = 'thing' | 'thingGroup';

/** Where a target's ARN is read: undefined when the thing or group does not exist; throws what the port throws. */
export interface TargetArnLookup {
  targetArn(kind: TargetKind, name: string): Promise<string | undefined>;
}

/** Knows the partition, discovering the account on first need. */
export class AccountResolver {
  private account: string | undefined;

  constructor(
    private readonly lookup: TargetArnLookup,
    private readonly region: string,
    account?: string,
  ) {
    this.account = account;
  }

  /** The partition; the account is empty until known (only shorthand targets need it). */
  partition(): Partition {
    return { account: this.account ?? '', region: this.region };
  }

  /** Makes sure the account is known when any target is written as thing:NAME or thingGroup:NAME. */
  async ensure(targets: readonly string[]): Promise<void> {
    if (this.account) return;
    const short = targets.find((t) => t.startsWith('thing:') || t.startsWith('thingGroup:'));
    if (!short) return;
    const kind: TargetKind = short.startsWith('thingGroup:') ? 'thingGroup' : 'thing';
    const arn = await this.lookup.targetArn(kind, short.slice(short.indexOf(':') + 1));
    if (arn === undefined) throw new TerminalError(`target ${short} does not exist in AWS IoT, so its ARN cannot be resolved; create it or set --account`);
    this.account = /^arn:aws[a-z-]*:iot:[^:]*:(\d{12}):/.exec(arn)?.[1];
    if (!this.account) throw new TerminalError(`could not learn the account id from ${short}; set --account`);
  }
}
