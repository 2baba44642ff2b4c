/**
 * AWS's managed job templates, as ListManagedJobTemplates and DescribeManagedJobTemplate answer for
 * them: the eight the AWS IoT Developer Guide documents. The data only; ops-templates.ts serves it and
 * template-base.ts checks documentParameters against it and fills the placeholders.
 *
 * Sources (each entry names the ones it takes from):
 * - [M] "Use AWS managed templates to deploy common remote operations", section "Managed template
 *   remote actions and job documents":
 *   https://docs.aws.amazon.com/iot/latest/developerguide/job-templates-managed.html#job-template-manage-actions
 *   (archived as developerguide/job-templates-managed.md in awsdocs/aws-iot-docs at
 *   0a6e6df1a5011ad532e0abea1db192aed798d9bf, 2023-06, which has seven templates; the current page adds
 *   AWS-Run-Command). It gives each template's name, a "Template description", its required
 *   parameters in prose, and its job document "and its latest version"; "All these templates support
 *   the Linux environment"; "All managed templates have two optional input parameters in common:
 *   runAsUser and pathToHandler" (AWS-Run-Command: runAsUser only).
 * - [C] "Create a job from AWS managed templates by using the AWS CLI":
 *   https://docs.aws.amazon.com/iot/latest/developerguide/job-template-manage-cli-create.html
 *   Its list-managed-job-templates output gives the API's own description, environments ["LINUX"]
 *   and version 1.0 of AWS-Reboot, AWS-Remove-Application, AWS-Stop-Application and
 *   AWS-Restart-Application; its describe-managed-job-template output gives AWS-Download-File whole:
 *   description, version, environments, all four documentParameters (key, description, regex,
 *   example, optional) and the document as compact JSON text. That is the only template whose
 *   parameters' regex, example and API description AWS publishes.
 * - [A] API_DescribeManagedJobTemplate (the response shape; templateVersion `^[1-9]+.[0-9]+`):
 *   https://docs.aws.amazon.com/iot/latest/apireference/API_DescribeManagedJobTemplate.html
 * - [D] the AWS IoT Device Client's job document schema 1.0 (version, steps[].action{name, type
 *   runHandler|runCommand, input{handler, args, path}|{command}, runAsUser}), which these documents follow:
 *   https://github.com/awslabs/aws-iot-device-client/blob/main/source/jobs/README.md
 *
 * What is not published is inferred and marked `// not published: inferred from …` where it stands.
 * The rule used: the API's wording where [C] prints it; otherwise the guide's [M]; for regex and
 * example, [C]'s AWS-Download-File values carried over by analogy (required text `(.*?)`, the common
 * parameters as AWS-Download-File has them).
 */

/** One parameter of a managed template (DocumentParameter in [A]). */
export interface ManagedTemplateParameter {
  key: string;
  description: string;
  regex: string;
  example: string;
  optional: boolean;
}

/** A managed template (DescribeManagedJobTemplate's answer, less its ARN, which managedTemplateArn makes). */
export interface ManagedTemplate {
  templateName: string;
  templateVersion: string;
  description: string;
  environments: string[];
  documentParameters: ManagedTemplateParameter[];
  /** The job document as JSON text, with `${aws:iot:parameter:KEY}` placeholders. */
  document: string;
}

/** runAsUser exactly as [C]'s AWS-Download-File has it; that every template declares it the same way is inferred from [M] ("in common"). */
const RUN_AS_USER: ManagedTemplateParameter = {
  key: 'runAsUser',
  description: 'Execute handler as another user. If not specified, then handler is executed as the same user as device client.',
  regex: '(.){0,256}',
  example: 'user1',
  optional: true,
};

/** pathToHandler exactly as [C]'s AWS-Download-File has it; shared as RUN_AS_USER is. */
const PATH_TO_HANDLER: ManagedTemplateParameter = {
  key: 'pathToHandler',
  description: 'Path to handler on the device. If not specified, then device client will use the current working directory.',
  regex: '(.){0,4096}',
  example: '/path/to/handler/script',
  optional: true,
};

