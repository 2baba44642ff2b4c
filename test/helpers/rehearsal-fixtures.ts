/** Manifests and fleet models that more than one rehearsal test runs. */
import type { FleetModel } from '../../emulator/fleet/model.js';

/** canary 20 inside a fleet of 300; long-tailed updates (median 90 s, p95 400 s), a few failures and rejections. */
export const CANARY_IN_FLEET: FleetModel = {
  seed: 5,
  defaults: { failureRate: 0.02, rejectRate: 0.01, workSeconds: { median: 90, p95: 400 }, acceptSeconds: { min: 1, max: 15 } },
  groups: [
    { name: 'canary', size: 20 },
    { name: 'fleet', size: 300, includes: ['canary'] },
  ],
};

/** Two waves: a canary gated at 80% with a 20-minute bake (longer than the canary takes), then the fleet at 50 a minute. */
export const CANARY_THEN_FLEET = [
  { name: 'canary', targets: ['thingGroup:canary'], gate: { minSucceededRatio: 0.8, minFinished: 15, bakeMinutes: 20 } },
  { name: 'fleet', targets: ['thingGroup:fleet'], jobExecutionsRolloutConfig: { maximumPerMinute: 50 } },
];
