/**
 * Model conformance: a request or response checked against the AWS service model (the `iot` and
 * `iot-jobs-data` models botocore ships, here from the AWS CLI the tests install), as AWS would
 * check a request and as a response AWS sends is shaped. The SDK parses leniently, so this is what
 * catches a member the model lacks, a missing required member, a wrong type, an enum value, a
 * pattern, a length or a range. Input is checked as the wire carries it: URI and query members by
 * their location names, body members by their names.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installAwsCli } from './python-tools.js';

interface Member {
  shape: string;
  location?: string;
  locationName?: string;
}

interface Shape {
  type: string;
  required?: string[];
  members?: Record<string, Member>;
  member?: Member;
  key?: Member;
  value?: Member;
  enum?: string[];
  pattern?: string;
  min?: number;
  max?: number;
  /** An error shape's HTTP status. */
  error?: { httpStatusCode?: number };
}

interface Model {
  operations: Record<string, { input?: { shape: string }; output?: { shape: string }; errors?: { shape: string }[] }>;
  shapes: Record<string, Shape>;
}

/** Where the AWS CLI's virtualenv keeps botocore's models (bundled in awscli, or botocore beside it), whatever its Python version. */
function modelsDir(): string {
  const lib = join(installAwsCli(), '..', '..', 'lib');
  for (const python of readdirSync(lib).filter((d) => d.startsWith('python')))
    for (const data of [
      ['awscli', 'botocore', 'data'],
      ['botocore', 'data'],
    ]) {
      const dir = join(lib, python, 'site-packages', ...data);
      if (existsSync(join(dir, 'iot'))) return dir;
    }
  throw new Error(`no botocore models under ${lib}`);
}

function load(dir: string, service: string, version: string): Model {
  return JSON.parse(readFileSync(join(dir, service, version, 'service-2.json'), 'utf8')) as Model;
}

