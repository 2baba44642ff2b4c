/**
 * Input validation with the service model's constraints. Every check throws
 * InvalidRequestException with a message naming the field, as the service does; nothing here
 * touches state.
 */
import { parseAwsCron } from './aws-cron.js';
import { invalidRequest } from './errors.js';
import type { AbortCriteria, JobConfig, RetryCriteria, RolloutConfig, SchedulingConfig } from './types.js';

export const JOB_ID = /^[a-zA-Z0-9_-]+$/;
export const THING_NAME = /^[a-zA-Z0-9:_-]+$/;
const REASON_CODE = /^[\p{Lu}\p{Nd}_]+$/u;
const TAG_KEY = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;
/** What the model's `[^\p{C}]+` (JobDescription, Comment) refuses: control, format, private-use and unassigned characters, the newline among them. */
const OTHER_CHARS = /\p{C}/u;
/** The largest job document the service accepts, in bytes. */
export const MAX_DOCUMENT_BYTES = 32_768;
/** The most targets one job may have. */
export const MAX_TARGETS = 100;

/** A string field's constraints: its length, min..max, and a pattern it must match, when given. */
export interface StringRule {
  min: number;
  max: number;
  pattern?: RegExp;
}

/** A number field's constraints: its range, min..max, and whether it must be an integer (default true). */
export interface NumberRule {
  min: number;
  max: number;
  integer?: boolean;
}

/** A thing or thing group name: 1..128 of `[a-zA-Z0-9:_-]`. */
export const THING_NAME_RULE: StringRule = { min: 1, max: 128, pattern: THING_NAME };
/** An ARN of at most 2048 characters. */
export const ARN_RULE: StringRule = { min: 1, max: 2048 };
/** An integer from 0 (execution numbers, versions). */
export const WHOLE_NUMBER: NumberRule = { min: 0, max: Number.MAX_SAFE_INTEGER };
/** An integer from 1 (thresholds counted in things). */
export const POSITIVE_INTEGER: NumberRule = { min: 1, max: Number.MAX_SAFE_INTEGER };

/** Fails unless `value` is a string that keeps `rule`. */
export function checkString(field: string, value: unknown, rule: StringRule): string {
  const { min, max, pattern } = rule;
  if (typeof value !== 'string') throw invalidRequest(`${field} must be a string`);
  if (value.length < min || value.length > max) throw invalidRequest(`${field} must be ${min} to ${max} characters long`);
  if (pattern && !pattern.test(value)) throw invalidRequest(`${field} does not match the pattern ${pattern.source}`);
  return value;
}

/** Like checkString, but undefined passes. */
export function optString(field: string, value: unknown, rule: StringRule): string | undefined {
  return value === undefined || value === null ? undefined : checkString(field, value, rule);
}

/** Fails unless `value` is a number that keeps `rule`. */
export function checkNumber(field: string, value: unknown, rule: NumberRule): number {
  const { min, max, integer = true } = rule;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidRequest(`${field} must be a number`);
  if (integer && !Number.isInteger(value)) throw invalidRequest(`${field} must be an integer`);
  if (value < min || value > max) throw invalidRequest(`${field} must be between ${min} and ${max}`);
  return value;
}

/** Like checkNumber, but undefined passes. */
export function optNumber(field: string, value: unknown, rule: NumberRule): number | undefined {
  return value === undefined || value === null ? undefined : checkNumber(field, value, rule);
}

/** Fails unless `value` is a boolean or absent. */
export function optBoolean(field: string, value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalidRequest(`${field} must be a boolean`);
  return value;
}

function checkObject(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidRequest(`${field} must be an object`);
  return value as Record<string, unknown>;
}

