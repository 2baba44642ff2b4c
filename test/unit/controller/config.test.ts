import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../controller/config.js';

describe('loadConfig', () => {
  it('reads flags, falls back to environment variables, and freezes the result', () => {
    const c = loadConfig(['run', '--dir', '/repo', '--workers', '8'], { IOT_JOBS_ENDPOINT: 'http://x:1', AWS_DEFAULT_REGION: 'eu-west-1', IOT_JOBS_WORKERS: '2', IOT_JOBS_LOCAL: 'true' });
    expect(c).toMatchObject({ command: 'run', dir: '/repo', workers: 8, endpoint: 'http://x:1', region: 'eu-west-1', local: true, resyncMs: 60_000, maxPruneShare: 0.5 });
    expect(Object.isFrozen(c)).toBe(true);
    expect(loadConfig(['plan'], { IOT_JOBS_DIR: '/from-env' }).dir).toBe('/from-env');
  });

  it.each([
    [['run'], '--dir is required'],
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

  it('answers help with no command', () => {
    expect(loadConfig([], {}).command).toBe('help');
  });
});
