/** Settings objects: defaults overlaid with only the values a caller actually gave. */

/** `defaults` with every key of it that `given` sets (not undefined) taken from `given`. */
export function withDefaults<T extends object>(defaults: T, given: Partial<T>): T {
  const out = { ...defaults };
  for (const k of Object.keys(defaults) as (keyof T)[]) if (given[k] !== undefined) out[k] = given[k] as T[keyof T];
  return out;
}
