import type { IoTClient } from '@aws-sdk/client-iot';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { MeteredIot } from '../../../../controller/aws/metered-iot.js';
import { AccountResolver } from '../../../../controller/aws/account.js';
import { Slots } from '../../../../controller/lib/slots.js';
import { TerminalError, ThrottledError } from '../../../../controller/model/errors.js';
import { Metrics } from '../../../../controller/observability/metrics.js';

/** The requests are closures here; the client itself is never touched. */
const NO_CLIENT = {} as IoTClient;

async function count(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const values = (await metrics.registry.getSingleMetric(name)!.get()).values;
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((a, v) => a + v.value, 0);
}

describe('metered IoT calls', () => {
  it('pipelines the budgets: with both workers asleep in the CreateJob line, a DescribeJob still goes at its own pace', async () => {
    const clock = new FakeClock();
    const slots = new Slots(2);
    const iot = new MeteredIot({ client: NO_CLIENT, clock, metrics: new Metrics({ defaultMetrics: false }), tps: 10, slots });
    const sent: string[] = [];
    const at = (what: string) => async (): Promise<void> => void sent.push(`${what}@${clock.now() % 10_000}`);
    // Two workers each take a key and call CreateJob; the first goes at once, the second waits its turn.
    const creates = ['c1', 'c2', 'c3'].map(async (c) => {
      await slots.acquire();
      await iot.call('CreateJob', at(c));
      slots.release();
    });
    await clock.advance(0);
    // A third worker gets a slot lent by a reconcile waiting in the CreateJob line, and reads at once.
    expect(await slots.acquire()).toBe(true);
    await iot.call('DescribeJob', at('d1'));
    slots.release();
    await clock.advance(1_000);
    await Promise.all(creates);
    expect(sent).toEqual(['c1@0', 'd1@0', 'c2@100', 'c3@200']);
  });

  it('keeps its slot for a wait too short to be worth lending (a high --aws-tps), so no more reconciles than workers are in flight', async () => {
    const clock = new FakeClock();
    const slots = new Slots(2);
    const iot = new MeteredIot({ client: NO_CLIENT, clock, metrics: new Metrics({ defaultMetrics: false }), tps: 10_000, slots });
    // c1's request is in flight (its worker works); c2 waits a fraction of a millisecond for its token.
    let answer: () => void = () => undefined;
    const inFlight = new Promise<void>((resolve) => (answer = resolve));
    const creates = [() => inFlight, async () => undefined].map(async (request) => {
      await slots.acquire();
      await iot.call('CreateJob', request);
      slots.release();
    });
    await clock.advance(0);
    let third = false;
    void slots.acquire().then(() => (third = true));
    await clock.advance(0);
    expect(third).toBe(false);
    await clock.advance(1);
    await clock.advance(0);
    expect(third).toBe(true);
    answer();
    await Promise.all(creates);
  });

  it("meters a failed call by its error name and throws the controller's typed errors", async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const iot = new MeteredIot({ client: NO_CLIENT, clock: new FakeClock(), metrics, tps: 1_000 });
    const fail = (name: string) => async (): Promise<never> => {
      throw Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 400, attempts: 3 } });
    };
    await expect(iot.call('ListJobs', fail('ThrottlingException'))).rejects.toBeInstanceOf(ThrottledError);
    await expect(iot.call('CreateJob', fail('InvalidRequestException'))).rejects.toBeInstanceOf(TerminalError);
    expect(await count(metrics, 'iotjobs_aws_requests_total', { operation: 'ListJobs', outcome: 'ThrottlingException' })).toBe(1);
    expect(await count(metrics, 'iotjobs_aws_retries_total', { operation: 'CreateJob' })).toBe(2);
  });
});

describe('account lookup', () => {
  it("learns the account once from the first shorthand target's ARN, through the lookup", async () => {
    const asked: string[] = [];
    const accounts = new AccountResolver(
      { targetArn: async (kind, name) => (asked.push(`${kind}:${name}`), `arn:aws:iot:eu-west-1:123456789012:thinggroup/${name}`) },
      'eu-west-1',
    );
    await accounts.ensure(['arn:aws:iot:eu-west-1:999999999999:thing/x']);
    expect(accounts.partition().account).toBe('');
    await accounts.ensure(['thingGroup:fleet']);
    await accounts.ensure(['thing:other']);
    expect([accounts.partition(), asked]).toEqual([{ account: '123456789012', region: 'eu-west-1' }, ['thingGroup:fleet']]);
  });

  it('stalls a reconcile whose shorthand target does not exist, and asks nothing when the account is configured', async () => {
    const missing = new AccountResolver({ targetArn: async () => undefined }, 'eu-west-1');
    await expect(missing.ensure(['thing:nope'])).rejects.toThrow(TerminalError);
    const configured = new AccountResolver({ targetArn: async () => expect.unreachable() }, 'eu-west-1', '111111111111');
    await configured.ensure(['thing:x']);
    expect(configured.partition().account).toBe('111111111111');
  });
});
