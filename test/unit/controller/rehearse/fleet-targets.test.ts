/**
 * The targets a fleet model lacks (controller/rehearse/fleet-targets.ts): shorthand and ARN forms,
 * in `targets` and in each wave, named by file, line and field.
 */
import { describe, expect, it } from 'vitest';
import { missingTargets } from '../../../../controller/rehearse/fleet-targets.js';
import { aDesired } from '../../../helpers/builders.js';

const FLEET = { hasGroup: (n: string) => ['canary', 'fleet'].includes(n), hasThing: (n: string) => n === 'dev-1' };

describe('targets the fleet model lacks', () => {
  it('names each target of the manifests that is not a group or thing of the model', () => {
    const plain = aDesired({ targets: ['thingGroup:fleet', 'thingGroup:nope', 'thing:dev-1', 'thing:dev-9'] }, 'plain');
    const staged = aDesired(
      {
        targets: undefined,
        waves: [
          { name: 'c', targets: ['arn:aws:iot:us-east-1:123456789012:thinggroup/canary'] },
          { name: 'f', targets: ['arn:aws:iot:us-east-1:123456789012:thinggroup/ten', 'arn:aws:iot:us-east-1:123456789012:thing/dev-2'] },
        ],
      },
      'staged',
    );
    expect(missingTargets([plain, staged], FLEET)).toEqual([
      'plain.yaml:1: spec.targets[1]: thingGroup:nope is not a thing group of the fleet model',
      'plain.yaml:1: spec.targets[3]: thing:dev-9 is not a thing of the fleet model',
      'staged.yaml:1: spec.waves[1].targets[0]: arn:aws:iot:us-east-1:123456789012:thinggroup/ten is not a thing group of the fleet model',
      'staged.yaml:1: spec.waves[1].targets[1]: arn:aws:iot:us-east-1:123456789012:thing/dev-2 is not a thing of the fleet model',
    ]);
    expect(missingTargets([aDesired({ targets: ['thingGroup:canary'] })], FLEET)).toEqual([]);
  });
});
