/**
 * Pure: the text of manifest files to DesiredJobs, or to problems that name the file, the line and
 * the field. A snapshot is all-or-nothing: any problem in any file (a YAML warning too) fails it, so
 * nothing acts on a half-valid tree. Nothing here throws on bad input: it becomes a problem.
 * File reading is injected (documentFile), so this module does no I/O itself.
 */
import { isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type YAMLError } from 'yaml';
import type { DesiredJob, IoTJobSpec } from '../model/iot-job.js';
import { TEMPLATE_KIND, type DesiredTemplate, type IoTJobTemplateSpec } from '../model/iot-job-template.js';
import type { ManifestProblem } from '../model/errors.js';
import type { ErrorObject, ManifestValidator } from './crd-schema.js';
import { refusedClaims } from './claims.js';
import { refusedDependencies } from './dependency-check.js';
import { desiredJobOf, type DocumentReaders, type FieldProblem } from './desired-job.js';
import { desiredTemplateOf, refusedTemplateClaims } from './desired-template.js';
import { configMapReader, isOurKind, type KubernetesManifests } from './kubernetes-manifests.js';

/** The most documents one file may hold. */
export const MAX_DOCS_PER_FILE = 200;
/** The deepest nesting of mappings and sequences a manifest may have: deeper, yaml's toJS and ajv would recurse without bound. */
export const MAX_DEPTH = 64;
/** The most aliases one document may resolve (yaml's guard against an alias bomb). */
const MAX_ALIASES = 100;
const NO_IOTJOB = 'the file holds no IoTJob or IoTJobTemplate; delete the file to remove its jobs';

/** One manifest file: its path relative to the source root, and its text. */
export interface ManifestFile {
  path: string;
  text: string;
}

/** What the parser needs besides the files. */
export interface ParseContext {
  /** Validates one IoTJob manifest against the CRD schema (ajv's function); its `template` an IoTJobTemplate's (without it, a template is a problem). */
  validate: ManifestValidator;
  /** Reads a documentFile named relative to the manifest's file: its text, or a problem message. */
  readDocumentFile?: (manifestPath: string, documentFile: string) => { text: string } | { error: string };
  /** The tree is a repository of Kubernetes manifests: other kinds are skipped, keys are namespace/name, documentConfigMap reads its ConfigMaps. */
  kubernetes?: KubernetesManifests;
}

/** The result of parsing a snapshot: jobs and job templates when there are no problems. */
export interface ParsedSnapshot {
  jobs: DesiredJob[];
  templates: DesiredTemplate[];
  problems: ManifestProblem[];
}

interface Located {
  line(path: (string | number)[]): number | undefined;
}

function locator(doc: Document, lc: LineCounter): Located {
  const rangeOf = (path: (string | number)[]): [number, number, number] | undefined => {
    if (path.length === 0) return (doc.contents as { range?: [number, number, number] } | null)?.range;
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    const last = path[path.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((it) => (isScalar(it.key) ? it.key.value : it.key) === last);
      return (pair?.key as { range?: [number, number, number] } | undefined)?.range;
    }
    if (isSeq(parent) && typeof last === 'number') return (parent.items[last] as { range?: [number, number, number] } | undefined)?.range;
    return undefined;
  };
  return {
    line(path) {
      for (let p = path; ; p = p.slice(0, -1)) {
        const range = rangeOf(p);
        if (range) return lc.linePos(range[0]).line;
        if (p.length === 0) return undefined;
      }
    },
  };
}

