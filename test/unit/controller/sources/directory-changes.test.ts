/** Regressions found by review: changes the directory source must not miss. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../../controller/observability/logger.js';
import { Metrics } from '../../../../controller/observability/metrics.js';
import { compileManifestValidator } from '../../../../controller/sources/crd-schema.js';
import { DirectorySource } from '../../../../controller/sources/directory-source.js';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { manifest } from '../../../helpers/stack.js';

const validate = compileManifestValidator();
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'dir-changes-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const source = (dir: string): DirectorySource =>
  new DirectorySource({
    root: dir,
    validate,
    clock: new FakeClock(),
    logger: createLogger('silent'),
    metrics: new Metrics({ defaultMetrics: false }),
    watch: false,
  });

describe('the directory source', () => {
  it('sees an edit in place behind a --dir link whose target is not a commit hash (regression: it froze)', async () => {
    mkdirSync(join(root, 'manifests'));
    writeFileSync(join(root, 'manifests', 'fw.yaml'), manifest('fw', { description: 'one' }));
    symlinkSync('manifests', join(root, 'current'));
    const src = source(join(root, 'current'));
    const changes: string[][] = [];
    await src.start((keys) => changes.push(keys));
    writeFileSync(join(root, 'manifests', 'fw.yaml'), manifest('fw', { description: 'two' }));
    src.scan();
    expect(src.get('fw')!.spec.description).toBe('two');
    expect(changes).toEqual([['fw'], ['fw']]);
    await src.stop();
  });

  it('reads a documentFile again after only the document file was fixed (regression: the failed read stayed cached)', async () => {
    writeFileSync(join(root, 'fw.yaml'), manifest('fw', { document: undefined, documentFile: './job.json' }));
    writeFileSync(join(root, 'job.json'), '{ not json');
    const src = source(root);
    await src.start(() => undefined);
    expect(src.status().problems.map((p) => p.message)).toEqual(['the job document is not valid JSON']);
    writeFileSync(join(root, 'job.json'), '{"op":"ota"}');
    src.scan();
    expect(src.status().problems).toEqual([]);
    expect(src.get('fw')!.document).toBe('{"op":"ota"}');
    await src.stop();
  });
});
