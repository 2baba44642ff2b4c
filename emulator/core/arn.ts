/** ARNs of the resources the emulator holds, for one account and region. */

/** The account and region the service answers for. */
export interface Partition {
  account: string;
  region: string;
}

export type ResourceType = 'job' | 'jobtemplate' | 'thing' | 'thinggroup';

/** The ARN of a resource of the given type and name. */
export function arnOf(p: Partition, type: ResourceType, name: string): string {
  return `arn:aws:iot:${p.region}:${p.account}:${type}/${name}`;
}

/** A parsed IoT resource ARN. */
export interface ParsedArn {
  region: string;
  account: string;
  type: string;
  name: string;
}

const ARN = /^arn:aws[a-z-]*:iot:([a-z0-9-]+):(\d{12}):([a-z]+)\/(.+)$/;

/** Parses an IoT resource ARN; undefined when the text is not one. */
export function parseArn(arn: string): ParsedArn | undefined {
  const m = ARN.exec(arn);
  if (!m) return undefined;
  return { region: m[1]!, account: m[2]!, type: m[3]!, name: m[4]! };
}
