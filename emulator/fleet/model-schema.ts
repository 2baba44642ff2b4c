/**
 * The JSON schema of a fleet model (docs/fleet-model.md), compiled with ajv, and ajv's errors in
 * plain words naming the field: `groups[1].failureRate: must be <= 1`. Pure.
 */
import { Ajv, type ErrorObject } from 'ajv';

/** A share of devices or attempts. */
const RATE = { type: 'number', minimum: 0, maximum: 1 };

/** Simulated seconds: up to a week. */
const SECONDS = { type: 'number', minimum: 0, maximum: 604_800 };

/**
 * A number of seconds, `{ min, max }` for a uniform spread, or `{ median, p95 }` for a long tail (a
 * number's keywords and an object's keywords each apply to their own type).
 */
const WORK_SECONDS = {
  type: ['number', 'object'],
  minimum: 0,
  maximum: 604_800,
  // An object naming median or p95 is a long tail; any other object a uniform spread, whose errors are then the ones reported.
  if: { type: 'object', anyOf: [{ required: ['median'] }, { required: ['p95'] }] },
  then: { required: ['median', 'p95'], additionalProperties: false, properties: { median: SECONDS, p95: SECONDS } },
  else: { required: ['min', 'max'], additionalProperties: false, properties: { min: SECONDS, max: SECONDS } },
};

/** What a group (or the model's defaults) may say about its devices' behaviour. */
const BEHAVIOR_PROPERTIES = {
  failureRate: RATE,
  rejectRate: RATE,
  silentRate: RATE,
  onlineShare: RATE,
  workSeconds: WORK_SECONDS,
  acceptSeconds: WORK_SECONDS,
};

/** A thing group name as AWS IoT allows it, short enough for `<name>-0001` things to stay within 128 characters. */
const GROUP_NAME = { type: 'string', minLength: 1, maxLength: 100, pattern: '^[a-zA-Z0-9:_-]+$' };

/** The schema of a whole model. */
export const FLEET_MODEL_SCHEMA = {
  type: 'object',
  required: ['groups'],
  additionalProperties: false,
  properties: {
    seed: { type: 'integer', minimum: 0, maximum: 4_294_967_295 },
    defaults: { type: 'object', additionalProperties: false, properties: BEHAVIOR_PROPERTIES },
    groups: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        required: ['name', 'size'],
        additionalProperties: false,
        properties: {
          name: GROUP_NAME,
          size: { type: 'integer', minimum: 0, maximum: 1_000_000 },
          includes: { type: 'array', uniqueItems: true, items: { type: 'string' } },
          ...BEHAVIOR_PROPERTIES,
        },
      },
    },
  },
};

const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(FLEET_MODEL_SCHEMA);

/** The schema's complaints about a value, one line per field (`field: message`); empty when it conforms. */
export function schemaProblems(value: unknown): string[] {
  if (validate(value)) return [];
  // `if` only says that a `then` or `else` failed, which reports its own errors.
  return [...new Set((validate.errors ?? []).filter((e) => e.keyword !== 'if').map(worded))];
}

/** One ajv error as `field: message`. */
function worded(e: ErrorObject): string {
  const field = fieldName(e.instancePath);
  if (e.keyword === 'additionalProperties') return `${join(field, String(e.params.additionalProperty))}: is not a known field`;
  if (e.keyword === 'required') return `${join(field, String(e.params.missingProperty))}: is required`;
  if (e.keyword === 'type' && Array.isArray(e.params.type)) return `${field}: must be a number of seconds, { min, max } or { median, p95 }`;
  return `${field || 'the model'}: ${e.message ?? 'is invalid'}`;
}

/** `/groups/1/failureRate` as `groups[1].failureRate`. */
export function fieldName(pointer: string): string {
  let out = '';
  for (const seg of pointer.split('/').slice(1)) {
    const key = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    out = /^\d+$/.test(key) ? `${out}[${key}]` : join(out, key);
  }
  return out;
}

function join(field: string, prop: string): string {
  return field ? `${field}.${prop}` : prop;
}
