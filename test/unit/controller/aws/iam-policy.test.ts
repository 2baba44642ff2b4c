/**
 * The IAM policy (charts/iot-jobs-controller/files/iam-policy.json, printed in the README) against
 * the code. Its actions are exactly those the controller's AWS calls need: the test reads every
 * import from an AWS SDK client in controller/ (benchmarks aside), so a new call without a policy
 * change, or a grant nothing uses, fails here. Every action that changes a job, or could take one
 * over, is allowed only on jobs whose managed-by tag names this controller (the create and the tags
 * sent with it: only when the request carries that tag). Then a small model of IAM's evaluation
 * (per resource: an explicit Deny wins, else some Allow must match; the documented condition
 * operators) plays the calls that matter against the policy. It is a model, not AWS: it shows what
 * the statements say, under the semantics the IAM User Guide documents.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANAGED_BY } from '../../../../controller/plan/ownership.js';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const POLICY_FILE = join(ROOT, 'charts', 'iot-jobs-controller', 'files', 'iam-policy.json');

/** The IAM service prefix of each AWS SDK client package the controller may call. */
const IAM_PREFIX: Record<string, string> = { '@aws-sdk/client-iot': 'iot' };

/**
 * IAM actions an operation needs besides <prefix>:<Operation>, from the Service Authorization
 * Reference ("API operations defined by AWS IoT"): CreateJob also authorizes iot:TagResource (the
 * tags sent with it) and iam:PassRole (presignedUrlConfig.roleArn); UpdateJob iam:PassRole;
 * CreateJobTemplate, like CreateJob, iot:TagResource and iam:PassRole.
 */
const ALSO_AUTHORIZES: Record<string, string[]> = {
  CreateJob: ['iot:TagResource', 'iam:PassRole'],
  UpdateJob: ['iam:PassRole'],
  CreateJobTemplate: ['iot:TagResource', 'iam:PassRole'],
};

/** The IoT actions that change a job or its executions, or could take a job over. */
const DESTRUCTIVE = [
  'iot:UpdateJob',
  'iot:CancelJob',
  'iot:DeleteJob',
  'iot:CancelJobExecution',
  'iot:DeleteJobExecution',
  'iot:TagResource',
  'iot:UntagResource',
  'iot:DeleteJobTemplate',
];
/** Actions whose request also names a job ("job*" in the reference), so a grant on thing/* alone authorizes nothing. */
const ALSO_NEED_THE_JOB = ['iot:DescribeJobExecution', 'iot:CancelJobExecution', 'iot:DeleteJobExecution'];

type Condition = Record<string, Record<string, string | string[]>>;
interface Statement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Condition;
}
interface Policy {
  Version: string;
  Statement: Statement[];
}

const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return e.name === 'bench' ? [] : sourceFiles(join(dir, e.name));
    return e.name.endsWith('.ts') ? [join(dir, e.name)] : [];
  });
}

