/**
 * crds/iotjob.yaml on a real kube-apiserver: it is accepted and Established, it serves the status
 * subresource and the printer columns, and the API server itself refuses invalid IoTJobs with the
 * schema's or the CEL rules' message (no controller runs here).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeError, MERGE_PATCH } from '../../controller/kube/rest.js';
import { FIELD_TABLE, fieldsOf } from '../../controller/plan/fields.js';
import { loadCrdSchema } from '../../controller/sources/crd-schema.js';
import { applyCrd } from '../helpers/kube-cluster.js';
import { KubeStack } from '../helpers/kube-stack.js';

let stack: KubeStack;

beforeAll(async () => {
  stack = await KubeStack.create();
});

afterAll(async () => {
  await stack?.stop();
});

/** The API server's refusal of a request, as a KubeError. */
async function refusal(p: Promise<unknown>): Promise<KubeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the API server accepted the request').toBeInstanceOf(KubeError);
  return err as KubeError;
}

describe('the IoTJob CRD on a real API server', () => {
  it('is accepted and becomes Established, with the status subresource and the printer columns', async () => {
    const crd = await applyCrd(stack.rest);
    expect(crd.status.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
    expect(crd.status.conditions?.find((c) => c.type === 'NamesAccepted')?.status).toBe('True');
    const served = await stack.rest.request<{ resources: { name: string; shortNames?: string[]; namespaced: boolean }[] }>(
      'GET',
      '/apis/iot.gitops.dev/v1alpha1',
    );
    const names = served.resources.map((r) => r.name).sort();
    expect(names).toEqual(['iotjobs', 'iotjobs/status', 'iotjobtemplates', 'iotjobtemplates/status']);
    expect(served.resources.find((r) => r.name === 'iotjobs')).toMatchObject({ shortNames: ['iotj'], namespaced: true });
    await stack.create('columns');
    const table = (await fetchTable(stack)).columnDefinitions;
    // kubectl get shows the priority-0 columns; -o wide adds the rest.
    expect(table.filter((c) => !c.priority).map((c) => c.name)).toEqual([
      'Name',
      'Ready',
      'Health',
      'AWS Status',
      'Progress',
      'Succeeded',
      'Failed',
      'Status',
      'Age',
    ]);
    expect(table.filter((c) => c.priority).map((c) => c.name)).toEqual(['Job ID', 'Rejected', 'TimedOut', 'In Progress', 'Wave', 'Suspended', 'Reason']);
  });

  it('keeps the status out of spec writes, and the spec out of status writes', async () => {
    const created = await stack.create('status-split');
    const withStatus = await stack.rest.request<{ status?: { jobId?: string }; spec: { description?: string } }>(
      'PATCH',
      `/apis/iot.gitops.dev/v1alpha1/namespaces/${stack.ns}/iotjobs/status-split/status`,
      {
        body: { spec: { description: 'ignored' }, status: { jobId: 'status-split' } },
        contentType: MERGE_PATCH,
      },
    );
    expect(withStatus.status?.jobId).toBe('status-split');
    expect(withStatus.spec.description).toBeUndefined();
    const obj = await stack.get('status-split');
    expect(obj!.metadata.generation).toBe(created.metadata.generation);
  });

  it('refuses an unknown field (strict field validation) with the field named', async () => {
    const err = await refusal(
      stack.rest.request('POST', `/apis/iot.gitops.dev/v1alpha1/namespaces/${stack.ns}/iotjobs`, {
        body: stack.resource('unknown', { rolloutSpeed: 5 }),
        query: { fieldValidation: 'Strict' },
      }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toContain('unknown field "spec.rolloutSpeed"');
  });

  it("fills the controller fields with their defaults, and publishes them and the document's two shapes to kubectl explain (OpenAPI v3)", async () => {
    const created = await stack.create('defaults');
    expect(created.spec).toMatchObject({ state: 'Active', deletionPolicy: 'Cancel', replacePolicy: 'Refuse', suspend: false });
    const doc = await stack.rest.request<{ components: { schemas: Record<string, { properties?: Record<string, any> }> } }>(
      'GET',
      '/openapi/v3/apis/iot.gitops.dev/v1alpha1',
    );
    const iotJob = Object.entries(doc.components.schemas).find(([name]) => name.endsWith('.IoTJob'))![1];
    const spec = iotJob.properties!.spec.properties;
    expect(spec.document.description).toMatch(/^An object or a string/);
    expect([spec.state.default, spec.deletionPolicy.default, spec.replacePolicy.default]).toEqual(['Active', 'Cancel', 'Refuse']);
  });

  it('refuses both document and documentSource', async () => {
    const err = await refusal(stack.create('two-docs', { documentSource: 'https://s3.amazonaws.com/b/doc.json' }));
    expect(err.status).toBe(422);
    // CEL cannot see the schemaless document field (a rule naming it is refused: "undefined field 'document'"),
    // so this is the structural oneOf's own message; the field descriptions name the rule.
    expect(err.message).toContain('"spec" must validate one and only one schema (oneOf). Found 2 valid alternatives');
  });

  it("refuses a description with a newline, as AWS's model does (pattern [^\\p{C}]+), and takes one with accents and emoji", async () => {
    const err = await refusal(stack.create('newline', { description: 'line one\nline two' }));
    expect(err.message).toContain('spec.description');
    await stack.create('accents', { description: 'Mise à jour 2.4 🚀' });
  });

  it('refuses a schema violation with the field and the rule', async () => {
    const err = await refusal(stack.create('bad-target', { targets: ['arn:aws:s3:::bucket'] }));
    expect(err.status).toBe(422);
    expect(err.message).toContain('spec.targets[0]');
    expect(err.message).toContain('should match');
  });

  it('refuses documentFile, which only directory mode can read', async () => {
    const err = await refusal(stack.create('file-doc', { document: undefined, documentFile: 'doc.json' }));
    expect(err.message).toContain('spec.documentFile: Forbidden: documentFile is for directory mode');
  });

  it('refuses a change to targets unless replacePolicy is Recreate, with the CEL message', async () => {
    await stack.create('retarget');
    const err = await refusal(stack.patchSpec('retarget', { targets: ['thing:dev-1'] }));
    expect(err.status).toBe(422);
    expect(err.message).toContain('spec.targets: Forbidden: targets cannot be changed on an existing job; set replacePolicy: Recreate');
    const allowed = await stack.patchSpec('retarget', { targets: ['thing:dev-1'], replacePolicy: 'Recreate' });
    expect(allowed.spec.targets).toEqual(['thing:dev-1']);
  });

  it('refuses a change to jobId, targetSelection or schedulingConfig, and allows a description change', async () => {
    await stack.create('frozen', { jobId: 'frozen-1' });
    expect((await refusal(stack.patchSpec('frozen', { jobId: 'frozen-2' }))).message).toContain('spec.jobId: Forbidden: jobId is immutable');
    expect((await refusal(stack.patchSpec('frozen', { targetSelection: 'CONTINUOUS' }))).message).toContain(
      'spec.targetSelection: Forbidden: targetSelection cannot be changed',
    );
    expect((await refusal(stack.patchSpec('frozen', { schedulingConfig: { endBehavior: 'CANCEL', endTime: '2030-01-01T00:00' } }))).message).toContain(
      'spec.schedulingConfig: Forbidden',
    );
    const ok = await stack.patchSpec('frozen', { description: 'now described' });
    expect(ok.spec.description).toBe('now described');
  });

  it('applies the cross-field rules', async () => {
    const rate = await refusal(
      stack.create('rate', {
        jobExecutionsRolloutConfig: {
          exponentialRate: { baseRatePerMinute: 5, incrementFactor: 2, rateIncreaseCriteria: { numberOfNotifiedThings: 2, numberOfSucceededThings: 2 } },
        },
      }),
    );
    expect(rate.message).toContain('give exactly one of numberOfNotifiedThings and numberOfSucceededThings');
    const end = await refusal(stack.create('ending', { schedulingConfig: { endBehavior: 'CANCEL' } }));
    expect(end.message).toContain('spec.schedulingConfig.endBehavior: Invalid value');
    expect(end.message).toContain('endBehavior needs endTime');
    const twice = await refusal(
      stack.create('twice', {
        executions: [
          { thingName: 'dev-1', action: 'Cancel' },
          { thingName: 'dev-1', action: 'Delete' },
        ],
      }),
    );
    expect(twice.message).toContain('each thingName may appear once');
  });

  it('accepts the examples as they are (IoTJobs and IoTJobTemplates), except the one whose document is a file (directory mode only)', async () => {
    const dir = join(import.meta.dirname, '..', '..', 'examples');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((d) => d.toJS() as { kind: string; spec: { documentFile?: string } })) {
        const plural = doc.kind === 'IoTJobTemplate' ? 'iotjobtemplates' : 'iotjobs';
        const sent = stack.rest.request('POST', `/apis/iot.gitops.dev/v1alpha1/namespaces/${stack.ns}/${plural}`, {
          body: doc,
          query: { fieldValidation: 'Strict', dryRun: 'All' },
        });
        if (doc.spec.documentFile) expect((await refusal(sent)).message).toContain('documentFile is for directory mode');
        else await sent;
      }
    }
  });

  it('has a CEL rule for every field that needs a replacement, and a description on every field', () => {
    const schema = loadCrdSchema() as any;
    const spec = schema.properties.spec;
    const rules: string[] = spec['x-kubernetes-validations'].map((r: { rule: string }) => r.rule);
    const guarded = fieldsOf('replace').filter((f) => f !== 'document');
    for (const f of [...guarded, 'documentConfigMap'])
      expect(
        rules.some((r) => r.includes(`self.${f} == oldSelf.${f}`)),
        f,
      ).toBe(true);
    // `document` is schemaless (any JSON), which CEL cannot see; the planner refuses its change instead (Stalled).
    expect(FIELD_TABLE.document).toBe('replace');
    const missing: string[] = [];
    const walk = (s: any, path: string): void => {
      for (const [k, v] of Object.entries<any>(s.properties ?? {})) {
        if (!v.description && k !== 'metadata') missing.push(`${path}.${k}`);
        walk(v, `${path}.${k}`);
        if (v.items) walk(v.items, `${path}.${k}[]`);
      }
    };
    walk(schema, '');
    expect(missing).toEqual([]);
  });
});

/** The IoTJob list as a server-side Table (what `kubectl get iotjobs` shows). */
function fetchTable(s: KubeStack): Promise<{ columnDefinitions: { name: string; priority?: number }[] }> {
  return s.rest.request('GET', `/apis/iot.gitops.dev/v1alpha1/namespaces/${s.ns}/iotjobs`, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
}
