/**
 * Pure value helpers the field descriptors and the normaliser share: target ARNs resolved in one
 * partition, and JSON that compares by content, not by spacing or key order.
 */

/** The account and region that `thing:` and `thingGroup:` targets resolve in. */
export interface Partition {
  account: string;
  region: string;
}

/** Resolves a target written as an ARN, `thing:NAME` or `thingGroup:NAME` to an ARN. */
export function targetArn(target: string, p: Partition): string {
  if (target.startsWith('thing:')) return `arn:aws:iot:${p.region}:${p.account}:thing/${target.slice(6)}`;
  if (target.startsWith('thingGroup:')) return `arn:aws:iot:${p.region}:${p.account}:thinggroup/${target.slice(11)}`;
  return target;
}

/**
 * Resolves a jobTemplateArn written as an ARN, `template:ID` (a job template of this account and
 * region) or `managed:NAME:VERSION` (an AWS managed template, whose ARN has no account) to an ARN.
 */
export function templateArn(ref: string, p: Partition): string {
  if (ref.startsWith('template:')) return `arn:aws:iot:${p.region}:${p.account}:jobtemplate/${ref.slice(9)}`;
  if (ref.startsWith('managed:')) return `arn:aws:iot:${p.region}::jobtemplate/${ref.slice(8)}`;
  return ref;
}

/** The targets as ARNs, each once, in the manifest's order. */
export function targetArns(targets: readonly string[], p: Partition): string[] {
  return [...new Set(targets.map((t) => targetArn(t, p)))];
}

/** JSON with object keys sorted at every level; the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A document's comparable text: canonical JSON when it parses, the text itself otherwise; undefined stays undefined. */
export function canonicalDocument(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    return canonicalJson(JSON.parse(text));
  } catch {
    return text;
  }
}
