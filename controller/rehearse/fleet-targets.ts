/**
 * Pure: the targets of the rehearsed manifests that the fleet model does not have, each named by
 * file, line and field, so that a rehearsal refuses them at once instead of retrying a CreateJob
 * that cannot succeed until its horizon.
 */
import { formatProblem } from '../model/errors.js';
import type { DesiredJob } from '../model/iot-job.js';

/** What the fleet model has: its thing groups and things, by name. */
export interface FleetNames {
  hasGroup(name: string): boolean;
  hasThing(name: string): boolean;
}

/** One line per target the fleet lacks: `fw.yaml:4: spec.waves[1].targets[0]: thingGroup:x is not a thing group of the fleet model`. */
export function missingTargets(jobs: readonly DesiredJob[], fleet: FleetNames): string[] {
  return jobs.flatMap((d) => {
    const lists = d.spec.waves
      ? d.spec.waves.map((w, i) => ({ field: `spec.waves[${i}].targets`, targets: w.targets }))
      : [{ field: 'spec.targets', targets: d.spec.targets ?? [] }];
    return lists.flatMap(({ field, targets }) =>
      targets.flatMap((target, i) => {
        const why = lack(target, fleet);
        return why ? [formatProblem({ file: d.origin.file, line: d.origin.line, field: `${field}[${i}]`, message: `${target} ${why}` })] : [];
      }),
    );
  });
}

/** Why the fleet lacks a target (`thingGroup:NAME`, `thing:NAME` or an ARN); undefined when it has it. */
function lack(target: string, fleet: FleetNames): string | undefined {
  const [kind, name] = parse(target);
  if (kind === 'group') return fleet.hasGroup(name) ? undefined : 'is not a thing group of the fleet model';
  return fleet.hasThing(name) ? undefined : 'is not a thing of the fleet model';
}

function parse(target: string): ['group' | 'thing', string] {
  if (target.startsWith('thingGroup:')) return ['group', target.slice('thingGroup:'.length)];
  if (target.startsWith('thing:')) return ['thing', target.slice('thing:'.length)];
  const resource = target.slice(target.lastIndexOf(':') + 1);
  const slash = resource.indexOf('/');
  return [resource.slice(0, slash) === 'thinggroup' ? 'group' : 'thing', resource.slice(slash + 1)];
}