/** A JSON pointer (`/spec/targets/0`) as segments and as a dotted field name (`spec.targets[0]`). */
function pointer(instancePath: string): { segs: (string | number)[]; field: string } {
  const segs = instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const field = segs.reduce<string>((acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '');
  return { segs, field };
}

const DOCUMENT_KEYS = new Set(['document', 'documentSource', 'documentFile', 'documentConfigMap', 'jobTemplateArn']);

/** Turns ajv's errors into problems, one per field, in plain words. */
function schemaProblems(errors: ErrorObject[], file: string, at: Located): ManifestProblem[] {
  const out = new Map<string, ManifestProblem>();
  const docChoice = errors.some(isDocumentChoice);
  for (const e of errors) {
    if (docChoice && isMissingDocument(e)) continue;
    const { where, name, message } = worded(e);
    const key = `${name}:${message}`;
    if (!out.has(key)) out.set(key, { file, line: at.line(where), field: name || undefined, message });
  }
  return [...out.values()];
}

/** Whether an error is spec's oneOf over the document keys (it says what a missing document key would). */
function isDocumentChoice(e: ErrorObject): boolean {
  return e.keyword === 'oneOf' && e.instancePath === '/spec';
}

/** Whether an error is one document key missing from spec (one branch of the document oneOf). */
function isMissingDocument(e: ErrorObject): boolean {
  return e.keyword === 'required' && e.instancePath === '/spec' && DOCUMENT_KEYS.has(String(e.params.missingProperty));
}

/** One ajv error in plain words: where it is (for its line), the field it names ('' for the root) and the message. */
function worded(e: ErrorObject): { where: (string | number)[]; name: string; message: string } {
  const { segs, field } = pointer(e.instancePath);
  if (e.keyword === 'additionalProperties') {
    const prop = String(e.params.additionalProperty);
    return { where: [...segs, prop], name: fieldIn(field, prop), message: 'is not a known field' };
  }
  if (e.keyword === 'required') return { where: segs, name: fieldIn(field, String(e.params.missingProperty)), message: 'is required' };
  if (isDocumentChoice(e))
    return { where: segs, name: 'spec', message: 'needs exactly one of document, documentSource, documentFile, documentConfigMap and jobTemplateArn' };
  return { where: segs, name: field, message: valueMessage(e) };
}

/** A property's dotted name inside a field ('' is the root). */
function fieldIn(field: string, prop: string): string {
  return field ? `${field}.${prop}` : prop;
}

/** What is wrong with a value: the allowed values of an enum or const, else ajv's message ('is invalid' without one). */
function valueMessage(e: ErrorObject): string {
  if (e.keyword === 'enum') return `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
  if (e.keyword === 'const') return `must be ${JSON.stringify(e.params.allowedValue)}`;
  return e.message ?? 'is invalid';
}

interface Metadata {
  name: string;
  namespace?: string;
}

/**
 * The parser's errors and warnings at their own lines, one problem a line: one mistake often yields
 * several errors at one place. A warning (an unknown tag, an unknown directive) refuses the file as
 * an error does, because it changes what the text means: `!foo {}` would be sent as if untagged.
 */
function yamlProblems(errors: readonly YAMLError[], warnings: readonly YAMLError[], file: string, lc: LineCounter): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  const lines = new Set<number>();
  const all = [...errors.map((e) => [e, false] as const), ...warnings.map((w) => [w, true] as const)];
  for (const [e, warning] of all) {
    const line = lc.linePos(e.pos[0]).line;
    if (lines.has(line)) continue;
    lines.add(line);
    const text = e.message.split('\n')[0];
    out.push(warning ? { file, line, severity: 'warning', message: `YAML warning: ${text}` } : { file, line, message: `YAML syntax error: ${text}` });
  }
  return out;
}

/** The first collection nested deeper than MAX_DEPTH, found without recursion (a deep tree must not blow the stack). */
function tooDeep(root: unknown): { range?: [number, number, number] | null } | undefined {
  const stack: [unknown, number][] = [[root, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [node, depth] = next;
    if (!isCollection(node)) continue;
    if (depth > MAX_DEPTH) return node;
    for (const item of node.items as unknown[]) {
      if (isPair(item)) stack.push([item.key, depth + 1], [item.value, depth + 1]);
      else stack.push([item, depth + 1]);
    }
  }
  return undefined;
}

/** What parsing the documents of one file shares: its path, its line counter and the parse context. */
interface FileScope {
  file: string;
  lc: LineCounter;
  ctx: ParseContext;
}

/** Parses one YAML document into a DesiredJob, a DesiredTemplate or problems. */
function parseDocument(doc: Document, index: number, { file, lc, ctx }: FileScope): DesiredJob | DesiredTemplate | ManifestProblem[] {
  const at = locator(doc, lc);
  const line = at.line([]) ?? 1;
  const syntax = yamlProblems(doc.errors, doc.warnings, file, lc);
  if (syntax.length > 0) return syntax;
  if (!isMap(doc.contents)) return [{ file, line, message: 'a manifest must be a YAML mapping (an IoTJob object)' }];
  const deep = tooDeep(doc.contents);
  if (deep) return [{ file, line: deep.range ? lc.linePos(deep.range[0]).line : line, message: `the manifest nests deeper than ${MAX_DEPTH} levels` }];
  const data = doc.toJS({ maxAliasCount: MAX_ALIASES }) as { kind?: unknown; metadata: Metadata; spec: IoTJobSpec };
  if (data.kind === TEMPLATE_KIND) return parseTemplate(data as unknown as TemplateData, { file, doc: index, line }, at, ctx);
  if (!ctx.validate(data)) return schemaProblems(ctx.validate.errors ?? [], file, at);
  return desiredJob(data, { file, doc: index, line }, at, ctx);
}

type TemplateData = { metadata: Metadata; spec: IoTJobTemplateSpec };

/** A valid IoTJobTemplate manifest's DesiredTemplate, or its problems. */
function parseTemplate(data: TemplateData, origin: DesiredJob['origin'], at: Located, ctx: ParseContext): DesiredTemplate | ManifestProblem[] {
  const { file } = origin;
  const validate = ctx.validate.template;
  if (!validate) return [{ file, line: origin.line, field: 'kind', message: 'IoTJobTemplate manifests are not read here' }];
  if (!validate(data)) return schemaProblems(validate.errors ?? [], file, at);
  const { metadata, spec } = data;
  const { key, readers } = placement(metadata, file, ctx);
  const t = desiredTemplateOf({ key, name: metadata.name, spec, origin }, readers);
  return 'message' in t ? located(t, file, at) : t;
}

/** A valid manifest's DesiredJob, or the problem with its jobId or its document. */
function desiredJob(
  { metadata, spec }: { metadata: Metadata; spec: IoTJobSpec },
  origin: DesiredJob['origin'],
  at: Located,
  ctx: ParseContext,
): DesiredJob | ManifestProblem[] {
  const { file } = origin;
  const { key, readers } = placement(metadata, file, ctx);
  const job = desiredJobOf({ key, name: metadata.name, spec, origin }, readers);
  return 'message' in job ? located(job, file, at) : job;
}

/** A manifest's key (namespace/name in a tree of Kubernetes manifests, else its name) and where its document may be read from. */
function placement(metadata: Metadata, file: string, ctx: ParseContext): { key: string; readers: DocumentReaders } {
  const k = ctx.kubernetes;
  const namespace = metadata.namespace ?? k?.namespace;
  const read = ctx.readDocumentFile;
  // As in the cluster, Kubernetes manifests read documentConfigMap, and have no documentFile.
  const readers = k ? { configMap: configMapReader(k, namespace!) } : { documentFile: read && ((documentFile: string) => read(file, documentFile)) };
  return { key: namespace ? `${namespace}/${metadata.name}` : metadata.name, readers };
}

/** A field's problem, at the field's line in the manifest. */
function located(p: FieldProblem, file: string, at: Located): ManifestProblem[] {
  return [{ file, line: at.line(fieldPath(p.field)), field: p.field, message: p.message }];
}

/** A dotted field name (`spec.waves[1].targets[0]`) as the segments of its path. */
function fieldPath(field: string): (string | number)[] {
  return field
    .split(/\.|\[(\d+)\]/)
    .filter((seg) => seg !== undefined && seg !== '')
    .map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg));
}

/** Whether a document is empty (`---` alone, comments): it is skipped, and it says nothing. */
function isEmpty(doc: Document): boolean {
  return (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) && doc.errors.length === 0 && doc.warnings.length === 0;
}

/** The jobs, job templates and problems of one file. */
export interface ParsedFile {
  jobs: DesiredJob[];
  templates: DesiredTemplate[];
  problems: ManifestProblem[];
  /** Whether the result depends on files other than this one (documentFile), so it may not be cached by content. */
  readsOtherFiles: boolean;
}

/**
 * Parses one file's documents. Never throws: whatever the parser throws (an alias bomb, a stack
 * overflow) is a problem on the file. A file with no IoTJob at all (empty, only comments or `---`)
 * is a problem too, not a removal: only deleting the file removes its jobs.
 */
export function parseFile(f: ManifestFile, ctx: ParseContext): ParsedFile {
  try {
    return parseDocuments(f, ctx);
  } catch (err) {
    return { jobs: [], templates: [], problems: [{ file: f.path, message: `the file cannot be parsed: ${(err as Error).message}` }], readsOtherFiles: false };
  }
}

function parseDocuments(f: ManifestFile, ctx: ParseContext): ParsedFile {
  // A file that names a documentFile at all, read or not, is never cached by its own text: a fix
  // to the document file alone must be seen (regression: a failed read stayed cached).
  const out: ParsedFile = { jobs: [], templates: [], problems: [], readsOtherFiles: f.text.includes('documentFile') };
  const lc = new LineCounter();
  const docs = parseAllDocuments(f.text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if ('empty' in docs) out.problems.push(...yamlProblems(docs.errors, docs.warnings, f.path, lc));
  if (docs.length > MAX_DOCS_PER_FILE)
    return { ...out, problems: [{ file: f.path, message: `the file holds ${docs.length} documents; at most ${MAX_DOCS_PER_FILE} are allowed` }] };
  docs.forEach((doc, i) => {
    if (isEmpty(doc) || skipped(doc, ctx)) return;
    const r = parseSafely(doc, i, { file: f.path, lc, ctx });
    if (Array.isArray(r)) out.problems.push(...r);
    else if ('jobTemplateId' in r) out.templates.push(r);
    else out.jobs.push(r);
  });
  if (out.jobs.length + out.templates.length === 0 && out.problems.length === 0 && !ctx.kubernetes) out.problems.push({ file: f.path, message: NO_IOTJOB });
  return out;
}

/** In a repository of Kubernetes manifests, a well-formed document of another kind is not ours (one with YAML errors is still reported). */
function skipped(doc: Document, ctx: ParseContext): boolean {
  return ctx.kubernetes !== undefined && doc.errors.length === 0 && !isOurKind(doc);
}

/** parseDocument, with whatever it throws (toJS on an alias bomb, a validator that fails) as a problem at the document. */
function parseSafely(doc: Document, index: number, scope: FileScope): DesiredJob | DesiredTemplate | ManifestProblem[] {
  try {
    return parseDocument(doc, index, scope);
  } catch (err) {
    const range = (doc.contents as { range?: [number, number, number] } | null)?.range;
    return [{ file: scope.file, line: range ? scope.lc.linePos(range[0]).line : 1, message: `the document cannot be read: ${(err as Error).message}` }];
  }
}

/** Parses every file of a snapshot. Jobs and templates are returned only when there are no problems at all. */
export function parseManifests(
  files: readonly ManifestFile[],
  ctx: ParseContext,
  parse: (f: ManifestFile) => ParsedFile = (f) => parseFile(f, ctx),
): ParsedSnapshot {
  const jobs: DesiredJob[] = [];
  const templates: DesiredTemplate[] = [];
  const problems: ManifestProblem[] = [];
  for (const f of files) {
    const r = parse(f);
    jobs.push(...r.jobs);
    templates.push(...r.templates);
    problems.push(...r.problems);
  }
  problems.push(...refusedClaims(jobs), ...refusedDependencies(jobs), ...refusedTemplateClaims(templates));
  return problems.length > 0 ? { jobs: [], templates: [], problems } : { jobs, templates, problems };
}
