/**
 * The CRD's CEL rules (`x-kubernetes-validations`) for directory mode, so a manifest the API
 * server refuses is refused by `plan` and `run --dir` with the same field and message (one schema
 * for both modes). Evaluated with @bufbuild/cel, a conformance-tested CEL implementation; our rules
 * use only the standard macros (has, all, filter, size), which it implements as Kubernetes does.
 *
 * Two kinds of rule do not apply here, and are skipped by name:
 * - transition rules (they read `oldSelf`): a directory has no stored object to compare with; the
 *   planner refuses the same changes against the job in AWS (Stalled, "set replacePolicy: Recreate");
 * - the Kubernetes-only rule refusing `documentFile`, which is directory mode's own field.
 */
import { celEnv, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';

type Schema = Record<string, unknown>;

/** One step from a schema to the values it describes: a property, or every item of a list. */
type Step = string | '[]';

/** A rule as the CRD states it. */
interface CrdRule {
  rule: string;
  message?: string;
  fieldPath?: string;
}

/** A compiled rule and where it applies. */
export interface CelRule extends CrdRule {
  /** The steps from the manifest's root to the object or list the rule judges (`self`). */
  at: Step[];
  evaluate(self: unknown): boolean;
}

/** A value that broke a rule: its path in the manifest (with list indices) and the message. */
export interface CelFailure {
  path: (string | number)[];
  message: string;
}

/** Rules that hold in Kubernetes mode only (the field is directory mode's own). */
const KUBERNETES_ONLY = new Set(['!has(self.documentFile)']);

/** Whether directory mode evaluates a rule: not a transition rule, not a Kubernetes-only one. */
export function appliesToDirectory(rule: string): boolean {
  return !/\boldSelf\b/.test(rule) && !KUBERNETES_ONLY.has(rule);
}

/** Every rule in the schema, where it sits, in schema order; `only` filters them (default: all). */
export function rulesOf(schema: Schema, at: Step[] = []): (CrdRule & { at: Step[] })[] {
  const own = ((schema['x-kubernetes-validations'] as CrdRule[] | undefined) ?? []).map((r) => ({ ...r, at }));
  const props = Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {}).flatMap(([p, s]) => rulesOf(s, [...at, p]));
  const items = schema.items ? rulesOf(schema.items as Schema, [...at, '[]']) : [];
  return [...own, ...props, ...items];
}

/** The rules directory mode evaluates, compiled once. Throws on a rule that does not compile (a CRD mistake, caught by the tests). */
export function compileCelRules(schema: Schema): CelRule[] {
  const env = celEnv();
  return rulesOf(schema)
    .filter((r) => appliesToDirectory(r.rule))
    .map((r) => {
      const program = plan(env, parse(r.rule));
      return {
        ...r,
        evaluate(self: unknown): boolean {
          const out = program({ self: toCel(self) });
          if (isCelError(out)) throw new Error(`rule ${r.rule}: ${out.message}`);
          return out === true;
        },
      };
    });
}

/** The failures of a manifest (already valid against the structural schema), in rule order. */
export function celFailures(data: unknown, rules: readonly CelRule[]): CelFailure[] {
  const out: CelFailure[] = [];
  for (const r of rules)
    for (const { value, path } of valuesAt(data, r.at, [])) {
      if (r.evaluate(value)) continue;
      out.push({ path: [...path, ...fieldPathSteps(r.fieldPath)], message: r.message ?? `failed rule: ${r.rule}` });
    }
  return out;
}

/** The values at the steps (every item for `[]`), with their paths; none where a step is absent. */
function valuesAt(value: unknown, steps: readonly Step[], path: (string | number)[]): { value: unknown; path: (string | number)[] }[] {
  if (steps.length === 0) return [{ value, path }];
  const [step, ...rest] = steps;
  if (step === '[]') return Array.isArray(value) ? value.flatMap((v, i) => valuesAt(v, rest, [...path, i])) : [];
  if (!value || typeof value !== 'object' || !(step! in value)) return [];
  return valuesAt((value as Record<string, unknown>)[step!], rest, [...path, step!]);
}

/** A rule's fieldPath (`.endBehavior`) as path steps. */
function fieldPathSteps(fieldPath: string | undefined): string[] {
  return (fieldPath ?? '').split('.').filter((s) => s !== '');
}

/** A parsed YAML value as CEL input: objects as maps (so `has()` tests a key), lists and scalars as they are. */
function toCel(v: unknown): CelInput {
  if (Array.isArray(v)) return v.map(toCel);
  if (v && typeof v === 'object') return new Map(Object.entries(v).map(([k, x]) => [k, toCel(x)]));
  return v as CelInput;
}
