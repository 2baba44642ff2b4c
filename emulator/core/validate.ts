/**
 * Input validation with the service model's constraints. Every check throws
 * InvalidRequestException with a message naming the field, as the service does; nothing here
 * touches state.
 */
import { invalidRequest } from './errors.js';
import type { AbortCriteria, JobConfig, RetryCriteria, RolloutConfig, SchedulingConfig } from './types.js';

export const JOB_ID = /^[a-zA-Z0-9_-]+$/;
export const THING_NAME = /^[a-zA-Z0-9:_-]+$/;
const REASON_CODE = /^[\p{Lu}\p{Nd}_]+$/u;
const TAG_KEY = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** The largest job document the service accepts, in bytes. */
export const MAX_DOCUMENT_BYTES = 32_768;
/** The most targets one job may have. */
export const MAX_TARGETS = 100;

/** Fails unless `value` is a string of length min..max (and matches `pattern`, when given). */
export function checkString(field: string, value: unknown, min: number, max: number, pattern?: RegExp): string {
  if (typeof value !== 'string') throw invalidRequest(`${field} must be a string`);
  if (value.length < min || value.length > max) throw invalidRequest(`${field} must be ${min} to ${max} characters long`);
  if (pattern && !pattern.test(value)) throw invalidRequest(`${field} does not match the pattern ${pattern.source}`);
  return value;
}

/** Like checkString, but undefined passes. */
export function optString(field: string, value: unknown, min: number, max: number, pattern?: RegExp): string | undefined {
  return value === undefined || value === null ? undefined : checkString(field, value, min, max, pattern);
}

/** Fails unless `value` is a number in min..max (an integer when `integer`). */
export function checkNumber(field: string, value: unknown, min: number, max: number, integer = true): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidRequest(`${field} must be a number`);
  if (integer && !Number.isInteger(value)) throw invalidRequest(`${field} must be an integer`);
  if (value < min || value > max) throw invalidRequest(`${field} must be between ${min} and ${max}`);
  return value;
}

/** Like checkNumber, but undefined passes. */
export function optNumber(field: string, value: unknown, min: number, max: number, integer = true): number | undefined {
  return value === undefined || value === null ? undefined : checkNumber(field, value, min, max, integer);
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
  return checkString('jobId', value, 1, 64, JOB_ID);
}

/** Validates a thingName. */
export function checkThingName(field: string, value: unknown): string {
  return checkString(field, value, 1, 128, THING_NAME);
}

/** Validates an inline job document: a JSON text of at most 32 KB. */
export function checkDocument(value: unknown): string {
  const doc = checkString('document', value, 1, MAX_DOCUMENT_BYTES);
  if (Buffer.byteLength(doc, 'utf8') > MAX_DOCUMENT_BYTES) throw invalidRequest(`document must be at most ${MAX_DOCUMENT_BYTES} bytes`);
  try {
    JSON.parse(doc);
  } catch {
    throw invalidRequest('document is not valid JSON');
  }
  return doc;
}

/** Validates a description or comment: at most 2028 characters and no control characters. */
export function checkText(field: string, value: unknown, max = 2028): string | undefined {
  const text = optString(field, value, 0, max);
  if (text !== undefined && CONTROL_CHARS.test(text)) throw invalidRequest(`${field} must not contain control characters`);
  return text;
}

/** Validates a CancelJob reasonCode: upper-case letters, digits and underscores, at most 128. */
export function checkReasonCode(value: unknown): string | undefined {
  return optString('reasonCode', value, 1, 128, REASON_CODE);
}

/** Validates statusDetails: at most 10 pairs, keys 1..128 `[a-zA-Z0-9:_-]`, values 1..1024. */
export function checkStatusDetails(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  const map = checkObject('statusDetails', value);
  const entries = Object.entries(map);
  if (entries.length > 10) throw invalidRequest('statusDetails may hold at most 10 pairs');
  for (const [k, v] of entries) {
    checkString(`statusDetails key ${k}`, k, 1, 128, THING_NAME);
    checkString(`statusDetails.${k}`, v, 1, 1024);
  }
  return map as Record<string, string>;
}

/** Validates a tag list ([{Key, Value}]) and returns it as a map. */
export function checkTags(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  const out: Record<string, string> = {};
  for (const [i, t] of checkArray('tags', value, 0, 50).entries()) {
    const tag = checkObject(`tags[${i}]`, t);
    const key = checkString(`tags[${i}].Key`, tag.Key, 1, 128, TAG_KEY);
    out[key] = optString(`tags[${i}].Value`, tag.Value, 0, 256) ?? '';
  }
  return out;
}

