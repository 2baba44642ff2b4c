/**
 * The checks of a staged rollout's spec that the schema cannot make, the same in both modes (the
 * CRD's CEL rules make some of them again in the API server): targets or waves, a target in one
 * wave only, at most 100 targets, no SNAPSHOT, approvals that name a wave.
 */
import type { IoTJobSpec } from '../model/iot-job.js';
import type { FieldProblem } from './desired-job.js';

/** AWS's limit on a job's targets, which AssociateTargetsWithJob keeps for all waves together. */
export const MAX_TARGETS = 100;

/** A target in one comparable form: `thinggroup/NAME` or `thing/NAME`, whether written as an ARN or in short form. */
function targetName(t: string): string {
  const short = /^(thing|thingGroup):(.+)$/.exec(t);
  if (short) return `${short[1]!.toLowerCase()}/${short[2]}`;
  return t.slice(t.lastIndexOf(':') + 1);
}

/** The first problem of a spec's targets and waves; undefined when there is none. */
export function rolloutSpecProblem(spec: IoTJobSpec): FieldProblem | undefined {
  const waves = spec.waves;
  if ((spec.targets === undefined) === (waves === undefined)) {
    return { field: waves ? 'spec.waves' : 'spec.targets', message: 'give exactly one of targets and waves' };
  }
  if (!waves) return undefined;
  if (spec.targetSelection === 'SNAPSHOT')
    return { field: 'spec.targetSelection', message: 'waves run as one CONTINUOUS job widened wave by wave; remove targetSelection or set it to CONTINUOUS' };
  return waveNamesProblem(spec) ?? waveTargetsProblem(spec);
}

/** Wave names used twice, and approvals of waves that do not exist. */
function waveNamesProblem(spec: IoTJobSpec): FieldProblem | undefined {
  const names = spec.waves!.map((w) => w.name);
  const twice = names.findIndex((n, i) => names.indexOf(n) !== i);
  if (twice >= 0) return { field: `spec.waves[${twice}].name`, message: `wave name "${names[twice]}" is used by an earlier wave too` };
  const approved = spec.approvedWaves ?? [];
  const unknown = approved.findIndex((n) => !names.includes(n));
  if (unknown >= 0) return { field: `spec.approvedWaves[${unknown}]`, message: `"${approved[unknown]}" is not the name of a wave (${names.join(', ')})` };
  return undefined;
}

/** A target named in two waves, or more than MAX_TARGETS in all. */
function waveTargetsProblem(spec: IoTJobSpec): FieldProblem | undefined {
  const seen = new Map<string, string>();
  for (const [i, w] of spec.waves!.entries()) {
    for (const [j, t] of w.targets.entries()) {
      const earlier = seen.get(targetName(t));
      if (earlier !== undefined)
        return { field: `spec.waves[${i}].targets[${j}]`, message: `${t} is already a target of wave ${earlier}; a target belongs to one wave` };
      seen.set(targetName(t), w.name);
    }
  }
  if (seen.size > MAX_TARGETS) return { field: 'spec.waves', message: `the waves name ${seen.size} targets; a job has at most ${MAX_TARGETS}` };
  return undefined;
}