/**
 * A required parameter of a template other than AWS-Download-File. The description is [M]'s prose
 * (the API's own wording is not published); the regex is not published: inferred from
 * AWS-Download-File's required parameters in [C], `(.*?)`; the example is not published either and
 * is given where the parameter is declared.
 */
function required(key: string, description: string, example: string): ManagedTemplateParameter {
  return { key, description, regex: '(.*?)', example, optional: false };
}

/** A one-step runHandler document in [M]'s key order (JSON.stringify keeps it, which gives [C]'s compact text). */
function handlerDocument(name: string, handler: string, args: string[] | undefined): string {
  const input = args === undefined ? { handler, path: '${aws:iot:parameter:pathToHandler}' } : { handler, args, path: '${aws:iot:parameter:pathToHandler}' };
  return JSON.stringify({ version: '1.0', steps: [{ action: { name, type: 'runHandler', input, runAsUser: '${aws:iot:parameter:runAsUser}' } }] });
}

export const MANAGED_TEMPLATES: readonly ManagedTemplate[] = [
  // AWS-Download-File: everything published, in [C] (describe-managed-job-template output); the document is [C]'s text and [M]'s.
  {
    templateName: 'AWS-Download-File',
    templateVersion: '1.0',
    description: 'A managed job template for downloading a file.',
    environments: ['LINUX'],
    documentParameters: [
      { key: 'downloadUrl', description: 'URL of file to download.', regex: '(.*?)', example: 'http://www.example.com/index.html', optional: false },
      { key: 'filePath', description: 'Path on the device where downloaded file is written.', regex: '(.*?)', example: '/path/to/file', optional: false },
      RUN_AS_USER,
      PATH_TO_HANDLER,
    ],
    document: handlerDocument('Download-File', 'download-file.sh', ['${aws:iot:parameter:downloadUrl}', '${aws:iot:parameter:filePath}']),
  },
  // AWS-Install-Application: document and parameter in [M] (#install-managed-template).
  {
    templateName: 'AWS-Install-Application',
    templateVersion: '1.0', // not published: inferred from [C], where every listed template is 1.0
    description: 'A managed job template for installing one or more applications.', // not published: inferred from [C]'s wording for AWS-Remove-Application
    environments: ['LINUX'], // [M]: "All these templates support the Linux environment"; LINUX is [C]'s spelling
    documentParameters: [
      required(
        'packages',
        'A space-separated list of one or more applications to be installed.',
        'lftp dos2unix', // not published: inferred from the Device Client's sample-job-docs/install-packages.json args
      ),
      RUN_AS_USER,
      PATH_TO_HANDLER,
    ],
    document: handlerDocument('Install-Application', 'install-packages.sh', ['${aws:iot:parameter:packages}']),
  },
  // AWS-Reboot: description, version, environments in [C] (list output); document in [M] (#reboot-managed-template) and the console page,
  // https://docs.aws.amazon.com/iot/latest/developerguide/job-template-manage-console-create.html; no required parameter ([M]).
  {
    templateName: 'AWS-Reboot',
    templateVersion: '1.0',
    description: 'A managed job template for rebooting the device.',
    environments: ['LINUX'],
    documentParameters: [RUN_AS_USER, PATH_TO_HANDLER],
    document: handlerDocument('Reboot', 'reboot.sh', undefined),
  },
  // AWS-Remove-Application: description, version, environments in [C] (list output); document and parameter in [M] (#uninstall-managed-template).
  {
    templateName: 'AWS-Remove-Application',
    templateVersion: '1.0',
    description: 'A managed job template for uninstalling one or more applications.',
    environments: ['LINUX'],
    documentParameters: [
      required(
        'packages',
        'A space-separated list of one or more applications to be uninstalled.',
        'lftp dos2unix', // not published: inferred from the Device Client's sample-job-docs/remove-packages.json args
      ),
      RUN_AS_USER,
      PATH_TO_HANDLER,
    ],
    document: handlerDocument('Remove-Application', 'remove-packages.sh', ['${aws:iot:parameter:packages}']),
  },
  // AWS-Restart-Application: description, version, environments in [C] (list output); document and parameter in [M] (#restartsvs-managed-template).
  {
    templateName: 'AWS-Restart-Application',
    templateVersion: '1.0',
    description: 'A managed job template for restarting one or more system services.',
    environments: ['LINUX'],
    documentParameters: [
      required(
        'services',
        'A space-separated list of one or more applications to be restarted.',
        'ssh cron', // not published: inferred (two service names, space-separated as [M] says)
      ),
      RUN_AS_USER,
      PATH_TO_HANDLER,
    ],
    document: handlerDocument('Restart-Application', 'restart-services.sh', ['${aws:iot:parameter:services}']),
  },
  // AWS-Start-Application: document and parameter in [M] (#startsvs-managed-template).
  {
    templateName: 'AWS-Start-Application',
    templateVersion: '1.0', // not published: inferred from [C], where every listed template is 1.0
    description: 'A managed job template for starting one or more system services.', // not published: inferred from [C]'s wording for AWS-Stop-Application
    environments: ['LINUX'], // [M]: "All these templates support the Linux environment"
    documentParameters: [
      required(
        'services',
        'A space-separated list of one or more applications to be started.',
        'ssh cron', // not published: inferred, as for AWS-Restart-Application
      ),
      RUN_AS_USER,
      PATH_TO_HANDLER,
    ],
    document: handlerDocument('Start-Application', 'start-services.sh', ['${aws:iot:parameter:services}']),
  },
  // AWS-Stop-Application: description, version, environments in [C] (list output); document and parameter in [M] (#stopsvs-managed-template).
  {
    templateName: 'AWS-Stop-Application',
    templateVersion: '1.0',
    description: 'A managed job template for stopping one or more system services.',
    environments: ['LINUX'],
    documentParameters: [
      required(
        'services',
        'A space-separated list of one or more applications to be stopped.',
        'ssh cron', // not published: inferred, as for AWS-Restart-Application
      ),
      RUN_AS_USER,
      PATH_TO_HANDLER,
    ],
    document: handlerDocument('Stop-Application', 'stop-services.sh', ['${aws:iot:parameter:services}']),
  },
  // AWS-Run-Command: document and parameters in the current [M] (not in the 2023 archive): required `command`, optional `runAsUser` only,
  // and a runCommand step whose input is {command} ([D]: "The format of command needs to be comma separated").
  {
    templateName: 'AWS-Run-Command',
    // not published by AWS: inferred from the other templates' 1.0 in [C] and from public callers' ARNs,
    // e.g. `arn:aws:iot:region::jobtemplate/AWS-Run-Command:1.0` in https://repost.aws/questions/QUMz2lxfDlTqqkhqPOWTRC4A
    templateVersion: '1.0',
    description: 'A managed job template for running a shell command.', // not published: inferred from [C]'s wording and [M]'s "for running a shell command"
    environments: ['LINUX'], // [M]: "All these templates support the Linux environment"
    documentParameters: [
      required(
        'command',
        'A comma separated string of command. Any comma contained in the command itself must be escaped.',
        'echo,Hello World!', // not published: inferred from [D]'s runCommand example
      ),
      RUN_AS_USER,
    ],
    document: JSON.stringify({
      version: '1.0',
      steps: [
        {
          action: { name: 'Run-Command', type: 'runCommand', input: { command: '${aws:iot:parameter:command}' }, runAsUser: '${aws:iot:parameter:runAsUser}' },
        },
      ],
    }),
  },
];

/**
 * A managed template's ARN: `arn:aws:iot:REGION::jobtemplate/NAME:VERSION`, with no account, as [C]
 * prints them (`arn:aws:iot:region::jobtemplate/AWS-Reboot:1.0`, `arn:aws:iot:us-east-1::jobtemplate/AWS-Restart-Application:1.0`)
 * and as its create-job example passes one (`--job-template-arn arn:aws:iot:region::jobtemplate/AWS-Download-File:1.0`).
 */
export function managedTemplateArn(region: string, t: Pick<ManagedTemplate, 'templateName' | 'templateVersion'>): string {
  return `arn:aws:iot:${region}::jobtemplate/${t.templateName}:${t.templateVersion}`;
}
