/**
 * The desired side of a job template: an IoTJobTemplate manifest's spec as authored, and the
 * DesiredTemplate the controller keeps in AWS (the spec with its document resolved and its id
 * fixed). Plain data.
 */
import type { JobFields, Origin } from './iot-job.js';

/** The kind of a job template manifest (crds/iotjobtemplate.yaml). */
export const TEMPLATE_KIND = 'IoTJobTemplate';

/** What happens to the template in AWS when its manifest goes. */
export type TemplateDeletionPolicy = 'Delete' | 'Orphan';

/** The spec of an IoTJobTemplate manifest, as validated against crds/iotjobtemplate.yaml. */
export interface IoTJobTemplateSpec extends Pick<
  JobFields,
  'presignedUrlConfig' | 'jobExecutionsRolloutConfig' | 'abortConfig' | 'timeoutConfig' | 'jobExecutionsRetryConfig' | 'destinationPackageVersions'
> {
  jobTemplateId?: string;
  description: string;
  document?: unknown;
  documentSource?: string;
  documentFile?: string;
  maintenanceWindows?: { startTime: string; durationInMinutes: number }[];
  tags?: Record<string, string>;
  deletionPolicy?: TemplateDeletionPolicy;
  replacePolicy?: 'Refuse' | 'Recreate';
}

/** A job template as the controller wants it; `key` names the manifest (its name, or namespace/name). */
export interface DesiredTemplate {
  key: string;
  jobTemplateId: string;
  spec: IoTJobTemplateSpec;
  /** The document as it will be sent (JSON text), or undefined with a documentSource. */
  document?: string;
  documentSource?: string;
  origin: Origin;
  /** The Kubernetes generation, in Kubernetes mode. */
  generation?: number;
}

/** A job template as AWS reports it (DescribeJobTemplate), with its tags. */
export interface ObservedTemplate {
  jobTemplateId: string;
  jobTemplateArn: string;
  description?: string;
  document?: string;
  documentSource?: string;
  presignedUrlConfig?: JobFields['presignedUrlConfig'];
  jobExecutionsRolloutConfig?: JobFields['jobExecutionsRolloutConfig'];
  abortConfig?: JobFields['abortConfig'];
  timeoutConfig?: JobFields['timeoutConfig'];
  jobExecutionsRetryConfig?: JobFields['jobExecutionsRetryConfig'];
  maintenanceWindows?: { startTime: string; durationInMinutes: number }[];
  destinationPackageVersions?: string[];
  tags: Record<string, string>;
}

/** A declared template's outcome after a sync pass, for its status (Kubernetes), metric and log. */
export interface TemplateReport {
  key: string;
  jobTemplateId: string;
  jobTemplateArn?: string;
  ready: boolean;
  /** Synced, ChangeRefused, NotOwned, Invalid or Error. */
  reason: string;
  message: string;
  generation?: number;
}
