/**
 * The fault test of the adversarial suite (issue 9): the same scenario as the crash test, with the
 * emulator throttling every operation at AWS's 10 TPS and answering 5% of requests with 503 and
 * 5% with 500, dropping 2% of connections before the request is carried out, and losing 2% of
 * responses after it was. The same assertions: nothing lost, duplicated or unowned touched, and no
 * mutating call carried out beyond the minimum, except that the SDK itself resends a request
 * whose response was lost, which for the idempotent UpdateJob applies the same values twice.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RolloutScenario, verify } from '../helpers/rollout-scenario.js';
import { Stack } from '../helpers/stack.js';

const SEED = Number(process.env.FAULT_SEED ?? 5);
const MANIFESTS = 80;

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe('throttling, 503s, 500s, dropped connections and lost responses', () => {
  it(`lose, duplicate and touch nothing, with no extra mutating call (seed ${SEED})`, async () => {
    stack = await Stack.create({ things: 2 });
    const s = stack;
    const scenario = new RolloutScenario(MANIFESTS, s.dir);
    scenario.seedForeign(s.emu);
    s.emu.server.faults.set({ throttleTps: 10, unavailableRate: 0.05, serverErrorRate: 0.05, dropRate: 0.02, lostResponseRate: 0.02, seed: SEED });
    scenario.commitOne();
    await s.start(['--state-file', join(s.root, 'state.json'), '--workers', '8', '--log-level', 'warn']);
    await s.until('commit 1 to converge', () => verify(scenario, s.emu, false).lost === 0, 120_000);
    scenario.commitTwo();
    await s.until('commit 2 to converge', () => verify(scenario, s.emu).lost === 0, 120_000);
    await new Promise((r) => setTimeout(r, 3_000));
    const v = verify(scenario, s.emu);
    const summary = s.emu.server.calls.summary();
    const faults = Object.fromEntries(
      ['ThrottlingException', 'ServiceUnavailableException', 'InternalFailureException', 'dropped', 'lost-response'].map((o) => [
        o,
        Object.values(summary).reduce((n, byOutcome) => n + (byOutcome[o] ?? 0), 0),
      ]),
    );
    process.stderr.write(`[fault test] seed ${SEED}: ${JSON.stringify(v)} faults ${JSON.stringify(faults)}\n`);
    expect(faults.ThrottlingException).toBeGreaterThan(0);
    expect(faults['lost-response']).toBeGreaterThan(0);
    expect(v).toMatchObject({ lost: 0, duplicated: 0, unownedTouched: 0 });
    const resentUpdates = summary.UpdateJob?.['lost-response'] ?? 0;
    expect(v.extra.UpdateJob).toBeLessThanOrEqual(resentUpdates);
    expect({ ...v.extra, UpdateJob: 0 }).toEqual(Object.fromEntries(Object.keys(v.extra).map((k) => [k, 0])));
  }, 300_000);
});