/** The SDK operations the controller sends, as IAM actions, read from its imports; and what it could not account for. */
function actionsInCode(): { operations: string[]; actions: Set<string>; problems: string[] } {
  const operations = new Set<string>();
  const problems: string[] = [];
  const constructed = new Set<string>();
  for (const file of sourceFiles(join(ROOT, 'controller'))) {
    const text = readFileSync(file, 'utf8');
    const rel = file.slice(ROOT.length + 1);
    if (/import\(\s*['"]@aws-sdk\//.test(text)) problems.push(`${rel}: a dynamic import of the AWS SDK cannot be checked`);
    for (const m of text.matchAll(/new (\w+Command)\(/g)) constructed.add(m[1]!);
    for (const m of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+['"](@aws-sdk\/[^'"]+)['"]/g)) {
      const [typeOnly, names, pkg] = [m[1], m[2]!, m[3]!];
      if (typeOnly) continue;
      const values = names
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n && !n.startsWith('type '));
      if (values.length === 0) continue;
      const prefix = IAM_PREFIX[pkg];
      if (!prefix) {
        problems.push(`${rel}: imports ${values.join(', ')} from ${pkg}, whose IAM actions this test does not know: add it to IAM_PREFIX and the policy`);
        continue;
      }
      for (const name of values) {
        const local = name.split(/\s+as\s+/)[0]!;
        if (local.endsWith('Command')) operations.add(`${prefix}:${local.slice(0, -'Command'.length)}`);
        else if (!/(Client|Exception)$/.test(local))
          problems.push(`${rel}: imports ${local} from ${pkg}; only Command classes (client.send(new XCommand)) can be checked against the policy`);
      }
    }
    for (const m of text.matchAll(/import\s+(\w+)\s+from\s+['"](@aws-sdk\/[^'"]+)['"]/g))
      problems.push(`${rel}: default import ${m[1]} from ${m[2]} cannot be checked`);
  }
  for (const c of constructed) {
    if (![...operations].some((op) => op.endsWith(`:${c.slice(0, -'Command'.length)}`)))
      problems.push(`new ${c}(…) is not imported from a known AWS SDK client`);
  }
  const actions = new Set(operations);
  for (const op of operations) for (const a of ALSO_AUTHORIZES[op.split(':')[1]!] ?? []) actions.add(a);
  return { operations: [...operations].sort(), actions, problems };
}

const policyText = readFileSync(POLICY_FILE, 'utf8');
const policy = JSON.parse(policyText) as Policy;
const allows = policy.Statement.filter((s) => s.Effect === 'Allow');
const isJobArn = (r: string): boolean => /^arn:aws:iot:REGION:ACCOUNT:(job|jobtemplate)\//.test(r);
const isThingArn = (r: string): boolean => /^arn:aws:iot:REGION:ACCOUNT:thing\//.test(r);

/** Whether a statement's condition requires `key` to equal the controller id (StringEquals). */
function requiresOurs(s: Statement, key: string): boolean {
  const v = s.Condition?.StringEquals?.[key];
  return v !== undefined && list(v).length === 1 && list(v)[0] === 'CONTROLLER_ID';
}

describe('the IAM policy matches the code', () => {
  const found = actionsInCode();

  it('the controller calls AWS only through Command classes of clients the test knows', () => {
    expect(found.problems).toEqual([]);
    // A guard against a scanner that finds nothing: the calls every resync makes.
    expect(found.operations).toEqual(expect.arrayContaining(['iot:ListJobs', 'iot:DescribeJob', 'iot:ListTagsForResource', 'iot:CreateJob', 'iot:CancelJob']));
  });

  it('allows exactly the actions those calls need: none missing, none extra', () => {
    const allowed = new Set(allows.flatMap((s) => list(s.Action)));
    expect([...allowed].sort()).toEqual([...found.actions].sort());
    // A Deny names only actions the controller has.
    for (const s of policy.Statement.filter((x) => x.Effect === 'Deny')) for (const a of list(s.Action)) expect(found.actions).toContain(a);
  });

  it('every destructive grant on jobs requires the managed-by tag to name this controller', () => {
    for (const s of allows) {
      const acts = list(s.Action);
      const resources = list(s.Resource);
      for (const a of acts.filter((x) => DESTRUCTIVE.includes(x) || x === 'iot:CreateJob' || x === 'iot:CreateJobTemplate')) {
        expect(resources, `${s.Sid}: ${a} on "*"`).not.toContain('*');
        if (resources.some(isJobArn)) {
          const ok =
            requiresOurs(s, `aws:ResourceTag/${MANAGED_BY}`) ||
            (['iot:CreateJob', 'iot:CreateJobTemplate', 'iot:TagResource'].includes(a) && requiresOurs(s, `aws:RequestTag/${MANAGED_BY}`));
          expect(ok, `${s.Sid}: ${a} on jobs without a managed-by = CONTROLLER_ID condition`).toBe(true);
        } else {
          // Grants on things alone: only for calls that also name the job, which the job's grant gates.
          expect(resources.every(isThingArn), `${s.Sid}: ${a} on ${resources.join(', ')}`).toBe(true);
          expect(ALSO_NEED_THE_JOB, `${s.Sid}: ${a} on things only`).toContain(a);
        }
      }
    }
  });

  it('scopes every resource to the account and region (ListJobs and ListJobTemplates, which have no resource type, aside; AWS managed templates have no account)', () => {
    for (const s of policy.Statement) {
      for (const r of list(s.Resource)) {
        if (r === '*') expect(['iot:ListJobs', 'iot:ListJobTemplates'], s.Sid).toEqual(expect.arrayContaining(list(s.Action)));
        else
          expect(r, s.Sid).toMatch(
            /^arn:aws:(iot:REGION:ACCOUNT:(job|thing|thinggroup|jobtemplate|package)\/\*|iot:REGION::jobtemplate\/\*|iam::ACCOUNT:role\/.+)$/,
          );
      }
    }
  });

  it('the README shows the same policy, in its "Running against AWS" section', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('\n## Running against AWS\n');
    expect(start).toBeGreaterThan(0);
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const block = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block?.trim()).toBe(policyText.trim());
  });
});

