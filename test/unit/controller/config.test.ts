import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../controller/config.js';

describe('loadConfig', () => {
  it('reads flags, falls back to environment variables, and freezes the result', () => {
    const c = loadConfig(['run', '--dir', '/repo', '--workers', '8'], {
      IOT_JOBS_ENDPOINT: 'http://x:1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      IOT_JOBS_WORKERS: '2',
      IOT_JOBS_LOCAL: 'true',
    });
    expect(c).toMatchObject({
      command: 'run',
      dir: '/repo',
      workers: 8,
      endpoint: 'http://x:1',
      region: 'eu-west-1',
      local: true,
      resyncMs: 60_000,
      maxPruneShare: 0.5,
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(loadConfig(['plan'], { IOT_JOBS_DIR: '/from-env' }).dir).toBe('/from-env');
  });

  it.each([
    [['run'], '--dir (or --kubernetes) is required'],
    [['run', '--kubernetes', '--dir', 'x'], '--dir and --kubernetes exclude each other'],
    [['plan', '--kubernetes', '--leader-elect'], 'plan changes nothing and needs no leader election'],
    [['run', '--kubernetes', '--namespace', 'Bad_NS'], '--namespace: "Bad_NS" is not a valid namespace name'],
    [['run', '--kubernetes', '--leader-elect', '--renew-deadline-seconds', '20'], 'leader election needs retry-period < renew-deadline < lease-duration'],
    [['deploy', '--dir', 'x'], 'unknown command "deploy"'],
    [['run', '--dir', 'x', '--resync-seconds', '0'], '--resync-seconds must be a number from 1'],
    [['run', '--dir', 'x', '--account', '1234'], '--account must be a 12-digit AWS account id'],
    [['run', '--dir', 'x', '--metrics-addr', '9464'], '--metrics-addr must be HOST:PORT'],
    [['run', '--dir', 'x', '--log-level', 'loud'], '--log-level must be'],
    [['run', '--dir', 'x', '--bogus'], "Unknown option '--bogus'"],
  ])('refuses %j', (argv, message) => {
    expect(() => loadConfig(argv, {})).toThrow(ConfigError);
    expect(() => loadConfig(argv, {})).toThrow(message);
  });

  it('reads Kubernetes mode: namespaces, kubeconfig, selector and leader election', () => {
    const c = loadConfig(
      [
        'run',
        '--kubernetes',
        '--namespace',
        'a, b',
        '--label-selector',
        'shard=1',
        '--leader-elect',
        '--lease-duration-seconds',
        '6',
        '--renew-deadline-seconds',
        '4',
        '--retry-period-seconds',
        '0.5',
      ],
      {
        KUBECONFIG: '/k/config',
        POD_NAME: 'ctl-0',
        POD_NAMESPACE: 'iot-system',
      },
    );
    expect(c.dir).toBeUndefined();
    expect(c.kubernetes).toEqual({ namespaces: ['a', 'b'], labelSelector: 'shard=1', relistMs: 600_000 });
    expect(c.kubeAccess).toEqual({ kubeconfig: '/k/config', context: undefined });
    expect(c.leaderElection).toEqual({
      namespace: 'iot-system',
      name: 'iot-jobs-controller',
      identity: 'ctl-0',
      leaseDurationMs: 6_000,
      renewDeadlineMs: 4_000,
      retryPeriodMs: 500,
    });
    expect(loadConfig(['run'], { IOT_JOBS_KUBERNETES: 'true' }).kubernetes?.namespaces).toEqual([]);
  });

  it('takes leader election in directory mode too, and then needs Kubernetes access', () => {
    const c = loadConfig(['run', '--dir', '/repo', '--leader-elect'], { POD_NAME: 'ctl-1' });
    expect(c.kubernetes).toBeUndefined();
    expect(c.kubeAccess).toEqual({ kubeconfig: undefined, context: undefined });
    expect(c.leaderElection?.identity).toBe('ctl-1');
    expect(loadConfig(['run', '--dir', '/repo'], {}).kubeAccess).toBeUndefined();
  });

  it('answers help with no command', () => {
    expect(loadConfig([], {}).command).toBe('help');
  });
});
