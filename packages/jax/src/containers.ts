import type { Array as JaxArray } from '@jax-js/jax';
import { isJaxValue } from './jaxApi';

/** A plain record (what jax-js and core treat as a container; class instances are leaves). */
const isRecord = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * The jax-js values in `value`: itself, or inside lists and plain records (to depth 32), each
 * occurrence once per place it occupies.
 */
export function jaxValuesIn(value: unknown, into: JaxArray[] = [], depth = 0): JaxArray[] {
  if (isJaxValue(value)) into.push(value);
  else if (depth >= 32) return into;
  else if (Array.isArray(value)) for (const element of value) jaxValuesIn(element, into, depth + 1);
  else if (isRecord(value)) for (const key of Object.keys(value)) jaxValuesIn(value[key], into, depth + 1);
  return into;
}
