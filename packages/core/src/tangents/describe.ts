import { TANGENT, brandOf } from './brands';
import { isThunk } from './thunk';
import { isZero } from './zeros';

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (isZero(value)) return value.kind;
  if (typeof value === 'object' && (value as { kind?: unknown }).kind === 'NotImplemented') return 'NotImplemented';
  if (typeof value === 'object' && brandOf(value, TANGENT) === true) return 'a Tangent';
  if (isThunk(value)) return 'a Thunk';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  switch (typeof value) {
    case 'number':
      return `the number ${value}`;
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'object': {
      const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
      const name = proto?.constructor?.name;
      return name !== undefined && name !== 'Object' ? `a ${name}` : 'an object';
    }
    default:
      return `a ${typeof value}`;
  }
}
