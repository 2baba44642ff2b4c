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
    const { out, count } = lines({ survey, declared: 3 });
    expect(out).toEqual([
      'noop             ns/a (template a): in sync',
      'recreate         ns/b (template b): document changed; replacePolicy Recreate deletes job template b and creates it again',
      'tag              ns/c (template c): tags team differ from the manifest',
      'invalid          ns/bad: spec.description: is required',
      'orphan           ns/d (template d): its manifest is gone; deletionPolicy Orphan keeps it in AWS without our tags',
    ]);
    expect(count).toEqual({ declared: 4, pending: 4 });
  });

  it('prints pruned templates under their source key, and the prune guard when it holds them', () => {
    const verdict = { allowed: false, managed: 1, removed: 1, reason: 'the snapshot would remove every managed job template; approve its revision to proceed' };
    const survey: TemplateSurvey = {
      declared: [],
      problems: [],
      leaving: [],
      prune: { verdict, removals: [{ observed: observed('x', 'x'), removal: { kind: 'delete' } }] },
    };
    const { out, count } = lines({ survey, declared: 0 });
    expect(out).toEqual([
      'delete           x (template x): its manifest is gone; deletionPolicy Delete (recorded in its tags)',
      `template prune guard: ${verdict.reason}`,
    ]);
    expect(count).toEqual({ declared: 0, pending: 1 });
  });

  it('fails on a template it could not read, and on a failed listing when templates are declared; only warns when none is', () => {
    const unread: TemplateSurvey = { declared: [{ template: desired('a'), error: new Error('Throttling') }], problems: [], leaving: [] };
    expect(lines({ survey: unread, declared: 1 })).toEqual({ out: ['error  ns/a (template a): Throttling'], count: undefined });
    expect(lines({ error: 'AccessDenied', declared: 1 })).toEqual({ out: ['error  job templates could not be listed: AccessDenied'], count: undefined });
    const warned = lines({ error: 'AccessDenied', declared: 0 });
    expect(warned.out).toEqual(['warning  job templates could not be listed (AccessDenied); owned templates no manifest declares are not shown']);
    expect(warned.count).toEqual({ declared: 0, pending: 0 });
    expect(lines(undefined).count).toEqual({ declared: 0, pending: 0 });
  });
});