function checkArray(field: string, value: unknown, min: number, max: number): unknown[] {
  if (!Array.isArray(value)) throw invalidRequest(`${field} must be a list`);
  if (value.length < min || value.length > max) throw invalidRequest(`${field} must have ${min} to ${max} members`);
  return value;
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidRequest(`${field} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** Validates a jobId path parameter. */
export function checkJobId(value: unknown): string {
  return checkString('jobId', value, { min: 1, max: 64, pattern: JOB_ID });
}

/** Validates a thingName. */
export function checkThingName(field: string, value: unknown): string {
  return checkString(field, value, THING_NAME_RULE);
}

/** AWS IoT's substitution placeholders in a job document: `${aws:iot:…}`, the presigned-URL one among them. */
const PLACEHOLDER_START = '${aws:iot:';
const PRESIGN_START = '${aws:iot:s3-presigned-url:';
/** A placeholder closed within its JSON string: `}` before any `"` or the end. */
const CLOSED_PLACEHOLDER = /^\$\{aws:iot:[^}"]*\}/;
/** The most substitutions one document may hold [Q19: "up to 10 variable substitutions, presigned URLs included"]. */
export const MAX_SUBSTITUTIONS = 10;

/**
 * A document's placeholders, checked as AWS does at CreateJob: each one closed by `}`, at most ten,
 * and presigned-URL ones only with a presignedUrlConfig role to presign with [DG create-manage-jobs:
 * "you must specify presignedUrlConfig"]. AWS's messages for these refusals are undocumented; these
 * are the emulator's.
 */
export function checkPlaceholders(doc: string, presigned: JobConfig['presignedUrlConfig']): void {
  let count = 0;
  for (let at = doc.indexOf(PLACEHOLDER_START); at >= 0; at = doc.indexOf(PLACEHOLDER_START, at + 1)) {
    if (!CLOSED_PLACEHOLDER.test(doc.slice(at))) throw invalidRequest(`document has an unterminated placeholder at character ${at}: ${doc.slice(at, at + 40)}`);
    count++;
  }
  if (count > MAX_SUBSTITUTIONS) throw invalidRequest(`document has ${count} placeholders; at most ${MAX_SUBSTITUTIONS} substitutions are allowed`);
  if (doc.includes(PRESIGN_START) && !presigned?.roleArn)
    throw invalidRequest('document has an ${aws:iot:s3-presigned-url:…} placeholder, which needs presignedUrlConfig.roleArn');
}

/** Validates an inline job document: a JSON text of at most 32 KB. */
export function checkDocument(value: unknown): string {
  const doc = checkString('document', value, { min: 1, max: MAX_DOCUMENT_BYTES });
  if (Buffer.byteLength(doc, 'utf8') > MAX_DOCUMENT_BYTES) throw invalidRequest(`document must be at most ${MAX_DOCUMENT_BYTES} bytes`);
  try {
    JSON.parse(doc);
  } catch {
    throw invalidRequest('document is not valid JSON');
  }
  return doc;
}

/** Validates a description or comment as the model does: at most 2028 characters, none of them of Unicode category C (a newline included). */
export function checkText(field: string, value: unknown, max = 2028): string | undefined {
  const text = optString(field, value, { min: 0, max });
  if (text !== undefined && OTHER_CHARS.test(text))
    throw invalidRequest(`${field} must match the pattern [^\\p{C}]+ (no control or format characters, no newline)`);
  return text;
}

/** Validates a CancelJob reasonCode: upper-case letters, digits and underscores, at most 128. */
export function checkReasonCode(value: unknown): string | undefined {
  return optString('reasonCode', value, { min: 1, max: 128, pattern: REASON_CODE });
}

/** Validates statusDetails: at most 10 pairs, keys 1..128 `[a-zA-Z0-9:_-]`, values 1..1024. */
export function checkStatusDetails(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  const map = checkObject('statusDetails', value);
  const entries = Object.entries(map);
  if (entries.length > 10) throw invalidRequest('statusDetails may hold at most 10 pairs');
  for (const [k, v] of entries) {
    checkString(`statusDetails key ${k}`, k, THING_NAME_RULE);
    checkString(`statusDetails.${k}`, v, { min: 1, max: 1024 });
  }
  return map as Record<string, string>;
}

/** Validates a tag list ([{Key, Value}]) and returns it as a map. */
export function checkTags(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  const out: Record<string, string> = {};
  for (const [i, t] of checkArray('tags', value, 0, 50).entries()) {
    const tag = checkObject(`tags[${i}]`, t);
    const key = checkString(`tags[${i}].Key`, tag.Key, { min: 1, max: 128, pattern: TAG_KEY });
    out[key] = optString(`tags[${i}].Value`, tag.Value, { min: 0, max: 256 }) ?? '';
  }
  return out;
}

function checkRollout(value: unknown): RolloutConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const o = checkObject('jobExecutionsRolloutConfig', value);
  optNumber('jobExecutionsRolloutConfig.maximumPerMinute', o.maximumPerMinute, { min: 1, max: 1000 });
  if (o.exponentialRate !== undefined && o.exponentialRate !== null) {
    const e = checkObject('exponentialRate', o.exponentialRate);
    checkNumber('exponentialRate.baseRatePerMinute', e.baseRatePerMinute, { min: 1, max: 1000 });
    const f = checkNumber('exponentialRate.incrementFactor', e.incrementFactor, { min: 1.1, max: 5, integer: false });
    if (Math.abs(f * 10 - Math.round(f * 10)) > 1e-9) throw invalidRequest('exponentialRate.incrementFactor allows one decimal place');
    const c = checkObject('exponentialRate.rateIncreaseCriteria', e.rateIncreaseCriteria);
    const n = optNumber('rateIncreaseCriteria.numberOfNotifiedThings', c.numberOfNotifiedThings, POSITIVE_INTEGER);
    const s = optNumber('rateIncreaseCriteria.numberOfSucceededThings', c.numberOfSucceededThings, POSITIVE_INTEGER);
    if (n === undefined && s === undefined) throw invalidRequest('rateIncreaseCriteria needs numberOfNotifiedThings or numberOfSucceededThings');
  }
  return o as RolloutConfig;
}

function checkAbort(value: unknown): JobConfig['abortConfig'] {
  if (value === undefined || value === null) return undefined;
  const o = checkObject('abortConfig', value);
  for (const [i, c] of checkArray('abortConfig.criteriaList', o.criteriaList, 1, 100).entries()) {
    const k = checkObject(`abortConfig.criteriaList[${i}]`, c);
    oneOf(`criteriaList[${i}].failureType`, k.failureType, ['FAILED', 'REJECTED', 'TIMED_OUT', 'ALL'] as const);
    oneOf(`criteriaList[${i}].action`, k.action, ['CANCEL'] as const);
    const t = checkNumber(`criteriaList[${i}].thresholdPercentage`, k.thresholdPercentage, { min: 0, max: 100, integer: false });
    if (Math.abs(t * 100 - Math.round(t * 100)) > 1e-9) throw invalidRequest(`criteriaList[${i}].thresholdPercentage allows two decimal places`);
    checkNumber(`criteriaList[${i}].minNumberOfExecutedThings`, k.minNumberOfExecutedThings, POSITIVE_INTEGER);
  }
  return o as { criteriaList: AbortCriteria[] };
}

function checkTimeout(value: unknown): JobConfig['timeoutConfig'] {
  if (value === undefined || value === null) return undefined;
  const o = checkObject('timeoutConfig', value);
  optNumber('timeoutConfig.inProgressTimeoutInMinutes', o.inProgressTimeoutInMinutes, { min: 1, max: 10080 });
  return o as JobConfig['timeoutConfig'];
}

function checkRetry(value: unknown): JobConfig['jobExecutionsRetryConfig'] {
  if (value === undefined || value === null) return undefined;
  const o = checkObject('jobExecutionsRetryConfig', value);
  let total = 0;
  for (const [i, c] of checkArray('jobExecutionsRetryConfig.criteriaList', o.criteriaList, 1, 2).entries()) {
    const k = checkObject(`jobExecutionsRetryConfig.criteriaList[${i}]`, c);
    oneOf(`criteriaList[${i}].failureType`, k.failureType, ['FAILED', 'TIMED_OUT', 'ALL'] as const);
    total += checkNumber(`criteriaList[${i}].numberOfRetries`, k.numberOfRetries, { min: 0, max: 10 });
  }
  if (total > 10) throw invalidRequest('jobExecutionsRetryConfig allows at most 10 retries in all');
  return o as { criteriaList: RetryCriteria[] };
}

/**
 * An IAM role's ARN (IAM's format, any partition, a path allowed). The model gives only its length
 * (20..2048); that AWS refuses another ARN here is inferred from the role AWS IoT must assume, and
 * its message is undocumented: this one is the emulator's.
 */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

function checkPresigned(value: unknown): JobConfig['presignedUrlConfig'] {
  if (value === undefined || value === null) return undefined;
  const o = checkObject('presignedUrlConfig', value);
  const roleArn = optString('presignedUrlConfig.roleArn', o.roleArn, { min: 20, max: 2048 });
  if (roleArn !== undefined && !ROLE_ARN.test(roleArn)) throw invalidRequest(`presignedUrlConfig.roleArn ${roleArn} is not the ARN of an IAM role`);
  optNumber('presignedUrlConfig.expiresInSec', o.expiresInSec, { min: 60, max: 3600 });
  return o as JobConfig['presignedUrlConfig'];
}

const SCHEDULE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?$/;

/** Parses a schedulingConfig time (`YYYY-MM-DDTHH:MM`, UTC) to epoch milliseconds. */
export function parseScheduleTime(field: string, value: string): number {
  if (!SCHEDULE_TIME.test(value)) throw invalidRequest(`${field} must look like YYYY-MM-DDTHH:MM (UTC)`);
  const ms = Date.parse(value.endsWith('Z') ? value : `${value}Z`);
  if (Number.isNaN(ms)) throw invalidRequest(`${field} is not a valid date and time`);
  return ms;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A schedulingConfig time as epoch milliseconds; undefined when absent. */
function optScheduleTime(field: string, value: unknown): number | undefined {
  return value === undefined ? undefined : parseScheduleTime(field, checkString(field, value, { min: 1, max: 64 }));
}

/** Fails unless startTime, when given, is 30 minutes to one year ahead. */
function checkStartTime(start: number | undefined, now: number): void {
  if (start !== undefined && (start < now + 30 * MINUTE || start > now + 365 * DAY)) {
    throw invalidRequest('schedulingConfig.startTime must be at least 30 minutes and at most one year in the future');
  }
}

/** Fails unless endTime, when given, is 30 minutes to two years ahead and, with a startTime, 30 minutes to two years after it. */
function checkEndTime(end: number | undefined, start: number | undefined, now: number): void {
  if (end === undefined) return;
  if (end < now + 30 * MINUTE || end > now + 730 * DAY)
    throw invalidRequest('schedulingConfig.endTime must be at least 30 minutes and at most two years in the future');
  if (start !== undefined && (end < start + 30 * MINUTE || end > start + 730 * DAY)) {
    throw invalidRequest('schedulingConfig.endTime must be 30 minutes to two years after startTime');
  }
}

/** Validates the maintenance windows, when given: at most 50, each a start and 1..1430 minutes. */
export function checkMaintenanceWindows(value: unknown, field = 'schedulingConfig.maintenanceWindows'): SchedulingConfig['maintenanceWindows'] {
  if (value === undefined || value === null) return undefined;
  for (const [i, w] of checkArray(field, value, 0, 50).entries()) {
    const k = checkObject(`maintenanceWindows[${i}]`, w);
    const startTime = checkString(`maintenanceWindows[${i}].startTime`, k.startTime, { min: 1, max: 256 });
    checkNumber(`maintenanceWindows[${i}].durationInMinutes`, k.durationInMinutes, { min: 1, max: 1430 });
    checkCron(`${field}[${i}].startTime`, startTime);
  }
  return value as SchedulingConfig['maintenanceWindows'];
}

/** Fails unless `expression` is a cron expression AWS takes (aws-cron.ts), naming the field. */
function checkCron(field: string, expression: string): void {
  try {
    parseAwsCron(expression);
  } catch (err) {
    throw invalidRequest(`${field} is not a valid cron expression: ${(err as Error).message}`);
  }
}

/** ParameterKey: 1..128 of `[a-zA-Z0-9_-]`. */
const PARAMETER_KEY: StringRule = { min: 1, max: 128, pattern: /^[a-zA-Z0-9_-]+$/ };

/** Validates documentParameters as the model shapes them: keys 1..128 `[a-zA-Z0-9_-]`, values 1..30720 with no character of category C. */
export function checkDocumentParameters(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  const map = checkObject('documentParameters', value);
  for (const [k, v] of Object.entries(map)) {
    checkString(`documentParameters key ${k}`, k, PARAMETER_KEY);
    checkText(`documentParameters.${k}`, checkString(`documentParameters.${k}`, v, { min: 1, max: 30_720 }), 30_720);
  }
  return map as Record<string, string>;
}

/** A software package version's ARN: `arn:aws:iot:REGION:ACCOUNT:package/NAME/version/VERSION` [DG software-package-catalog]. */
const PACKAGE_VERSION_ARN = /^arn:aws[a-z-]*:iot:[a-z0-9-]+:\d{12}:package\/[a-zA-Z0-9-_.]{1,128}\/version\/[a-zA-Z0-9-_.+]{1,64}$/;

/**
 * Validates destinationPackageVersions: at most 25 ARNs [M], each 1..1600 `^arn:[!-~]+$` and the
 * ARN of a package version. The emulator has no software package catalog, so it cannot check that
 * a version exists and is Published or Deprecated, as AWS does when the job deploys.
 */
export function checkPackageVersions(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  return checkArray('destinationPackageVersions', value, 0, 25).map((v, i) => {
    const arn = checkString(`destinationPackageVersions[${i}]`, v, { min: 1, max: 1600, pattern: /^arn:[!-~]+$/ });
    if (!PACKAGE_VERSION_ARN.test(arn))
      throw invalidRequest(`destinationPackageVersions[${i}] is not a package version ARN (…:package/NAME/version/VERSION): ${arn}`);
    return arn;
  });
}

function checkScheduling(value: unknown, now: number): SchedulingConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const o = checkObject('schedulingConfig', value) as SchedulingConfig & Record<string, unknown>;
  const start = optScheduleTime('schedulingConfig.startTime', o.startTime);
  const end = optScheduleTime('schedulingConfig.endTime', o.endTime);
  checkStartTime(start, now);
  checkEndTime(end, start, now);
  if (o.endBehavior !== undefined) oneOf('schedulingConfig.endBehavior', o.endBehavior, ['STOP_ROLLOUT', 'CANCEL', 'FORCE_CANCEL'] as const);
  checkMaintenanceWindows(o.maintenanceWindows);
  return o;
}

/** The fields UpdateJob may change; every other field is fixed at creation. */
export const MUTABLE_FIELDS = [
  'description',
  'presignedUrlConfig',
  'jobExecutionsRolloutConfig',
  'abortConfig',
  'timeoutConfig',
  'jobExecutionsRetryConfig',
] as const;

/** The configuration a job template carries beside its document and windows, which a job made from it takes: the mutable fields and the package versions. */
export const TEMPLATE_CONFIG_FIELDS = [...MUTABLE_FIELDS, 'destinationPackageVersions'] as const;

/** The template configuration fields `from` sets (a job's or a template's), without those it leaves out. */
export function templateConfigOf(from: Pick<JobConfig, (typeof TEMPLATE_CONFIG_FIELDS)[number]>): Pick<JobConfig, (typeof TEMPLATE_CONFIG_FIELDS)[number]> {
  return Object.fromEntries(TEMPLATE_CONFIG_FIELDS.filter((f) => from[f] !== undefined).map((f) => [f, from[f]]));
}

/** Validates the mutable configuration fields of a CreateJob or UpdateJob request. */
export function checkMutableConfig(input: Record<string, unknown>): Pick<JobConfig, (typeof MUTABLE_FIELDS)[number]> {
  return {
    description: checkText('description', input.description),
    presignedUrlConfig: checkPresigned(input.presignedUrlConfig),
    jobExecutionsRolloutConfig: checkRollout(input.jobExecutionsRolloutConfig),
    abortConfig: checkAbort(input.abortConfig),
    timeoutConfig: checkTimeout(input.timeoutConfig),
    jobExecutionsRetryConfig: checkRetry(input.jobExecutionsRetryConfig),
  };
}

/** Validates the configuration a CreateJob request may carry, mutable and fixed. */
export function checkJobConfig(input: Record<string, unknown>, now: number): JobConfig {
  return {
    ...checkMutableConfig(input),
    schedulingConfig: checkScheduling(input.schedulingConfig, now),
    namespaceId: optString('namespaceId', input.namespaceId, { min: 1, max: 64, pattern: JOB_ID }),
    jobTemplateArn: optString('jobTemplateArn', input.jobTemplateArn, { min: 1, max: 1600, pattern: /^arn:[!-~]+$/ }),
    documentParameters: checkDocumentParameters(input.documentParameters),
    destinationPackageVersions: checkPackageVersions(input.destinationPackageVersions),
  };
}

/** Validates a maxResults query value (1..250). */
export function checkMaxResults(value: unknown): number | undefined {
  return optNumber('maxResults', value, { min: 1, max: 250 });
}

/** Validates an optional enum value from a query string or body. */
export function optEnum<T extends string>(field: string, value: unknown, allowed: readonly T[]): T | undefined {
  return value === undefined || value === null ? undefined : oneOf(field, value, allowed);
}
