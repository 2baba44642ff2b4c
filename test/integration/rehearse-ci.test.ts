/**
 * The pull-request example (docs/ci/): rehearse-changed.sh, run in a real git repository on a
 * branch, rehearses exactly the manifests the branch added or changed (and what they depend on) with
 * the built CLI, passes its exit code on, and says so when nothing changed. The workflow file parses,
 * calls that script, and passes options `rehearse` accepts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseRehearseArgs } from '../../controller/rehearse/options.js';
import { built, ROOT } from '../helpers/processes.js';

const SCRIPT = join(ROOT, 'docs', 'ci', 'rehearse-changed.sh');
const REPO = mkdtempSync(join(tmpdir(), 'rehearse-ci-'));
afterAll(() => rmSync(REPO, { recursive: true, force: true }));

const git = (...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=ci', '-c', 'user.email=ci@example.com', ...args], { cwd: REPO, encoding: 'utf8' });
const manifest = (name: string, spec: Record<string, unknown>): string =>
  `apiVersion: iot.gitops.dev/v1alpha1\nkind: IoTJob\nmetadata:\n  name: ${name}\nspec: ${JSON.stringify({ document: { op: 'ota' }, targets: ['thingGroup:fleet'], ...spec })}\n`;
const write = (path: string, text: string): void => writeFileSync(join(REPO, path), text);

/** Runs the script on the branch; its exit code and output. */
function rehearseChanged(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(SCRIPT, args, {
    cwd: REPO,
    encoding: 'utf8',
    env: {
      ...process.env,
      BASE: 'main',
      MANIFESTS: 'manifests',
      FLEET: 'fleet.yaml',
      IOT_JOBS_CONTROLLER: `${process.execPath} ${built('controller/main.js')}`,
    },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('the pull-request rehearsal', () => {
  it('rehearses only the manifests the branch added or changed, with their dependencies, and passes the exit code on', () => {
    git('init', '-q', '-b', 'main');
    mkdirSync(join(REPO, 'manifests'));
    write('fleet.yaml', 'seed: 1\ndefaults: {failureRate: 0, rejectRate: 0, workSeconds: 30}\ngroups:\n  - {name: fleet, size: 40}\n');
    write('manifests/base.yaml', manifest('base', {}));
    write('manifests/app.yaml', manifest('app', { description: 'v1' }));
    write('manifests/other.yaml', manifest('other', {}));
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    expect(rehearseChanged('--json').out).toBe('rehearse: no manifest under manifests/ changed since main\n');

    git('checkout', '-q', '-b', 'pr');
    write('manifests/app.yaml', manifest('app', { description: 'v2', dependsOn: [{ name: 'base' }] }));
    write('manifests/new.yaml', manifest('new', {}));
    git('add', '-A');
    git('commit', '-q', '-m', 'change app, add new');
    const r = rehearseChanged('--json');
    expect(r.err).toContain('rehearse: 2 changed file(s): manifests/app.yaml manifests/new.yaml');
    expect(r.code).toBe(0);
    const { results } = JSON.parse(r.out) as { results: { jobs: { key: string; outcome: string }[] }[] };
    expect(results[0]!.jobs.map((j) => [j.key, j.outcome]).sort()).toEqual([
      ['app', 'completed'],
      ['base', 'completed'],
      ['new', 'completed'],
    ]);
    expect(rehearseChanged('--expect', 'exposed<=10').code).toBe(1);
  }, 60_000);

  it('is what the example workflow runs, with options rehearse accepts', () => {
    const workflow = parse(readFileSync(join(ROOT, 'docs', 'ci', 'pull-request.yml'), 'utf8')) as { jobs: Record<string, { steps: { run?: string }[] }> };
    const step = Object.values(workflow.jobs)[0]!.steps.find((s) => s.run?.includes('rehearse-changed.sh'))!;
    const [script, ...args] = step.run!.replace(/'/g, '').split(/\s+/).filter(Boolean);
    expect(script).toBe('node_modules/iot-jobs-controller/docs/ci/rehearse-changed.sh');
    expect(parseRehearseArgs(['--dir', 'manifests', '--fleet', 'fleet-model.yaml', ...args])).toMatchObject({
      failureRates: [0, 0.05, 0.2, 0.5],
      html: 'rehearsal.html',
      expectations: [{ metric: 'outcome' }, { metric: 'exposed', rate: 0.2 }],
    });
  });
});
