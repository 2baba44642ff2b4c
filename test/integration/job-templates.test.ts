/**
 * Job templates end to end (issue 14), directory mode against the emulator over HTTP with the real
 * SDK clients: a job from an AWS managed template whose devices receive the substituted document;
 * a team's own template kept as an IoTJobTemplate (created with ownership tags, a change refused or
 * recreated by replacePolicy, someone else's template never touched, a removed manifest's template
 * deleted or orphaned behind the prune guard) and a job made from it; and `plan` showing what run
 * would do to the templates, while writing nothing.
 */
import { IoTJobsDataPlaneClient, StartNextPendingJobExecutionCommand } from '@aws-sdk/client-iot-jobs-data-plane';
import { afterEach, describe, expect, it } from 'vitest';
import type { BoardView } from '../../controller/observability/status-board.js';
import { renderStatus } from '../../controller/observability/status-text.js';
import { built, startProgram } from '../helpers/processes.js';
import { CREDENTIALS, manifest, Stack, TEMPLATE_WRITES } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** An IoTJobTemplate manifest as YAML. */
function templateManifest(name: string, spec: Record<string, unknown>): string {
  return `apiVersion: iot.gitops.dev/v1alpha1\nkind: IoTJobTemplate\nmetadata:\n  name: ${name}\nspec: ${JSON.stringify({ description: 'OTA base', document: { op: 'ota', from: 'template' }, ...spec })}\n`;
}

/** The document a device gets when it starts its next pending execution, over the jobs data plane. */
async function deviceDocument(s: Stack, thingName: string): Promise<Record<string, unknown> | undefined> {
  const data = new IoTJobsDataPlaneClient({ endpoint: s.emu.url, region: 'us-east-1', credentials: CREDENTIALS });
  try {
    const out = await data.send(new StartNextPendingJobExecutionCommand({ thingName }));
    return out.execution?.jobDocument ? (JSON.parse(out.execution.jobDocument) as Record<string, unknown>) : undefined;
  } finally {
    data.destroy();
  }
}

/** A template as the emulator holds it, with its tags; undefined when there is none. */
function templateOf(s: Stack, id: string): { template: Record<string, any>; tags: Record<string, string> } | undefined {
  const t = s.emu.service.state.jobTemplates.get(id);
  return t ? { template: t, tags: t.tags } : undefined;
}

