/**
 * AWS's managed job templates, as DescribeManagedJobTemplate answers for them: the seven the AWS IoT
 * Developer Guide documents, with their descriptions, job documents and parameters as published in
 * "Use AWS managed templates to deploy common remote operations"
 * (developerguide/job-templates-managed.md in awsdocs/aws-iot-docs; the page's ARN example,
 * `arn:aws:iot:region::jobtemplate/AWS-Restart-Application:1.0`, is in
 * job-template-manage-cli-create.md). What the pages do not publish is inferred, and marked so:
 *
 * - the version, 1.0, is the ARN example's;
 * - the environment, LINUX (the page: "All these templates support the Linux environment");
 * - each parameter's `regex` and `example`: AWS returns them but does not print them. The regexes
 *   here refuse only what the page rules out (an empty required value; a runAsUser "longer than
 *   256 characters"); the examples are this file's.
 *
 * Templates AWS added after that page (AWS-Run-Command among them) are not here: their documents
 * and parameters could not be checked against a published text.
 */

/** One parameter of a managed template (DocumentParameter). */
export interface ManagedTemplateParameter {
  key: string;
  description: string;
  regex: string;
  example: string;
  optional: boolean;
}

/** A managed template (DescribeManagedJobTemplate's answer, less its ARN). */
export interface ManagedTemplate {
  templateName: string;
  templateVersion: string;
  description: string;
  environments: string[];
  documentParameters: ManagedTemplateParameter[];
  /** The job document, with `${aws:iot:parameter:KEY}` placeholders. */
  document: string;
}

/** The two optional parameters every managed template has (the page: "All managed templates have the following two optional parameters in common"). */
const COMMON: ManagedTemplateParameter[] = [
  {
    key: 'runAsUser',
    description:
      "Whether to run the job handler as another user. If it's not specified during job creation, the job handler is run as the same user as the Device Client. When you run the job handler as another user, specify a string value that's not longer than 256 characters.",
    regex: '.{0,256}', // inferred from "not longer than 256 characters"
    example: 'iot-handler', // not published
    optional: true,
  },
  {
    key: 'pathToHandler',
    description:
      'The path to the job handler running on the device. If not specified during job creation, the Device Client uses the current working directory.',
    regex: '.+', // not published
    example: '/opt/aws-iot-device-client/jobs', // not published
    optional: true,
  },
];

/** A required parameter as the page describes it; its regex (any non-empty value) and example are not published. */
function required(key: string, description: string, example: string): ManagedTemplateParameter {
  return { key, description, regex: '.+', example, optional: false };
}

