/**
 * `plan`'s lines for job templates (template-plan-lines.ts): one line per decision with its
 * reason, what counts as pending, and when the plan fails (exit 2) or only warns.
 */
import { describe, expect, it } from 'vitest';
import type { DesiredTemplate, ObservedTemplate } from '../../../controller/model/iot-job-template.js';
import { SOURCE_KEY } from '../../../controller/plan/ownership.js';
import type { TemplateSurvey } from '../../../controller/runtime/template-survey.js';
import { printTemplatePlans } from '../../../controller/template-plan-lines.js';

function desired(id: string): DesiredTemplate {
  return { key: `ns/${id}`, jobTemplateId: id, spec: { description: 'd' }, origin: { file: `${id}.yaml`, doc: 0, line: 1 } };
}

function observed(id: string, source: string): ObservedTemplate {
  return { jobTemplateId: id, jobTemplateArn: `arn:aws:iot:us-east-1:123456789012:jobtemplate/${id}`, tags: { [SOURCE_KEY]: source } };
}

function lines(surveyed: Parameters<typeof printTemplatePlans>[0]): { out: string[]; count: ReturnType<typeof printTemplatePlans> } {
  const out: string[] = [];
  return { count: printTemplatePlans(surveyed, (s) => out.push(s)), out };
}

describe('printTemplatePlans', () => {
  it('prints each declared template in key order with its action and reason; noop is not pending', () => {
    const survey: TemplateSurvey = {
      declared: [
        { template: desired('b'), action: { kind: 'recreate', fields: ['document'], tags: {} } },
        { template: desired('a'), action: { kind: 'none' } },
        { template: desired('c'), action: { kind: 'tag', tags: { team: 'ota' } } },
      ],
      problems: [{ key: 'ns/bad', message: 'spec.description: is required' }],
      leaving: [{ template: desired('d'), removal: { kind: 'orphan', keys: [SOURCE_KEY] } }],
    };
    const { out, count } = lines({ survey, named: 4, sourceSynced: true });
    expect(out).toEqual([
      'noop             ns/a (template a): in sync',
      'recreate         ns/b (template b): document changed; replacePolicy Recreate deletes job template b and creates it again',
      'tag              ns/c (template c): tags team differ from the manifest',
      'invalid          ns/bad: spec.description: is required',
      'orphan           ns/d (template d): its manifest is gone; deletionPolicy Orphan keeps it in AWS without our tags',
    ]);
    expect(count).toEqual({ shown: 5, pending: 4 });
  });

  it('prints pruned templates under their source key, and the prune guard when it holds them', () => {
    const verdict = { allowed: false, managed: 1, removed: 1, reason: 'the snapshot would remove every managed job template; approve its revision to proceed' };
    const survey: TemplateSurvey = {
      declared: [],
      problems: [],
      leaving: [],
      prune: { verdict, removals: [{ observed: observed('x', 'x'), removal: { kind: 'delete' } }], unread: [] },
    };
    const { out, count } = lines({ survey, named: 0, sourceSynced: true });
    expect(out).toEqual([
      'delete           x (template x): its manifest is gone; deletionPolicy Delete (recorded in its tags)',
      `template prune guard: ${verdict.reason}`,
    ]);
    expect(count).toEqual({ shown: 1, pending: 1 });
  });

  it('fails on a template it could not read (declared, leaving, or one run might prune), and on a failed survey when templates are named', () => {
    const unread: TemplateSurvey = { declared: [{ template: desired('a'), error: new Error('Throttling') }], problems: [], leaving: [] };
    expect(lines({ survey: unread, named: 1, sourceSynced: true })).toEqual({ out: ['error  ns/a (template a): Throttling'], count: undefined });
    const leaving: TemplateSurvey = {
      declared: [],
      problems: [],
      leaving: [{ template: desired('b'), removal: { kind: 'none' }, error: new Error('Throttling') }],
    };
    expect(lines({ survey: leaving, named: 1, sourceSynced: true }).out).toEqual([
      'error  template b could not be read, so whether run removes it is not known: Throttling',
    ]);
    const verdict = { allowed: true, managed: 0, removed: 0, reason: 'nothing to remove' };
    const pruned: TemplateSurvey = {
      declared: [],
      problems: [],
      leaving: [],
      prune: { verdict, removals: [], unread: [{ jobTemplateId: 'c', message: 'AccessDenied' }] },
    };
    expect(lines({ survey: pruned, named: 0, sourceSynced: true })).toEqual({
      out: ['error  template c could not be read, so whether run removes it is not known: AccessDenied'],
      count: undefined,
    });
    expect(lines({ error: 'AccessDenied', named: 1, sourceSynced: true })).toEqual({
      out: ['error  job templates could not be surveyed: AccessDenied'],
      count: undefined,
    });
  });

  it('only warns when the listing fails with no template named, or when the IoTJobTemplates could not be listed', () => {
    const warned = lines({ error: 'AccessDenied', named: 0, sourceSynced: true });
    expect(warned.out).toEqual(['warning  job templates could not be listed (AccessDenied); none is declared, so owned ones run would remove are not shown']);
    expect(warned.count).toEqual({ shown: 0, pending: 0 });
    const unsynced = lines({ named: 0, sourceSynced: false });
    expect(unsynced.out).toEqual(['warning  the IoTJobTemplates could not be listed (see the log): job templates are not shown']);
    expect(unsynced.count).toEqual({ shown: 0, pending: 0 });
    expect(lines(undefined).count).toEqual({ shown: 0, pending: 0 });
  });
});
