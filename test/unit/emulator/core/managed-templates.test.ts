/**
 * The managed job templates' data (emulator/core/managed-templates.ts): each document is JSON in the
 * Device Client's schema 1.0, its placeholders and its declared parameters agree, each example passes
 * its own regex, keys, names, versions and descriptions keep to DescribeManagedJobTemplate's
 * constraints, and what the developer guide prints for AWS-Download-File is reproduced exactly.
 */
import { describe, expect, it } from 'vitest';
import { MANAGED_TEMPLATES, managedTemplateArn } from '../../../../emulator/core/managed-templates.js';

const PLACEHOLDER = /\$\{aws:iot:parameter:([^}]*)\}/g;

/** Whole-value match, as template-base.ts applies a parameter's regex. */
function fullMatch(regex: string, value: string): boolean {
  return new RegExp(`^(?:${regex})$`, 'su').test(value);
}

function placeholders(document: string): string[] {
  return [...document.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

const byName = (name: string) => MANAGED_TEMPLATES.find((t) => t.templateName === name)!;

describe('managed job templates', () => {
  it('are the eight the developer guide lists', () => {
    expect(MANAGED_TEMPLATES.map((t) => t.templateName).sort()).toEqual([
      'AWS-Download-File',
      'AWS-Install-Application',
      'AWS-Reboot',
      'AWS-Remove-Application',
      'AWS-Restart-Application',
      'AWS-Run-Command',
      'AWS-Start-Application',
      'AWS-Stop-Application',
    ]);
  });

  it('have unique names (and name:version pairs)', () => {
    const names = MANAGED_TEMPLATES.map((t) => t.templateName);
    expect(new Set(names).size).toBe(names.length);
    const ids = MANAGED_TEMPLATES.map((t) => `${t.templateName}:${t.templateVersion}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(MANAGED_TEMPLATES.map((t) => [t.templateName, t] as const))(
    '%s keeps to the API constraints (name 1..64, version ^[1-9]+.[0-9]+, description [^\\p{C}]+ ≤ 2028, environments)',
    (_name, t) => {
      expect(t.templateName.length).toBeGreaterThanOrEqual(1);
      expect(t.templateName.length).toBeLessThanOrEqual(64);
      expect(t.templateName).toMatch(/^AWS-[A-Za-z-]+$/);
      expect(t.templateVersion).toMatch(/^[1-9]+\.[0-9]+$/);
      expect(t.description).toMatch(/^[^\p{C}]+$/u);
      expect(t.description.length).toBeLessThanOrEqual(2028);
      expect(t.environments).toEqual(['LINUX']);
    },
  );

  it.each(MANAGED_TEMPLATES.map((t) => [t.templateName, t] as const))('%s has a JSON document in the Device Client schema 1.0', (_name, t) => {
    expect(t.document.length).toBeLessThanOrEqual(32768);
    const doc = JSON.parse(t.document) as { version: string; steps: { action: Record<string, any> }[] };
    expect(doc.version).toBe('1.0');
    expect(doc.steps.length).toBeGreaterThan(0);
    for (const { action } of doc.steps) {
      expect(typeof action.name).toBe('string');
      expect(['runHandler', 'runCommand']).toContain(action.type);
      if (action.type === 'runHandler') expect(action.input.handler).toMatch(/^[a-z-]+\.sh$/);
      else expect(Object.keys(action.input)).toEqual(['command']);
    }
  });

  it.each(MANAGED_TEMPLATES.map((t) => [t.templateName, t] as const))(
    '%s: every placeholder names a declared parameter, and every declared parameter is used',
    (_name, t) => {
      const used = new Set(placeholders(t.document));
      const declared = t.documentParameters.map((p) => p.key);
      expect([...used].sort()).toEqual([...declared].sort());
      expect(new Set(declared).size).toBe(declared.length);
    },
  );

  it.each(MANAGED_TEMPLATES.map((t) => [t.templateName, t] as const))(
    '%s: keys are [a-zA-Z0-9_-]+ of 1..128, each example passes its own regex, and a required parameter is required',
    (_name, t) => {
      for (const p of t.documentParameters) {
        expect(p.key).toMatch(/^[a-zA-Z0-9_-]{1,128}$/);
        expect(() => new RegExp(p.regex, 'u')).not.toThrow();
        expect(fullMatch(p.regex, p.example), `${p.key}: ${p.example} against ${p.regex}`).toBe(true);
        expect(p.description.length).toBeGreaterThan(0);
      }
      expect(t.documentParameters.filter((p) => !p.optional).length).toBe(t.templateName === 'AWS-Reboot' ? 0 : t.templateName === 'AWS-Download-File' ? 2 : 1);
    },
  );

  it('AWS-Download-File is as the AWS CLI page prints describe-managed-job-template for it', () => {
    const t = byName('AWS-Download-File');
    expect(t.description).toBe('A managed job template for downloading a file.');
    expect(t.documentParameters).toEqual([
      { key: 'downloadUrl', description: 'URL of file to download.', regex: '(.*?)', example: 'http://www.example.com/index.html', optional: false },
      { key: 'filePath', description: 'Path on the device where downloaded file is written.', regex: '(.*?)', example: '/path/to/file', optional: false },
      {
        key: 'runAsUser',
        description: 'Execute handler as another user. If not specified, then handler is executed as the same user as device client.',
        regex: '(.){0,256}',
        example: 'user1',
        optional: true,
      },
      {
        key: 'pathToHandler',
        description: 'Path to handler on the device. If not specified, then device client will use the current working directory.',
        regex: '(.){0,4096}',
        example: '/path/to/handler/script',
        optional: true,
      },
    ]);
    expect(t.document).toBe(
      '{"version":"1.0","steps":[{"action":{"name":"Download-File","type":"runHandler","input":{"handler":"download-file.sh",' +
        '"args":["${aws:iot:parameter:downloadUrl}","${aws:iot:parameter:filePath}"],"path":"${aws:iot:parameter:pathToHandler}"},' +
        '"runAsUser":"${aws:iot:parameter:runAsUser}"}}]}',
    );
  });

  it('the guide’s documents: AWS-Reboot has no args, AWS-Run-Command a runCommand step and no pathToHandler', () => {
    expect(JSON.parse(byName('AWS-Reboot').document).steps[0].action).toEqual({
      name: 'Reboot',
      type: 'runHandler',
      input: { handler: 'reboot.sh', path: '${aws:iot:parameter:pathToHandler}' },
      runAsUser: '${aws:iot:parameter:runAsUser}',
    });
    expect(JSON.parse(byName('AWS-Run-Command').document).steps[0].action).toEqual({
      name: 'Run-Command',
      type: 'runCommand',
      input: { command: '${aws:iot:parameter:command}' },
      runAsUser: '${aws:iot:parameter:runAsUser}',
    });
    expect(byName('AWS-Run-Command').documentParameters.map((p) => p.key)).toEqual(['command', 'runAsUser']);
  });

  it('runAsUser takes at most 256 characters (the guide: "not longer than 256 characters")', () => {
    const p = byName('AWS-Reboot').documentParameters.find((q) => q.key === 'runAsUser')!;
    expect(fullMatch(p.regex, 'u'.repeat(256))).toBe(true);
    expect(fullMatch(p.regex, 'u'.repeat(257))).toBe(false);
    expect(fullMatch(p.regex, '')).toBe(true);
  });

  it('ARNs are arn:aws:iot:REGION::jobtemplate/NAME:VERSION, with no account', () => {
    expect(managedTemplateArn('us-east-1', byName('AWS-Restart-Application'))).toBe('arn:aws:iot:us-east-1::jobtemplate/AWS-Restart-Application:1.0');
    for (const t of MANAGED_TEMPLATES) {
      const arn = managedTemplateArn('eu-west-1', t);
      expect(arn).toMatch(/^arn:aws:iot:eu-west-1::jobtemplate\/AWS-[A-Za-z-]+:[1-9]+\.[0-9]+$/);
      expect(arn.length).toBeLessThanOrEqual(1600);
      expect(arn.endsWith(`/${t.templateName}:${t.templateVersion}`)).toBe(true);
    }
  });
});