/** A Java-style model pattern as a JS RegExp anchored like AWS matches it (the whole value); undefined when JS cannot compile it. */
function patternOf(source: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${source})$`, 'u');
  } catch {
    return undefined;
  }
}

/** The emulator's names for operations both planes have: the data plane's DescribeJobExecution (the model's index, the name). */
const ALIASES: Record<string, [number, string]> = { DescribeDeviceJobExecution: [1, 'DescribeJobExecution'] };

/** Checks values against the models of both planes. */
export class ModelChecker {
  private readonly models: Model[];
  private readonly patterns = new Map<string, RegExp | undefined>();

  constructor(dir = modelsDir()) {
    this.models = [load(dir, 'iot', '2015-05-28'), load(dir, 'iot-jobs-data', '2017-09-29')];
  }

  /** The member names of a shape of the control-plane model (e.g. CreateJobRequest). */
  membersOf(shape: string): string[] {
    return Object.keys(this.models[0]!.shapes[shape]?.members ?? {});
  }

  /** The violations of one call's input (as the wire carried it) and output (the body sent); an operation no model has is a violation. */
  check(emulated: string, input: Record<string, unknown>, output: unknown): string[] {
    const [plane, operation] = ALIASES[emulated] ?? [undefined, emulated];
    const model = (plane === undefined ? this.models : [this.models[plane]!]).find((m) => m.operations[operation]);
    if (!model) return [`${operation}: no such operation in the AWS models`];
    const op = model.operations[operation]!;
    const out: string[] = [];
    if (op.input) this.structure(model, op.input.shape, input, `${operation} request`, out, true);
    if (op.output) this.structure(model, op.output.shape, output, `${operation} response`, out, false);
    return out;
  }

  /**
   * The violations of one error answer: an error the model does not list for the operation, an
   * HTTP status other than the error shape's, or a body that does not fit the shape.
   */
  checkError(emulated: string, code: string, status: number, body: Record<string, unknown>): string[] {
    const [plane, operation] = ALIASES[emulated] ?? [undefined, emulated];
    const model = (plane === undefined ? this.models : [this.models[plane]!]).find((m) => m.operations[operation]);
    if (!model) return [`${operation}: no such operation in the AWS models`];
    const listed = (model.operations[operation]!.errors ?? []).map((e) => e.shape);
    if (!listed.includes(code)) return [`${operation} error ${code}: not an error the model lists for it (${listed.join(', ')})`];
    const shape = model.shapes[code]!;
    const out: string[] = [];
    const expected = shape.error?.httpStatusCode;
    if (expected !== undefined && expected !== status) out.push(`${operation} error ${code}: HTTP ${status}, the model says ${expected}`);
    this.structure(model, code, body, `${operation} error ${code}`, out, false);
    return out;
  }

  structure(model: Model, name: string, value: unknown, path: string, out: string[], wire: boolean): void {
    const shape = model.shapes[name]!;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return void out.push(`${path}: not an object`);
    const byWireName = new Map(Object.entries(shape.members ?? {}).map(([m, d]) => [wire && d.location ? (d.locationName ?? m) : m, [m, d] as const]));
    const obj = value as Record<string, unknown>;
    for (const r of shape.required ?? []) {
      const d = shape.members![r]!;
      const key = wire && d.location ? (d.locationName ?? r) : r;
      if (obj[key] === undefined || obj[key] === null) out.push(`${path}.${r}: required, missing`);
    }
    for (const [k, v] of Object.entries(obj)) {
      if (v === undefined) continue;
      const found = byWireName.get(k);
      if (!found) out.push(`${path}.${k}: not a member of ${name}`);
      else this.value(model, found[1].shape, v, `${path}.${found[0]}`, out);
    }
  }

  private value(model: Model, name: string, v: unknown, path: string, out: string[]): void {
    const s = model.shapes[name]!;
    const check = CHECKS[s.type];
    if (check) return check.call(this, model, s, name, v, path, out);
    out.push(`${path}: shape type ${s.type} is not checked`);
  }

  /** A string's enum, length and pattern. */
  string(s: Shape, v: unknown, path: string, out: string[]): void {
    if (typeof v !== 'string') return void out.push(`${path}: ${JSON.stringify(v)} is not a string`);
    if (s.enum && !s.enum.includes(v)) out.push(`${path}: ${JSON.stringify(v)} is not one of ${s.enum.join(', ')}`);
    const n = [...v].length;
    if ((s.min !== undefined && n < s.min) || (s.max !== undefined && n > s.max)) out.push(`${path}: length ${n} is outside ${s.min ?? 0}..${s.max ?? '∞'}`);
    if (s.pattern && v !== '') {
      if (!this.patterns.has(s.pattern)) this.patterns.set(s.pattern, patternOf(s.pattern));
      const re = this.patterns.get(s.pattern);
      if (re && !re.test(v)) out.push(`${path}: ${JSON.stringify(v).slice(0, 80)} does not match ${s.pattern}`);
    }
  }

  /** A number's type and range. */
  number(s: Shape, v: unknown, path: string, out: string[]): void {
    if (typeof v !== 'number' || !Number.isFinite(v)) return void out.push(`${path}: ${JSON.stringify(v)} is not a number`);
    if ((s.type === 'integer' || s.type === 'long') && !Number.isInteger(v)) out.push(`${path}: ${v} is not an integer`);
    if ((s.min !== undefined && v < s.min) || (s.max !== undefined && v > s.max)) out.push(`${path}: ${v} is outside ${s.min ?? '-∞'}..${s.max ?? '∞'}`);
  }

  /** A list's length and items, or a map's keys and values. */
  collection(model: Model, s: Shape, v: unknown, path: string, out: string[]): void {
    if (s.type === 'list') {
      if (!Array.isArray(v)) return void out.push(`${path}: not a list`);
      if ((s.min !== undefined && v.length < s.min) || (s.max !== undefined && v.length > s.max))
        out.push(`${path}: ${v.length} items, outside ${s.min ?? 0}..${s.max ?? '∞'}`);
      return v.forEach((item, i) => this.value(model, s.member!.shape, item, `${path}[${i}]`, out));
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) return void out.push(`${path}: not a map`);
    for (const [k, item] of Object.entries(v)) {
      this.value(model, s.key!.shape, k, `${path} key`, out);
      this.value(model, s.value!.shape, item, `${path}.${k}`, out);
    }
  }
}

type Check = (this: ModelChecker, model: Model, s: Shape, name: string, v: unknown, path: string, out: string[]) => void;

/** How each shape type is checked. */
const CHECKS: Record<string, Check> = {
  structure(model, _s, name, v, path, out) {
    this.structure(model, name, v, path, out, false);
  },
  string(_m, s, _n, v, path, out) {
    this.string(s, v, path, out);
  },
  integer(_m, s, _n, v, path, out) {
    this.number(s, v, path, out);
  },
  long(_m, s, _n, v, path, out) {
    this.number(s, v, path, out);
  },
  double(_m, s, _n, v, path, out) {
    this.number(s, v, path, out);
  },
  float(_m, s, _n, v, path, out) {
    this.number(s, v, path, out);
  },
  boolean(_m, _s, _n, v, path, out) {
    if (typeof v !== 'boolean') out.push(`${path}: ${JSON.stringify(v)} is not a boolean`);
  },
  timestamp(_m, _s, _n, v, path, out) {
    if (typeof v !== 'number' && typeof v !== 'string') out.push(`${path}: ${JSON.stringify(v)} is not a timestamp`);
  },
  blob(_m, _s, _n, v, path, out) {
    if (typeof v !== 'string') out.push(`${path}: not base64 text`);
  },
  list(model, s, _n, v, path, out) {
    this.collection(model, s, v, path, out);
  },
  map(model, s, _n, v, path, out) {
    this.collection(model, s, v, path, out);
  },
};

let shared: ModelChecker | undefined;

/** What the calls to one emulator broke of the AWS models, deduplicated. */
export interface Conformance {
  violations(): string[];
  /** Throws listing the violations (the first 30) when there are any. */
  assertNone(): void;
}

/** Checks every successful API call to an emulator against the AWS models. */
export function watchConformance(server: {
  onCall: Set<(operation: string, input: Record<string, unknown>, output: unknown) => void>;
  onError?: Set<(operation: string, code: string, status: number, body: Record<string, unknown>) => void>;
}): Conformance {
  shared ??= new ModelChecker();
  const checker = shared;
  const seen = new Set<string>();
  server.onCall.add((operation, input, output) => {
    for (const v of checker.check(operation, input, output)) seen.add(v.replace(/\[\d+\]/g, '[]'));
  });
  server.onError?.add((operation, code, status, body) => {
    for (const v of checker.checkError(operation, code, status, body)) seen.add(v);
  });
  return {
    violations: () => [...seen].sort(),
    assertNone() {
      if (seen.size > 0) throw new Error(`calls broke the AWS models (${seen.size}):\n${[...seen].sort().slice(0, 30).join('\n')}`);
    },
  };
}
