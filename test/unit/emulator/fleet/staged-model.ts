/** The model of docs/fleet-model.md for the fleet's unit tests: a canary and a ten-percent group inside the fleet. */
import type { FleetModel } from '../../../../emulator/fleet/model.js';

export const STAGED: FleetModel = {
  seed: 7,
  defaults: { failureRate: 0.01, rejectRate: 0, workSeconds: { min: 30, max: 90 } },
  groups: [
    { name: 'canary', size: 50, failureRate: 0.5, silentRate: 0.1 },
    { name: 'ten-percent', size: 100, includes: ['canary'] },
    { name: 'fleet', size: 1000, includes: ['canary', 'ten-percent'], onlineShare: 0.9 },
  ],
};
