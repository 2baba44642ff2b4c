/**
 * The IoTJob and IoTJobTemplate schemas for directory mode, taken from crds/iotjob.yaml and
 * crds/iotjobtemplate.yaml (the one source of truth): the structural schema compiled with ajv,
 * then the CEL rules (cel-rules.ts). Kubernetes prunes unknown fields; here they are errors, so
 * every object schema that lists its properties gets `additionalProperties: false` unless it
 * preserves unknown fields.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { GROUP, VERSION } from '../kube/iotjob-resource.js';
import { TEMPLATE_KIND } from '../model/iot-job-template.js';
import { celFailures, compileCelRules, type CelFailure } from './cel-rules.js';

/** The API group/version and kind of an IoTJob manifest (the group and version the API server serves). */
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'IoTJob';
/** The file of the job template CRD. */
export const TEMPLATE_CRD = 'iotjobtemplate.yaml';

type Schema = Record<string, unknown>;

/** Finds crds/<file> (default iotjob.yaml) above this module (it sits at the package root, in source and in dist/). */
export function crdPath(file = 'iotjob.yaml'): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'crds', file);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`crds/${file} not found above the controller; the package is incomplete`);
}

/** The openAPIV3Schema of the served version in the CRD file. */
export function loadCrdSchema(path = crdPath()): Schema {
  const crd = parse(readFileSync(path, 'utf8')) as { spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };
  const version = crd.spec.versions.find((v) => v.name === VERSION);
  if (!version) throw new Error(`${path} has no version ${API_VERSION}`);
  return version.schema.openAPIV3Schema;
}

/** A deep copy of a CRD schema in which unknown properties are refused. */
export function strictSchema(schema: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) out[k] = strictValue(k, v);
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

/** A schema keyword's value, made strict where it holds schemas (properties, items, additionalProperties); any other value as it is. */
function strictValue(k: string, v: unknown): unknown {
  if (!v || typeof v !== 'object') return v;
  if (k === 'properties') return Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([p, s]) => [p, strictSchema(s)]));
  if (k === 'items' || k === 'additionalProperties') return strictSchema(v as Schema);
  return v;
}

/** In directory mode, metadata carries a name and optionally a namespace, labels and annotations. */
const METADATA: Schema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' },
    namespace: { type: 'string', minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

/** A manifest validator: true when the manifest is valid, else false with `errors` set (ajv's shape); `template` validates IoTJobTemplates. */
export type ManifestValidator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null; template?: ManifestValidator };

/**
 * Compiles the IoTJob validator from the CRD schema, with the IoTJobTemplate validator from its
 * own CRD as its `template`.
 */
export function compileManifestValidator(schema: Schema = loadCrdSchema()): ManifestValidator {
  const validate = compileKind(schema, KIND);
  validate.template = compileKind(loadCrdSchema(crdPath(TEMPLATE_CRD)), TEMPLATE_KIND);
  return validate;
}

/**
 * One kind's validator: the structural schema (ajv), then the CEL rules directory mode applies
 * (cel-rules.ts), whose failures come as errors of keyword `x-kubernetes-validations` with the
 * rule's message at the rule's field.
 */
function compileKind(schema: Schema, kind: string): ManifestValidator {
  const structural = compileStructural(schema, kind);
  const rules = compileCelRules(schema);
  const validate: ManifestValidator = (data) => {
    if (!structural(data)) {
      validate.errors = structural.errors;
      return false;
    }
    const failures = celFailures(data, rules);
    validate.errors = failures.length ? failures.map(celError) : null;
    return failures.length === 0;
  };
  return validate;
}

/** A CEL rule's failure as an ajv error at its field. */
function celError(f: CelFailure): ErrorObject {
  const instancePath = f.path.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
  return { keyword: 'x-kubernetes-validations', instancePath, schemaPath: '#/x-kubernetes-validations', params: {}, message: f.message };
}

/** The structural schema of a manifest of one kind, compiled with ajv (unknown fields refused). */
function compileStructural(schema: Schema, kind: string): ValidateFunction {
  const root = strictSchema(schema);
  const props = root.properties as Record<string, Schema>;
  props.apiVersion = { type: 'string', const: API_VERSION };
  props.kind = { type: 'string', const: kind };
  props.metadata = METADATA;
  // The status is the controller's to write; a manifest that carries one (a `kubectl get -o yaml` copy) is accepted and its status ignored.
  props.status = { type: 'object' };
  root.required = ['apiVersion', 'kind', 'metadata', 'spec'];
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile(root);
}

export type { ErrorObject };