// ---- a model of IAM's evaluation, for the statements this policy uses ----

interface Resource {
  arn: string;
  /** The resource's tags; undefined for a resource type without tag conditions (thing). */
  tags?: Record<string, string>;
}
interface Call {
  action: string;
  resources: Resource[];
  requestTags?: Record<string, string>;
  context?: Record<string, string>;
}

const ENV = { REGION: 'eu-west-1', ACCOUNT: '123456789012', CONTROLLER_ID: 'prod-eu' };
const concrete = JSON.parse(policyText.replace(/REGION|ACCOUNT|CONTROLLER_ID/g, (k) => ENV[k as keyof typeof ENV])) as Policy;

const glob = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);

function contextValue(call: Call, res: Resource, key: string): string | undefined {
  if (key.startsWith('aws:ResourceTag/')) return res.tags?.[key.slice('aws:ResourceTag/'.length)];
  if (key.startsWith('aws:RequestTag/')) return call.requestTags?.[key.slice('aws:RequestTag/'.length)];
  return call.context?.[key];
}

/** IAM's condition operators as the IAM User Guide documents them, including a missing key. */
function conditionHolds(cond: Condition | undefined, call: Call, res: Resource): boolean {
  return Object.entries(cond ?? {}).every(([op, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const v = contextValue(call, res, key);
      const values = list(expected);
      switch (op) {
        case 'StringEquals':
          return v !== undefined && values.includes(v);
        case 'StringEqualsIfExists':
          return v === undefined || values.includes(v);
        case 'StringNotEquals':
          return v === undefined || !values.includes(v);
        case 'Null':
          return (v === undefined) === (values[0] === 'true');
        default:
          throw new Error(`the model does not know the operator ${op}`);
      }
    }),
  );
}

/** Allowed when, for every resource the call names, no Deny matches and some Allow does. */
function allowed(call: Call): boolean {
  return call.resources.every((res) => {
    const matching = concrete.Statement.filter(
      (s) => list(s.Action).some((a) => glob(a, call.action)) && list(s.Resource).some((r) => glob(r, res.arn)) && conditionHolds(s.Condition, call, res),
    );
    return !matching.some((s) => s.Effect === 'Deny') && matching.some((s) => s.Effect === 'Allow');
  });
}

