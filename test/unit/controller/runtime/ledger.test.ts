import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { Ledger } from '../../../../controller/runtime/ledger.js';
import { StateFile, StateFileError } from '../../../../controller/runtime/state-file.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
const tmpFile = (): string => join((dir = mkdtempSync(join(tmpdir(), 'ledger-'))), 'state.json');

describe('the ledger', () => {
  it('keeps jobs deleted by someone else, forgets those this controller deleted, and moves a renamed job', () => {
    const ledger = new Ledger({ clock: new FakeClock() });
    ledger.remember('a', 'ka');
    ledger.remember('b', 'kb');
    ledger.markGone('a');
    ledger.markDeleting('b');
    ledger.markGone('b');
    expect(ledger.entry('a')).toMatchObject({ key: 'ka', state: 'gone' });
    expect(ledger.entry('b')).toBeUndefined();
    ledger.remember('c', 'old');
    ledger.remember('c', 'new');
    expect(ledger.jobsOf('old')).toEqual([]);
    expect(ledger.jobsOf('new')).toEqual(['c']);
    expect(ledger.approveRecreate(['ka'])).toEqual(['a']);
    expect(ledger.jobsOf('ka')).toEqual([]);
  });

  it('survives a restart through the state file, written within flushMs', async () => {
    const path = tmpFile();
    const clock = new FakeClock();
    const first = new Ledger({ clock, store: new StateFile(path, 'ctl'), flushMs: 100 });
    first.remember('fw', 'fw');
    first.markGone('fw');
    expect(() => readFileSync(path)).toThrow();
    await clock.advance(100);
    await new Promise((r) => setTimeout(r, 100));
    const second = new Ledger({ clock, store: new StateFile(path, 'ctl') });
    expect(second.entry('fw')).toMatchObject({ key: 'fw', state: 'gone' });
    // A blocking flush (before a DeleteJob) writes at once; an older background write never replaces it.
    second.remember('other', 'k');
    second.markDeleting('other');
    second.flush();
    expect(new StateFile(path, 'ctl').load().other).toMatchObject({ key: 'k', state: 'deleting' });
  });

  it('refuses a corrupt state file or one of another controller id, naming the file', () => {
    const path = tmpFile();
    writeFileSync(path, '{"version":1,');
    expect(() => new Ledger({ clock: new FakeClock(), store: new StateFile(path, 'ctl') })).toThrow(StateFileError);
    expect(() => new StateFile(path, 'ctl').load()).toThrow(path);
    new StateFile(path, 'other').save({}, 1);
    expect(() => new StateFile(path, 'ctl').load()).toThrow(/belongs to controller id "other"/);
  });
});
