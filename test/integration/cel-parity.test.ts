/**
 * One schema for both modes: every CEL rule of the CRD, run both ways. A manifest that breaks a
 * rule is refused by the real kube-apiserver and by `plan --dir` (the CLI, against the emulator)
 * with the same field and message (regression: directory mode planned `rateIncreaseCriteria: {}`,
 * `endBehavior` without `endTime` and a thing named twice in `executions` as creates). Transition
 * rules (oldSelf) are refused by the API server on update; directory mode has no stored object and
 * refuses the same changes in the planner, against the job in AWS, which job-identity and the
 * Kubernetes tests cover. The table must name every rule, so a new rule without a case fails here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliesToDirectory, rulesOf } from '../../controller/sources/cel-rules.js';
import { loadCrdSchema } from '../../controller/sources/crd-schema.js';
import { KubeError } from '../../controller/kube/rest.js';
import { KubeStack } from '../helpers/kube-stack.js';
import { built, startProgram } from '../helpers/processes.js';

let stack: KubeStack;
let dir: string;

beforeAll(async () => {
  stack = await KubeStack.create({ things: 1 });
  dir = mkdtempSync(join(tmpdir(), 'iotjobs-cel-'));
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const RATE = { maximumPerMinute: undefined, exponentialRate: { baseRatePerMinute: 5, incrementFactor: 2, rateIncreaseCriteria: {} } };

/** Per rule: a spec (merged over a valid one) that breaks it, and the field both sides name. */
const BREAKING: Record<string, { spec: Record<string, unknown>; field: string }> = {
  'has(self.targets) != has(self.waves)': { spec: { waves: [{ name: 'canary', targets: ['thingGroup:fleet'] }] }, field: 'spec' },
  'self.all(w, self.filter(v, v.name == w.name).size() == 1)': {
    spec: {
      targets: undefined,
      waves: [
        { name: 'canary', targets: ['thing:dev-1'] },
        { name: 'canary', targets: ['thingGroup:fleet'] },
      ],
    },
    field: 'spec.waves',
  },
  'has(self.numberOfNotifiedThings) != has(self.numberOfSucceededThings)': {
    spec: { jobExecutionsRolloutConfig: RATE },
    field: 'spec.jobExecutionsRolloutConfig.exponentialRate.rateIncreaseCriteria',
  },
  'self.all(d, self.filter(e, e.name == d.name).size() == 1)': { spec: { dependsOn: [{ name: 'base' }, { name: 'base' }] }, field: 'spec.dependsOn' },
  '!has(self.endBehavior) || has(self.endTime)': { spec: { schedulingConfig: { endBehavior: 'CANCEL' } }, field: 'spec.schedulingConfig.endBehavior' },
  "!has(self.schedulingConfig) || !has(self.schedulingConfig.maintenanceWindows) || size(self.schedulingConfig.maintenanceWindows) == 0 || ((has(self.waves) || (has(self.targetSelection) && self.targetSelection == 'CONTINUOUS')) && has(self.schedulingConfig.startTime))":
    {
      spec: { schedulingConfig: { maintenanceWindows: [{ startTime: 'cron(0 2 ? * SUN *)', durationInMinutes: 60 }] } },
      field: 'spec.schedulingConfig.maintenanceWindows',
    },
  "!has(self.documentParameters) || (has(self.jobTemplateArn) && (self.jobTemplateArn.startsWith('managed:') || self.jobTemplateArn.matches('^arn:[^:]+:iot:[^:]*::jobtemplate/')))":
    {
      spec: { document: undefined, jobTemplateArn: 'template:ota-base', documentParameters: { downloadUrl: 'https://x' } },
      field: 'spec.documentParameters',
    },
  "self.all(k, k.matches('^[a-zA-Z0-9_-]{1,128}$'))": {
    spec: { document: undefined, jobTemplateArn: 'managed:AWS-Download-File:1.0', documentParameters: { 'bad key': 'x' } },
    field: 'spec.documentParameters',
  },
  'self.all(e, self.filter(f, f.thingName == e.thingName).size() == 1)': {
    spec: {
      executions: [
        { thingName: 'dev-1', action: 'Cancel' },
        { thingName: 'dev-1', action: 'Delete' },
      ],
    },
    field: 'spec.executions',
  },
};

/** The messages the CRD gives its rules. */
const rules = rulesOf(loadCrdSchema());

/** Keeps defined entries: `undefined` in a case removes a field of the valid spec. */
function specOf(over: Record<string, unknown>): Record<string, unknown> {
  const spec: Record<string, unknown> = { targets: ['thingGroup:fleet'], document: { op: 'ota', v: 1 }, ...over };
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined));
}

async function apiServerRefusal(name: string, spec: Record<string, unknown>): Promise<string> {
  const err = await stack.rest
    .request('POST', `/apis/iot.gitops.dev/v1alpha1/namespaces/${stack.ns}/iotjobs`, {
      body: { apiVersion: 'iot.gitops.dev/v1alpha1', kind: 'IoTJob', metadata: { name }, spec },
    })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err, 'the API server accepted it').toBeInstanceOf(KubeError);
  return (err as KubeError).message;
}

async function planRefusal(name: string, spec: Record<string, unknown>): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, JSON.stringify({ apiVersion: 'iot.gitops.dev/v1alpha1', kind: 'IoTJob', metadata: { name }, spec }));
  try {
    const env = { AWS_ACCESS_KEY_ID: 'AKIDCELTEST', AWS_SECRET_ACCESS_KEY: 'x' };
    const p = startProgram(built('controller/main.js'), ['plan', '--dir', dir, '--endpoint', stack.emu.url, '--account', '123456789012'], env);
    expect(await p.exited).toBe(2);
    return p.stdout();
  } finally {
    rmSync(file);
  }
}

describe('every CEL rule of the CRD, both ways', () => {
  it('has a breaking case for every rule directory mode applies, and directory mode skips only transition and Kubernetes-only rules', () => {
    const applied = rules.filter((r) => appliesToDirectory(r.rule)).map((r) => r.rule);
    expect(new Set(applied)).toEqual(new Set(Object.keys(BREAKING)));
    const skipped = rules.filter((r) => !appliesToDirectory(r.rule)).map((r) => r.rule);
    expect(skipped.every((r) => r.includes('oldSelf') || r === '!has(self.documentFile)')).toBe(true);
  });

  it.each(Object.entries(BREAKING))('%s: the API server and plan --dir refuse it with one field and message', async (rule, c) => {
    const message = rules.find((r) => r.rule === rule)!.message!;
    const name = `rule-${Object.keys(BREAKING).indexOf(rule)}`;
    const spec = specOf(c.spec);
    const api = await apiServerRefusal(name, spec);
    expect(api).toMatch(new RegExp(`: ${escape(c.field)}: (Invalid value|Forbidden)(: "[^"]*")?: ${escape(message)}`));
    const plan = await planRefusal(name, spec);
    expect(plan).toMatch(new RegExp(`^error  ${name}\\.yaml:\\d+: ${escape(c.field)}: ${escape(message)}$`, 'm'));
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