describe('the policy, played against a model of IAM', () => {
  const arn = (kind: string, name: string): string => `arn:aws:iot:eu-west-1:123456789012:${kind}/${name}`;
  const ours = { arn: arn('job', 'fw-1'), tags: { [MANAGED_BY]: 'prod-eu', team: 'a' } };
  const otherControllers = { arn: arn('job', 'fw-2'), tags: { [MANAGED_BY]: 'staging' } };
  const humans = { arn: arn('job', 'hand-made'), tags: {} };
  const thing = { arn: arn('thing', 'dev-1') };
  const group = { arn: arn('thinggroup', 'fleet'), tags: {} };

  it("changes only its own jobs: update, cancel, delete and tag are refused on anyone else's", () => {
    for (const action of ['iot:UpdateJob', 'iot:CancelJob', 'iot:DeleteJob', 'iot:TagResource']) {
      expect(allowed({ action, resources: [ours] }), `${action} on ours`).toBe(true);
      expect(allowed({ action, resources: [otherControllers] }), `${action} on another controller's`).toBe(false);
      expect(allowed({ action, resources: [humans] }), `${action} on a human's`).toBe(false);
    }
  });

  it('cancels and deletes executions only of its own jobs, though things carry no tags', () => {
    for (const action of ['iot:CancelJobExecution', 'iot:DeleteJobExecution']) {
      expect(allowed({ action, resources: [ours, thing] })).toBe(true);
      expect(allowed({ action, resources: [otherControllers, thing] })).toBe(false);
      expect(allowed({ action, resources: [humans, thing] })).toBe(false);
    }
  });

  it('creates a job on things and groups only with its managed-by tag, and tags it on create', () => {
    const tags = { [MANAGED_BY]: 'prod-eu', 'iot-jobs-controller/source-key': 'fw' };
    const fresh = { arn: arn('job', 'fw-3') };
    expect(allowed({ action: 'iot:CreateJob', resources: [fresh, thing, group], requestTags: tags })).toBe(true);
    expect(allowed({ action: 'iot:TagResource', resources: [fresh], requestTags: tags })).toBe(true);
    expect(allowed({ action: 'iot:CreateJob', resources: [fresh, thing], requestTags: { [MANAGED_BY]: 'staging' } })).toBe(false);
    expect(allowed({ action: 'iot:CreateJob', resources: [fresh, thing], requestTags: {} })).toBe(false);
  });

  it("never takes over another controller's job, nor hands its own away, through its tags", () => {
    expect(allowed({ action: 'iot:TagResource', resources: [otherControllers], requestTags: { [MANAGED_BY]: 'prod-eu' } })).toBe(false);
    expect(allowed({ action: 'iot:TagResource', resources: [ours], requestTags: { [MANAGED_BY]: 'staging' } })).toBe(false);
    expect(allowed({ action: 'iot:TagResource', resources: [ours], requestTags: { team: 'b' } })).toBe(true);
    expect(allowed({ action: 'iot:UntagResource', resources: [ours] })).toBe(false);
  });

  it('keeps job templates as it keeps jobs: creates them only with its tag, deletes, tags and untags only its own, reads any', () => {
    const tags = { [MANAGED_BY]: 'prod-eu', 'iot-jobs-controller/source-key': 'ota-base' };
    const fresh = { arn: arn('jobtemplate', 'ota-base') };
    const ourTemplate = { arn: arn('jobtemplate', 'ota-base'), tags: { [MANAGED_BY]: 'prod-eu' } };
    const theirTemplate = { arn: arn('jobtemplate', 'hand-made'), tags: {} };
    expect(allowed({ action: 'iot:CreateJobTemplate', resources: [fresh], requestTags: tags })).toBe(true);
    expect(allowed({ action: 'iot:TagResource', resources: [fresh], requestTags: tags })).toBe(true);
    expect(allowed({ action: 'iot:CreateJobTemplate', resources: [fresh], requestTags: {} })).toBe(false);
    for (const action of ['iot:DeleteJobTemplate', 'iot:UntagResource']) {
      expect(allowed({ action, resources: [ourTemplate] }), `${action} on ours`).toBe(true);
      expect(allowed({ action, resources: [theirTemplate] }), `${action} on a human's`).toBe(false);
    }
    for (const action of ['iot:DescribeJobTemplate', 'iot:ListTagsForResource']) expect(allowed({ action, resources: [theirTemplate] }), action).toBe(true);
    expect(allowed({ action: 'iot:ListJobTemplates', resources: [{ arn: '*' }] })).toBe(true);
    // A job made from a template (own or AWS managed) names it.
    const managed = { arn: 'arn:aws:iot:eu-west-1::jobtemplate/AWS-Download-File:1.0' };
    expect(allowed({ action: 'iot:CreateJob', resources: [{ arn: arn('job', 'fw-4') }, thing, managed, theirTemplate], requestTags: tags })).toBe(true);
  });

  it('the one gap, stated: IAM cannot tell the tags sent with CreateJob from a first managed-by tag put on an untagged job', () => {
    // The controller never sends that call (TagResource only for jobs whose tag already names it:
    // sdk-iot-jobs.ts update()); the policy cannot forbid it without also refusing tag-on-create.
    expect(allowed({ action: 'iot:TagResource', resources: [humans], requestTags: { [MANAGED_BY]: 'prod-eu' } })).toBe(true);
  });

  it('reads any job (ownership is learned from the tags it reads), lists jobs, passes only the presign role, and only to AWS IoT', () => {
    for (const action of ['iot:DescribeJob', 'iot:GetJobDocument', 'iot:ListTagsForResource', 'iot:ListJobExecutionsForJob'])
      expect(allowed({ action, resources: [humans] }), action).toBe(true);
    expect(allowed({ action: 'iot:DescribeJobExecution', resources: [humans, thing] })).toBe(true);
    expect(allowed({ action: 'iot:ListJobs', resources: [{ arn: '*' }] })).toBe(true);
    expect(allowed({ action: 'iot:DescribeThingGroup', resources: [group] })).toBe(true);
    const role = { arn: 'arn:aws:iam::123456789012:role/iot-jobs-presign-fw' };
    expect(allowed({ action: 'iam:PassRole', resources: [role], context: { 'iam:PassedToService': 'iot.amazonaws.com' } })).toBe(true);
    expect(allowed({ action: 'iam:PassRole', resources: [role], context: { 'iam:PassedToService': 'ec2.amazonaws.com' } })).toBe(false);
    expect(
      allowed({
        action: 'iam:PassRole',
        resources: [{ arn: 'arn:aws:iam::123456789012:role/admin' }],
        context: { 'iam:PassedToService': 'iot.amazonaws.com' },
      }),
    ).toBe(false);
    expect(allowed({ action: 'iot:DeleteThing', resources: [thing] })).toBe(false);
  });
});