export const MANAGED_TEMPLATES: readonly ManagedTemplate[] = [
  {
    templateName: 'AWS-Reboot',
    templateVersion: '1.0',
    description: 'A managed template provided by AWS for rebooting your device.',
    environments: ['LINUX'],
    documentParameters: [...COMMON],
    document: JSON.stringify({
      version: '1.0',
      steps: [
        {
          action: {
            name: 'Reboot',
            type: 'runHandler',
            input: {
              handler: 'reboot.sh',
              path: '${aws:iot:parameter:pathToHandler}',
            },
            runAsUser: '${aws:iot:parameter:runAsUser}',
          },
        },
      ],
    }),
  },
  {
    templateName: 'AWS-Download-File',
    templateVersion: '1.0',
    description: 'A managed template provided by AWS for downloading a file.',
    environments: ['LINUX'],
    documentParameters: [
      required(
        'downloadUrl',
        'The URL to download the file from, which can be an internet resource, an object in Amazon S3 that can be publicly accessed, or an object in Amazon S3 that can only be accessed by your device using a presigned URL.',
        'https://example.com/firmware.bin',
      ),
      required('filePath', 'A local file path that shows the location in the device to store the downloaded file.', '/tmp/firmware.bin'),
      ...COMMON,
    ],
    document: JSON.stringify({
      version: '1.0',
      steps: [
        {
          action: {
            name: 'Download-File',
            type: 'runHandler',
            input: {
              handler: 'download-file.sh',
              args: ['${aws:iot:parameter:downloadUrl}', '${aws:iot:parameter:filePath}'],
              path: '${aws:iot:parameter:pathToHandler}',
            },
            runAsUser: '${aws:iot:parameter:runAsUser}',
          },
        },
      ],
    }),
  },
  {
    templateName: 'AWS-Install-Application',
    templateVersion: '1.0',
    description: 'A managed template provided by AWS for installing one or more applications.',
    environments: ['LINUX'],
    documentParameters: [required('packages', 'A space-separated list of one or more applications to be installed.', 'nano vim'), ...COMMON],
    document: JSON.stringify({
      version: '1.0',
      steps: [
        {
          action: {
            name: 'Install-Application',
            type: 'runHandler',
            input: {
              handler: 'install-packages.sh',
              args: ['${aws:iot:parameter:packages}'],
              path: '${aws:iot:parameter:pathToHandler}',
            },
            runAsUser: '${aws:iot:parameter:runAsUser}',
          },
        },
      ],
    }),
  },
  {
    templateName: 'AWS-Remove-Application',
    templateVersion: '1.0',
    description: 'A managed template provided by AWS for uninstalling one or more applications.',
    environments: ['LINUX'],
    documentParameters: [required('packages', 'A space-separated list of one or more applications to be uninstalled.', 'nano vim'), ...COMMON],
    document: JSON.stringify({
      version: '1.0',
      steps: [
        {
          action: {
            name: 'Remove-Application',
            type: 'runHandler',
            input: {
              handler: 'remove-packages.sh',
              args: ['${aws:iot:parameter:packages}'],
              path: '${aws:iot:parameter:pathToHandler}',
            },
            runAsUser: '${aws:iot:parameter:runAsUser}',
          },
        },
      ],
    }),
  },
  {
    templateName: 'AWS-Start-Application',
    templateVersion: '1.0',
    description: 'A managed template provided by AWS for starting one or more services.',
    environments: ['LINUX'],
    documentParameters: [required('services', 'A space-separated list of one or more applications to be started.', 'ssh cron'), ...COMMON],
    document: JSON.stringify({
      version: '1.0',
      steps: [
        {
          action: {
            name: 'Start-Application',
            type: 'runHandler',
            input: {
              handler: 'start-services.sh',
              args: ['${aws:iot:parameter:services}'],
              path: '${aws:iot:parameter:pathToHandler}',
            },
            runAsUser: '${aws:iot:parameter:runAsUser}',
          },
        },
      ],
    }),
  },
  {
    templateName: 'AWS-Stop-Application',
    templateVersion: '1.0',
    description: 'A managed template provided by AWS for stopping one or more services.',
    environments: ['LINUX'],
    documentParameters: [required('services', 'A space-separated list of one or more applications to be stopped.', 'ssh cron'), ...COMMON],
    document: JSON.stringify({
      version: '1.0',
      steps: [
        {
          action: {
            name: 'Stop-Application',
            type: 'runHandler',
            input: {
              handler: 'stop-services.sh',
              args: ['${aws:iot:parameter:services}'],
              path: '${aws:iot:parameter:pathToHandler}',
            },
            runAsUser: '${aws:iot:parameter:runAsUser}',
          },
        },
      ],
    }),
  },
  {
    templateName: 'AWS-Restart-Application',
    templateVersion: '1.0',
    description: 'A managed template provided by AWS for stopping and restarting one or more services.',
    environments: ['LINUX'],
    documentParameters: [required('services', 'A space-separated list of one or more applications to be restarted.', 'ssh cron'), ...COMMON],
    document: JSON.stringify({
      version: '1.0',
      steps: [
        {
          action: {
            name: 'Restart-Application',
            type: 'runHandler',
            input: {
              handler: 'restart-services.sh',
              args: ['${aws:iot:parameter:services}'],
              path: '${aws:iot:parameter:pathToHandler}',
            },
            runAsUser: '${aws:iot:parameter:runAsUser}',
          },
        },
      ],
    }),
  },
];

/** A managed template's ARN: `arn:aws:iot:REGION::jobtemplate/NAME:VERSION`, with no account (job-template-manage-cli-create.md). */
export function managedTemplateArn(region: string, t: Pick<ManagedTemplate, 'templateName' | 'templateVersion'>): string {
  return `arn:aws:iot:${region}::jobtemplate/${t.templateName}:${t.templateVersion}`;
}
