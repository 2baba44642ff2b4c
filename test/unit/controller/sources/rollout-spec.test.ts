/**
 * A staged rollout's spec in directory mode: the schema from the CRD accepts waves, and what the
 * schema cannot check (sources/rollout-spec.ts) is a problem naming the file, line and field.
 */
import { describe, expect, it } from 'vitest';
import { compileManifestValidator } from '../../../../controller/sources/crd-schema.js';
import { parseManifests, type ParseContext } from '../../../../controller/sources/manifests.js';

const ctx: ParseContext = { validate: compileManifestValidator() };

const manifest = (spec: string): string => `apiVersion: iot.gitops.dev/v1alpha1
kind: IoTJob
metadata:
  name: fw
spec:
  document: {op: ota}
${spec}`;

const WAVES = `  waves:
    - name: canary
      targets: [thingGroup:canary]
      abortConfig:
        criteriaList: [{failureType: ALL, action: CANCEL, thresholdPercentage: 20, minNumberOfExecutedThings: 10}]
      gate: {minSucceededRatio: 0.95, minFinished: 10, bakeMinutes: 30}
    - name: fleet
      targets: [thingGroup:fleet]
      jobExecutionsRolloutConfig: {maximumPerMinute: 500}
      gate: {approval: Manual}`;

const parse = (spec: string) => parseManifests([{ path: 'jobs/fw.yaml', text: manifest(spec) }], ctx);

describe('a staged rollout manifest', () => {
  it('is accepted with waves, gates, approvals and onGateFailure', () => {
    const { jobs, problems } = parse(`${WAVES}\n  approvedWaves: [canary]\n  onGateFailure: Cancel`);
    expect(problems).toEqual([]);
    expect(jobs[0]!.spec.waves!.map((w) => w.name)).toEqual(['canary', 'fleet']);
  });

  it.each([
    // The CRD's CEL rules, as the API server words and places them (cel-rules.ts).
    ['neither targets nor waves', '  description: x', 'spec', 'give exactly one of targets and waves', 5],
    ['both targets and waves', `  targets: [thingGroup:fleet]\n${WAVES}`, 'spec', 'give exactly one of targets and waves', 5],
    ['SNAPSHOT', `  targetSelection: SNAPSHOT\n${WAVES}`, 'spec.targetSelection', 'waves run as one CONTINUOUS job', 7],
    [
      'an approval of no wave',
      `${WAVES}\n  approvedWaves: [canary, everyone]`,
      'spec.approvedWaves[1]',
      '"everyone" is not the name of a wave (canary, fleet)',
      17,
    ],
    [
      'a target in two waves (an ARN and its short form)',
      `${WAVES}\n    - name: more\n      targets: ["arn:aws:iot:us-east-1:123456789012:thinggroup/canary"]`,
      'spec.waves[2].targets[0]',
      'is already a target of wave canary',
      18,
    ],
    ['a wave name used twice', `${WAVES}\n    - name: canary\n      targets: [thingGroup:other]`, 'spec.waves', 'each wave name may appear once', 7],
  ])('refuses %s, naming the field and its line', (_what, spec, field, message, line) => {
    const { jobs, problems } = parse(spec);
    expect(jobs).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'jobs/fw.yaml', field, line });
    expect(problems[0]!.message).toContain(message);
  });

  it('refuses a gate ratio above 1 and an unknown gate field through the schema', () => {
    const { problems } = parse(WAVES.replace('minSucceededRatio: 0.95', 'minSucceededRatio: 95'));
    expect(problems[0]).toMatchObject({ field: 'spec.waves[0].gate.minSucceededRatio' });
    const unknown = parse(WAVES.replace('bakeMinutes: 30', 'bakeHours: 1'));
    expect(unknown.problems[0]).toMatchObject({ field: 'spec.waves[0].gate.bakeHours', message: 'is not a known field', line: 12 });
  });
});

describe('dependsOn in a snapshot', () => {
  const named = (name: string, deps: string[]): string => `apiVersion: iot.gitops.dev/v1alpha1
kind: IoTJob
metadata:
  name: ${name}
spec:
  document: {op: ota}
  targets: [thingGroup:fleet]
  dependsOn: [${deps.map((d) => `{name: ${d}}`).join(', ')}]`;

  it('refuses a dependency on a manifest that is not declared, naming both ends', () => {
    const { problems } = parseManifests([{ path: 'b.yaml', text: named('fw-b', ['fw-a']) }], ctx);
    expect(problems).toEqual([{ file: 'b.yaml', line: 1, field: 'spec.dependsOn[0].name', message: 'fw-b depends on fw-a, which is not declared' }]);
  });

  it('refuses a cycle once, naming every manifest on it', () => {
    const files = [
      { path: 'a.yaml', text: named('fw-a', ['fw-b']) },
      { path: 'b.yaml', text: named('fw-b', ['fw-a']) },
    ];
    const { jobs, problems } = parseManifests(files, ctx);
    expect(jobs).toEqual([]);
    expect(problems).toEqual([{ file: 'a.yaml', line: 1, field: 'spec.dependsOn', message: 'a cycle of dependencies: fw-a → fw-b → fw-a' }]);
  });
});