async function metric(s: Stack, name: string): Promise<string[]> {
  const text = await (await fetch(`${s.app.server!.url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name));
}

describe('a job from an AWS managed template', () => {
  it('is created with the template and its parameters; devices receive the document with the parameters filled in; nothing drifts', async () => {
    stack = await Stack.create({ things: 1 });
    const params = { downloadUrl: 'https://example.com/firmware-2.4.1.bin', filePath: '/tmp/firmware.bin' };
    stack.write('fw.yaml', manifest('fw', { document: undefined, jobTemplateArn: 'managed:AWS-Download-File:1.0', documentParameters: params }));
    await stack.start();
    const job = await stack.until('the job from the managed template', () => stack!.job('fw'));
    expect(job.jobTemplateArn).toBe('arn:aws:iot:us-east-1::jobtemplate/AWS-Download-File:1.0');
    expect(job.documentParameters).toEqual(params);
    const doc = JSON.stringify(await deviceDocument(stack, 'dev-1'));
    expect(doc).toContain(params.downloadUrl);
    expect(doc).toContain(params.filePath);
    expect(doc).not.toContain('${aws:iot:parameter:');
    // Two resyncs later: the template's document is the job's, not drift.
    const resyncs = stack.calls('ListJobs');
    await stack.until('two resyncs', () => stack!.calls('ListJobs') >= resyncs + 2, 10_000);
    expect([stack.calls('UpdateJob'), stack.calls('CancelJob'), stack.calls('CreateJob')]).toEqual([0, 0, 1]);
  });

  it('a missing required parameter is AWS refusing the request: the job is not created, and the log names AWS words', async () => {
    stack = await Stack.create({ things: 1 });
    stack.write(
      'fw.yaml',
      manifest('fw', { document: undefined, jobTemplateArn: 'managed:AWS-Download-File:1.0', documentParameters: { filePath: '/tmp/x' } }),
    );
    await stack.start();
    await stack.until('the refusal logged', () => stack!.logs.find((l) => String(l.err ?? l.msg ?? '').includes('downloadUrl')), 10_000);
    expect(stack.job('fw')).toBeUndefined();
  });
});

describe('an IoTJobTemplate in directory mode', () => {
  it('is created with ownership tags; a job made from it gets its document; a change is refused, then recreated under Recreate', async () => {
    stack = await Stack.create({ things: 1 });
    stack.write(
      'templates.yaml',
      templateManifest('ota-base', {
        abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 50, minNumberOfExecutedThings: 1 }] },
      }),
    );
    stack.write('fw.yaml', manifest('fw', { document: undefined, jobTemplateArn: 'template:ota-base' }));
    await stack.start();
    const t = await stack.until('the template', () => templateOf(stack!, 'ota-base'));
    expect(t.tags).toMatchObject({ 'iot-jobs-controller/managed-by': 'iot-jobs-controller', 'iot-jobs-controller/source-key': 'ota-base' });
    const job = await stack.until('the job from it', () => stack!.job('fw'));
    expect(job.jobTemplateArn).toBe('arn:aws:iot:us-east-1:123456789012:jobtemplate/ota-base');
    expect(job.abortConfig.criteriaList[0].thresholdPercentage).toBe(50);
    expect(await deviceDocument(stack, 'dev-1')).toEqual({ op: 'ota', from: 'template' });
    expect(await metric(stack, 'iotjobs_template_ready{')).toEqual(['iotjobs_template_ready{template_id="ota-base",reason="Synced"} 1']);
    // The status board (status.json, and the `status` CLI's text) lists it.
    const view = (await (await fetch(`${stack.app.server!.url}/status.json`)).json()) as BoardView;
    expect(view.templates).toEqual([expect.objectContaining({ key: 'ota-base', jobTemplateId: 'ota-base', ready: true, reason: 'Synced' })]);
    expect(renderStatus(view)).toContain('template ota-base: ready: ');

    // A changed document: refused by default (AWS cannot update a template), the template untouched.
    const createdAt = t.template.createdAt;
    stack.write('templates.yaml', templateManifest('ota-base', { document: { op: 'ota', from: 'template v2' } }));
    await stack.until('the refusal', async () =>
      (await metric(stack!, 'iotjobs_template_ready{')).includes('iotjobs_template_ready{template_id="ota-base",reason="ChangeRefused"} 0'),
    );
    expect(templateOf(stack, 'ota-base')!.template.createdAt).toBe(createdAt);
    // Under Recreate: deleted and created again under the same id; the running job keeps what it took.
    stack.write('templates.yaml', templateManifest('ota-base', { document: { op: 'ota', from: 'template v2' }, replacePolicy: 'Recreate' }));
    await stack.until('the template recreated', () => templateOf(stack!, 'ota-base')?.template.document?.includes('template v2'));
    expect(stack.emu.service.call('GetJobDocument', { jobId: 'fw' }).document).toContain('"from":"template"');
    expect(stack.calls('CancelJob')).toBe(0);
  });

  it('never touches a template it did not create: NotOwned, the template and its tags unchanged', async () => {
    stack = await Stack.create({ things: 1 });
    stack.emu.service.call('CreateJobTemplate', {
      jobTemplateId: 'hand-made',
      description: 'by hand',
      document: '{"op":"mine"}',
      tags: [{ Key: 'team', Value: 'x' }],
    });
    stack.write('templates.yaml', templateManifest('hand-made', {}));
    await stack.start();
    await stack.until('NotOwned', async () =>
      (await metric(stack!, 'iotjobs_template_ready{')).includes('iotjobs_template_ready{template_id="hand-made",reason="NotOwned"} 0'),
    );
    expect(templateOf(stack, 'hand-made')).toMatchObject({ template: { document: '{"op":"mine"}' }, tags: { team: 'x' } });
    expect([stack.calls('DeleteJobTemplate'), stack.calls('TagResource'), stack.calls('CreateJobTemplate')]).toEqual([0, 0, 0]);
  });

  it('a removed manifest: its template is deleted (Delete) or left without the ownership tags (Orphan); removing all of them is held by the prune guard', async () => {
    stack = await Stack.create({ things: 1 });
    stack.write('a.yaml', templateManifest('tpl-a', {}));
    stack.write('b.yaml', templateManifest('tpl-b', { deletionPolicy: 'Orphan' }));
    stack.write('c.yaml', templateManifest('tpl-c', {}));
    stack.write('keep.yaml', manifest('keep', {}));
    await stack.start(['--max-prune-share', '0.7']);
    await stack.until('three templates', () => ['tpl-a', 'tpl-b', 'tpl-c'].every((id) => templateOf(stack!, id)));
    stack.remove('a.yaml');
    stack.remove('b.yaml');
    await stack.until('tpl-a deleted', () => templateOf(stack!, 'tpl-a') === undefined);
    await stack.until('tpl-b orphaned', () => templateOf(stack!, 'tpl-b') && !('iot-jobs-controller/managed-by' in templateOf(stack!, 'tpl-b')!.tags));
    // The last one: every managed template would go, so the guard holds it.
    stack.remove('c.yaml');
    await stack.until('the guard holds', async () => (await metric(stack!, 'iotjobs_template_prune_blocked')).includes('iotjobs_template_prune_blocked 1'));
    expect(templateOf(stack, 'tpl-c')).toBeDefined();
  });
});

describe('plan with IoTJobTemplates', () => {
  /** `plan` as a process; its exit code and what it printed. */
  async function plan(s: Stack): Promise<{ code: number | string; out: string }> {
    const p = startProgram(built('controller/main.js'), ['plan', '--dir', s.dir, '--endpoint', s.emu.url], {
      AWS_ACCESS_KEY_ID: 'AKIDPLAN',
      AWS_SECRET_ACCESS_KEY: 'x',
    });
    return { code: await p.exited, out: p.stdout() };
  }
  const WRITES = [...TEMPLATE_WRITES, 'TagResource', 'UntagResource'];

  it('shows each template’s action and why (create, not-owned, noop, refused, delete held by the prune guard) and writes nothing', async () => {
    stack = await Stack.create({ things: 1 });
    stack.emu.service.call('CreateJobTemplate', { jobTemplateId: 'hand-made', description: 'by hand', document: '{"op":"mine"}' });
    stack.write('keep.yaml', manifest('keep', {}));
    stack.write('a.yaml', templateManifest('tpl-a', {}));
    stack.write('hand.yaml', templateManifest('hand-made', {}));
    const first = await plan(stack);
    expect(first.code).toBe(1);
    expect(first.out).toContain('create           tpl-a (template tpl-a): no job template tpl-a exists');
    expect(first.out).toContain('not-owned        hand-made (template hand-made): job template hand-made exists in AWS and is managed by no controller');
    expect(first.out).toMatch(/plan: 1 manifest, 1 with changes pending; 2 job templates, 2 with changes pending/);
    expect(templateOf(stack, 'tpl-a')).toBeUndefined();

    // After a run, in sync: exit 0.
    stack.remove('hand.yaml');
    await stack.start();
    await stack.until('tpl-a and the job', () => templateOf(stack!, 'tpl-a') && stack!.job('keep'));
    await stack.app.stop();
    const synced = await plan(stack);
    expect(synced.out).toContain('noop             tpl-a (template tpl-a): in sync');
    expect(synced.code).toBe(0);

    // A changed document is refused (AWS cannot update a template).
    stack.write('a.yaml', templateManifest('tpl-a', { document: { op: 'ota', from: 'v2' } }));
    const changed = await plan(stack);
    expect(changed.code).toBe(1);
    expect(changed.out).toContain('refused          tpl-a (template tpl-a): document changed; AWS cannot update a job template.');

    // Its manifest gone: delete, held by the prune guard (it is every managed template).
    stack.remove('a.yaml');
    const removed = await plan(stack);
    expect(removed.code).toBe(1);
    expect(removed.out).toContain('delete           tpl-a (template tpl-a): its manifest is gone; deletionPolicy Delete (recorded in its tags)');
    expect(removed.out).toContain('template prune guard: the snapshot would remove every managed job template');
    expect(templateOf(stack, 'tpl-a')?.template.document).toBe(JSON.stringify({ op: 'ota', from: 'template' }));
    const writes = WRITES.map((op) => stack!.calls(op));
    expect(writes).toEqual([1, 0, 0, 0]); // the run's one CreateJobTemplate; no plan wrote anything
  });
});
