import { mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compileManifestValidator } from '../../../../controller/sources/crd-schema.js';
import { changedKeys, ParseCache, readSnapshot, TextCache } from '../../../../controller/sources/directory-source.js';
import { aDesired } from '../../../helpers/builders.js';

const validate = compileManifestValidator();
const doc = (name: string, description = 'd'): string =>
  `apiVersion: iot.gitops.dev/v1alpha1\nkind: IoTJob\nmetadata: {name: ${name}}\nspec: {targets: [thing:t1], document: {}, description: ${description}}\n`;
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('snapshot caches', () => {
  it('re-reads and re-parses only what changed, and sees every change', () => {
    dir = mkdtempSync(join(tmpdir(), 'snap-'));
    for (const n of ['a', 'b']) writeFileSync(join(dir, `${n}.yaml`), doc(n));
    const parses = new ParseCache();
    const texts = new TextCache();
    const first = readSnapshot(dir, validate, { cache: parses, texts });
    const second = readSnapshot(dir, validate, { cache: parses, texts });
    expect(second.revision).toBe(first.revision);
    expect(second.jobs[0]).toBe(first.jobs[0]);
    writeFileSync(join(dir, 'b.yaml'), doc('b', 'e'));
    utimesSync(join(dir, 'b.yaml'), new Date(2000, 1, 1), new Date(2000, 1, 1));
    const third = readSnapshot(dir, validate, { cache: parses, texts });
    expect(third.revision).not.toBe(first.revision);
    expect(third.jobs[0]).toBe(first.jobs[0]);
    expect(third.jobs[1]!.spec.description).toBe('e');
  });

  it('changedKeys lists added, edited and removed keys, not the unchanged ones', () => {
    const a = aDesired({}, 'a');
    const b = aDesired({}, 'b');
    const before = new Map([
      ['a', a],
      ['b', b],
      ['c', aDesired({}, 'c')],
    ]);
    const after = new Map([
      ['a', a],
      ['b', aDesired({ description: 'new' }, 'b')],
      ['d', aDesired({}, 'd')],
    ]);
    expect(changedKeys(before, after).sort()).toEqual(['b', 'c', 'd']);
    expect(changedKeys(before, new Map([['a', aDesired({}, 'a')]]))).toEqual(['b', 'c']);
  });
});
