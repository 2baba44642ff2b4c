/**
 * Every CreateJob and UpdateJob request member in AWS's model (botocore's `iot` service-2.json, from
 * the AWS CLI the tests install) is either a field of the manifest reference in the README or
 * listed there with the reason it is not expressible yet (a `| AWS member | why not yet |` table,
 * absent while every member is expressible). A member AWS adds fails this test until it is placed
 * in one of the two tables.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelChecker } from '../helpers/aws-model.js';

const README = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

/** The first-column names (`code`) of the README table that starts with this header line; none when `optional` and there is no such table. */
function tableNames(header: string, optional = false): string[] {
  const lines = README.split('\n');
  const at = lines.findIndex((l) => l.startsWith(header));
  if (optional && at < 0) return [];
  expect(at, `README table "${header}"`).toBeGreaterThan(0);
  const rows: string[] = [];
  for (const line of lines.slice(at + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(/^\| `([^`]+)`/.exec(line)?.[1] ?? '');
  }
  return rows;
}

describe('CreateJob and UpdateJob members', () => {
  it('are each expressible in the manifest or listed in the README with the reason they are not', () => {
    const model = new ModelChecker();
    const members = [...new Set([...model.membersOf('CreateJobRequest'), ...model.membersOf('UpdateJobRequest')])].sort();
    expect(members).toContain('jobTemplateArn');
    const expressible = tableNames('| field | AWS | in place? | notes |');
    const notYet = tableNames('| AWS member | why not yet |', true);
    expect(expressible).toEqual(expect.arrayContaining(['jobTemplateArn', 'documentParameters', 'destinationPackageVersions', 'namespaceId']));
    const placed = new Set([...expressible, ...notYet]);
    expect(members.filter((m) => !placed.has(m))).toEqual([]);
    // A member listed as not expressible must not also be a manifest field.
    expect(notYet.filter((m) => expressible.includes(m))).toEqual([]);
  });
});
