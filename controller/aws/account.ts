/**
 * The account id that `thing:` and `thingGroup:` targets resolve in: configured, or learned from
 * the ARN AWS IoT returns for the first such target (DescribeThingGroup / DescribeThing), once.
 */
import { DescribeThingCommand, DescribeThingGroupCommand, type IoTClient } from '@aws-sdk/client-iot';
import { TerminalError } from '../model/errors.js';
import type { Partition } from '../plan/normalize.js';
import { classify } from './errors.js';

/** Knows the partition, discovering the account on first need. */
export class AccountResolver {
  private account: string | undefined;

  constructor(
    private readonly client: IoTClient,
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
    const isGroup = short.startsWith('thingGroup:');
    const name = short.slice(short.indexOf(':') + 1);
    try {
      const out = isGroup
        ? await this.client.send(new DescribeThingGroupCommand({ thingGroupName: name }))
        : await this.client.send(new DescribeThingCommand({ thingName: name }));
      const arn = 'thingGroupArn' in out ? out.thingGroupArn : (out as { thingArn?: string }).thingArn;
      this.account = /^arn:aws[a-z-]*:iot:[^:]*:(\d{12}):/.exec(arn ?? '')?.[1];
    } catch (err) {
      if (classify(err) === 'not-found') throw new TerminalError(`target ${short} does not exist in AWS IoT, so its ARN cannot be resolved; create it or set --account`);
      throw err;
    }
    if (!this.account) throw new TerminalError(`could not learn the account id from ${short}; set --account`);
  }
}
