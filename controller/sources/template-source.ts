/**
 * Where IoTJobTemplate manifests come from: the directory's snapshot (beside its IoTJobs) or the
 * IoTJobTemplate objects of the cluster. Like DesiredSource for jobs, a source is a trigger; the
 * template sync reads it whole on every pass.
 */
import type { DesiredTemplate } from '../model/iot-job-template.js';

/** A declared template that cannot be synced, and why. */
export interface TemplateProblem {
  key: string;
  message: string;
  /** The Kubernetes generation of the object at fault, when there is one. */
  generation?: number;
}

/** The declared job templates. */
export interface TemplateSource {
  /** The declared templates to keep in AWS (Kubernetes: each valid IoTJobTemplate not being deleted). */
  templates(): DesiredTemplate[];
  /** Templates whose manifest is being deleted and whose deletionPolicy is to be applied now (Kubernetes); none in a directory. */
  leavingTemplates(): DesiredTemplate[];
  /** Declared templates that cannot be synced (Kubernetes: per object; a directory refuses its whole snapshot instead). */
  templateProblems(): TemplateProblem[];
  /**
   * Whether an owned template with no manifest is removed (by its recorded deletionPolicy, behind
   * the prune guard): true for a directory; false for Kubernetes, where only a deletion does it.
   */
  readonly prunesAbsent: boolean;
  /** Whether the declared templates are known (Kubernetes: every IoTJobTemplate collection listed); true when absent. */
  templatesSynced?(): boolean;
  /** The revision a prune approval names (a directory's); undefined otherwise. */
  templateRevision?(): string | undefined;
  /** Starts watching, when the source watches on its own (Kubernetes); `onChange` after each change. */
  startTemplates?(onChange: () => void): Promise<void>;
  stopTemplates?(): Promise<void>;
}
