/**
 * IoTJobTemplates on a real kube-apiserver (issue 14): the controller creates the template in the
 * emulator behind its finalizer, reports Ready with the template's ARN, an IoTJob made from it runs
 * the template's document, an invalid object is refused by the API server with the CRD's words,
 * and deleting the object applies its deletionPolicy and lets it go; a renamed object takes its
 * template over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINALIZER, objectPath, TEMPLATE_PLURAL } from '../../controller/kube/iotjob-resource.js';
import { KubeError, MERGE_PATCH } from '../../controller/kube/rest.js';
import { KubeStack } from '../helpers/kube-stack.js';
import { waitFor } from '../helpers/processes.js';

let stack: KubeStack;
let running: Awaited<ReturnType<KubeStack['start']>>;

beforeAll(async () => {
  stack = await KubeStack.create({});
  running = await stack.start();
});

afterAll(async () => {
  await stack?.stop();
});

interface TemplateObject {
  metadata: { name: string; finalizers?: string[]; generation?: number };
  status?: {
    jobTemplateArn?: string;
    jobTemplateId?: string;
    observedGeneration?: number;
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

const path = (name?: string): string =>
  name ? objectPath(TEMPLATE_PLURAL, stack.ns, name) : `/apis/iot.gitops.dev/v1alpha1/namespaces/${stack.ns}/${TEMPLATE_PLURAL}`;

function createTemplate(name: string, spec: Record<string, unknown>): Promise<TemplateObject> {
  return stack.rest.request('POST', path(), {
    body: { apiVersion: 'iot.gitops.dev/v1alpha1', kind: 'IoTJobTemplate', metadata: { name, namespace: stack.ns }, spec: { description: 'base', ...spec } },
  });
}

async function getTemplate(name: string): Promise<TemplateObject | undefined> {
  try {
    return await stack.rest.request<TemplateObject>('GET', path(name));
  } catch (err) {
    if (err instanceof KubeError && err.status === 404) return undefined;
    throw err;
  }
}

function untilReady(name: string, reason: string): Promise<TemplateObject> {
  return waitFor(
    `${name} Ready reason ${reason}`,
    async () => {
      const t = await getTemplate(name);
      return t?.status?.conditions?.find((c) => c.type === 'Ready')?.reason === reason ? t : undefined;
    },
    20_000,
    100,
  );
}

describe('IoTJobTemplate in Kubernetes mode', () => {
  it('creates the template behind its finalizer, reports Ready with its ARN; an IoTJob made from it runs its document', async () => {
    await createTemplate('ota-base', { document: { op: 'ota', from: 'k8s-template' }, timeoutConfig: { inProgressTimeoutInMinutes: 30 } });
    const ready = await untilReady('ota-base', 'Synced');
    expect(ready.metadata.finalizers).toContain(FINALIZER);
    expect(ready.status).toMatchObject({ jobTemplateId: 'ota-base', jobTemplateArn: 'arn:aws:iot:us-east-1:123456789012:jobtemplate/ota-base' });
    expect(ready.status!.observedGeneration).toBe(ready.metadata.generation);
    expect(stack.emu.service.state.jobTemplates.get('ota-base')?.tags['iot-jobs-controller/source-key']).toBe(`${stack.ns}/ota-base`);

    await stack.create('from-template', { document: undefined, jobTemplateArn: 'template:ota-base' });
    const job = await stack.until('the job from the template', () => stack.job('from-template'));
    expect(job.timeoutConfig).toEqual({ inProgressTimeoutInMinutes: 30 });
    expect(JSON.parse(stack.emu.service.call('GetJobDocument', { jobId: 'from-template' }).document as string)).toEqual({ op: 'ota', from: 'k8s-template' });
    await stack.untilStatus('from-template', 'Ready', (s) => KubeStack.condition(s, 'Ready')?.status === 'True');
  }, 60_000);

  it('a changed spec is refused with the reason in the status (Ready False, ChangeRefused); the template in AWS is unchanged', async () => {
    await createTemplate('refuse-me', { document: { v: 1 } });
    await untilReady('refuse-me', 'Synced');
    await stack.rest.request('PATCH', path('refuse-me'), { body: { spec: { document: { v: 2 } } }, contentType: MERGE_PATCH });
    const refused = await untilReady('refuse-me', 'ChangeRefused');
    const cond = refused.status!.conditions!.find((c) => c.type === 'Ready')!;
    expect(cond).toMatchObject({ status: 'False' });
    expect(cond.message).toContain('document changed; AWS cannot update a job template');
    expect(stack.emu.service.state.jobTemplates.get('refuse-me')?.document).toBe('{"v":1}');
  }, 60_000);

  it('the API server refuses an invalid IoTJobTemplate with the CRD words, and a changed jobTemplateId', async () => {
    const noDescription = await stack.rest
      .request('POST', path(), { body: { apiVersion: 'iot.gitops.dev/v1alpha1', kind: 'IoTJobTemplate', metadata: { name: 'bad' }, spec: { document: {} } } })
      .catch((e: unknown) => e);
    expect((noDescription as KubeError).status).toBe(422);
    expect((noDescription as KubeError).message).toContain('spec.description: Required value');
    const withFile = await createTemplate('bad-file', { documentFile: 'x.json' }).catch((e: unknown) => e);
    expect((withFile as KubeError).message).toContain('documentFile is for directory mode');
    await createTemplate('fixed-id', { jobTemplateId: 'one', document: {} });
    const renamed = await stack.rest
      .request('PATCH', path('fixed-id'), { body: { spec: { jobTemplateId: 'two' } }, contentType: MERGE_PATCH })
      .catch((e: unknown) => e);
    expect((renamed as KubeError).message).toContain('jobTemplateId is immutable');
  });

  it('deleting the object applies its deletionPolicy (Delete; Orphan keeps the template without our tags), then the finalizer goes', async () => {
    await createTemplate('to-delete', { document: {} });
    await createTemplate('to-orphan', { document: {}, deletionPolicy: 'Orphan' });
    await untilReady('to-delete', 'Synced');
    await untilReady('to-orphan', 'Synced');
    await stack.rest.request('DELETE', path('to-delete'));
    await stack.rest.request('DELETE', path('to-orphan'));
    await waitFor(
      'both objects gone',
      async () => ((await getTemplate('to-delete')) === undefined && (await getTemplate('to-orphan')) === undefined) || undefined,
      20_000,
      100,
    );
    expect(stack.emu.service.state.jobTemplates.has('to-delete')).toBe(false);
    const orphan = stack.emu.service.state.jobTemplates.get('to-orphan');
    expect(orphan).toBeDefined();
    expect(Object.keys(orphan!.tags).filter((k) => k.startsWith('iot-jobs-controller/'))).toEqual([]);
  }, 60_000);

  it('two objects naming one jobTemplateId: the older keeps it; the newer is Ready False (Invalid) naming the holder, and the template stays the older one’s', async () => {
    await createTemplate('claim-a', { jobTemplateId: 'contested', document: { op: 'a' } });
    await untilReady('claim-a', 'Synced');
    await createTemplate('claim-b', { jobTemplateId: 'contested', document: { op: 'b' } });
    const b = await untilReady('claim-b', 'Invalid');
    expect(b.status!.conditions![0]!.message).toBe(`spec.jobTemplateId: "contested" is already claimed by IoTJobTemplate ${stack.ns}/claim-a`);
    const template = stack.emu.service.state.jobTemplates.get('contested');
    expect([template?.document, template?.tags['iot-jobs-controller/source-key']]).toEqual(['{"op":"a"}', `${stack.ns}/claim-a`]);
    expect((await getTemplate('claim-a'))!.status!.conditions![0]!.reason).toBe('Synced');
  });

  it('a renamed object (the old one deleted and a new one naming its jobTemplateId, seen in one pass) hands the template over: kept, tagged for the new object, Ready', async () => {
    const deletes = stack.calls('DeleteJobTemplate');
    await createTemplate('old-name', { jobTemplateId: 'handed-over', document: { op: 'x' } });
    await untilReady('old-name', 'Synced');
    // With no controller running, the old object waits on its finalizer while the new one arrives.
    await running.app.stop();
    await stack.rest.request('DELETE', path('old-name'));
    await createTemplate('new-name', { jobTemplateId: 'handed-over', document: { op: 'x' } });
    running = await stack.start();
    await untilReady('new-name', 'Synced');
    await waitFor('the old object gone', async () => (await getTemplate('old-name')) === undefined || undefined, 20_000, 100);
    const template = stack.emu.service.state.jobTemplates.get('handed-over');
    expect(template?.tags['iot-jobs-controller/source-key']).toBe(`${stack.ns}/new-name`);
    expect(stack.calls('DeleteJobTemplate')).toBe(deletes);
  }, 60_000);
});