function checkRollout(value: unknown): RolloutConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const o = checkObject('jobExecutionsRolloutConfig', value);
  optNumber('jobExecutionsRolloutConfig.maximumPerMinute', o.maximumPerMinute, 1, 1000);
  if (o.exponentialRate !== undefined && o.exponentialRate !== null) {
    const e = checkObject('exponentialRate', o.exponentialRate);
    checkNumber('exponentialRate.baseRatePerMinute', e.baseRatePerMinute, 1, 1000);
    const f = checkNumber('exponentialRate.incrementFactor', e.incrementFactor, 1.1, 5, false);
    if (Math.abs(f * 10 - Math.round(f * 10)) > 1e-9) throw invalidRequest('exponentialRate.incrementFactor allows one decimal place');
    const c = checkObject('exponentialRate.rateIncreaseCriteria', e.rateIncreaseCriteria);
    const n = optNumber('rateIncreaseCriteria.numberOfNotifiedThings', c.numberOfNotifiedThings, 1, Number.MAX_SAFE_INTEGER);
    const s = optNumber('rateIncreaseCriteria.numberOfSucceededThings', c.numberOfSucceededThings, 1, Number.MAX_SAFE_INTEGER);
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
    const t = checkNumber(`criteriaList[${i}].thresholdPercentage`, k.thresholdPercentage, 0, 100, false);
    if (Math.abs(t * 100 - Math.round(t * 100)) > 1e-9) throw invalidRequest(`criteriaList[${i}].thresholdPercentage allows two decimal places`);
    checkNumber(`criteriaList[${i}].minNumberOfExecutedThings`, k.minNumberOfExecutedThings, 1, Number.MAX_SAFE_INTEGER);
  }
  return o as { criteriaList: AbortCriteria[] };
}

function checkTimeout(value: unknown): JobConfig['timeoutConfig'] {
  if (value === undefined || value === null) return undefined;
  const o = checkObject('timeoutConfig', value);
  optNumber('timeoutConfig.inProgressTimeoutInMinutes', o.inProgressTimeoutInMinutes, 1, 10080);
  return o as JobConfig['timeoutConfig'];
}

function checkRetry(value: unknown): JobConfig['jobExecutionsRetryConfig'] {
  if (value === undefined || value === null) return undefined;
  const o = checkObject('jobExecutionsRetryConfig', value);
  let total = 0;
  for (const [i, c] of checkArray('jobExecutionsRetryConfig.criteriaList', o.criteriaList, 1, 2).entries()) {
    const k = checkObject(`jobExecutionsRetryConfig.criteriaList[${i}]`, c);
    oneOf(`criteriaList[${i}].failureType`, k.failureType, ['FAILED', 'TIMED_OUT', 'ALL'] as const);
    total += checkNumber(`criteriaList[${i}].numberOfRetries`, k.numberOfRetries, 0, 10);
  }
  if (total > 10) throw invalidRequest('jobExecutionsRetryConfig allows at most 10 retries in all');
  return o as { criteriaList: RetryCriteria[] };
}

function checkPresigned(value: unknown): JobConfig['presignedUrlConfig'] {
  if (value === undefined || value === null) return undefined;
  const o = checkObject('presignedUrlConfig', value);
  optString('presignedUrlConfig.roleArn', o.roleArn, 20, 2048);
  optNumber('presignedUrlConfig.expiresInSec', o.expiresInSec, 60, 3600);
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

function checkScheduling(value: unknown, now: number): SchedulingConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const o = checkObject('schedulingConfig', value) as SchedulingConfig & Record<string, unknown>;
  const start = o.startTime === undefined ? undefined : parseScheduleTime('schedulingConfig.startTime', checkString('schedulingConfig.startTime', o.startTime, 1, 64));
  const end = o.endTime === undefined ? undefined : parseScheduleTime('schedulingConfig.endTime', checkString('schedulingConfig.endTime', o.endTime, 1, 64));
  if (start !== undefined && (start < now + 30 * MINUTE || start > now + 365 * DAY)) {
    throw invalidRequest('schedulingConfig.startTime must be at least 30 minutes and at most one year in the future');
  }
  if (end !== undefined) {
    if (end < now + 30 * MINUTE || end > now + 730 * DAY) throw invalidRequest('schedulingConfig.endTime must be at least 30 minutes and at most two years in the future');
    if (start !== undefined && (end < start + 30 * MINUTE || end > start + 730 * DAY)) {
      throw invalidRequest('schedulingConfig.endTime must be 30 minutes to two years after startTime');
    }
  }
  if (o.endBehavior !== undefined) oneOf('schedulingConfig.endBehavior', o.endBehavior, ['STOP_ROLLOUT', 'CANCEL', 'FORCE_CANCEL'] as const);
  if (o.maintenanceWindows !== undefined) {
    for (const [i, w] of checkArray('schedulingConfig.maintenanceWindows', o.maintenanceWindows, 0, 50).entries()) {
      const k = checkObject(`maintenanceWindows[${i}]`, w);
      checkString(`maintenanceWindows[${i}].startTime`, k.startTime, 1, 256);
      checkNumber(`maintenanceWindows[${i}].durationInMinutes`, k.durationInMinutes, 1, 1430);
    }
  }
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
    namespaceId: optString('namespaceId', input.namespaceId, 1, 64, JOB_ID),
    jobTemplateArn: optString('jobTemplateArn', input.jobTemplateArn, 1, 1600, /^arn:[!-~]+$/),
    documentParameters: input.documentParameters as Record<string, string> | undefined,
    destinationPackageVersions: input.destinationPackageVersions === undefined
      ? undefined
      : (checkArray('destinationPackageVersions', input.destinationPackageVersions, 0, 25) as string[]),
  };
}

/** Validates a maxResults query value (1..250). */
export function checkMaxResults(value: unknown): number | undefined {
  return optNumber('maxResults', value, 1, 250);
}

/** Validates an optional enum value from a query string or body. */
export function optEnum<T extends string>(field: string, value: unknown, allowed: readonly T[]): T | undefined {
  return value === undefined || value === null ? undefined : oneOf(field, value, allowed);
}
