import { adapterOf } from '../engines/adapters';
import { RuleError } from '../errors';
import { isPlainObject } from '../internal/records';
import { describe } from '../tangents/describe';
import { isNotImplemented } from '../tangents/notImplemented';
import { isTangent } from '../tangents/tangent';
import { isThunk, thunk, unthunk } from '../tangents/thunk';
import { NoTangent, ZeroTangent, isNoTangent, isZero } from '../tangents/zeros';

/*
 * What core checks in the tangents a rule returns and receives: kinds, zeros, shapes, static
 * arguments — so that a derivative is right or a RuleError, never a silent zero.
 */

/** Primals that have no derivative: their only tangent is `NoTangent`. */
export function isStaticPrimal(value: unknown): boolean {
  const kind = typeof value;
  return value === undefined || value === null || kind === 'string' || kind === 'boolean' || kind === 'function' || kind === 'symbol' || kind === 'bigint';
}

/** A slot's name: `args[1]` for a positional index, `kwargs.c` for an option key. */
export function slotName(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : `${path}.${key}`;
}

/** The shape of a number (`[]`) or of an installed engine's array; `undefined` for anything else. */
function shapeOf(value: unknown): readonly number[] | undefined {
  if (typeof value === 'number') return [];
  return adapterOf(value)?.xp.shape(value);
}

/** True when `value` is, or holds in plain records and lists, a number or an engine array: a value with a derivative. */
function holdsDifferentiable(value: unknown, depth = 0): boolean {
  if (typeof value === 'number') return true;
  if (typeof value !== 'object' || value === null || depth > 32) return false;
  if (adapterOf(value) !== undefined) return true;
  if (Array.isArray(value)) return value.some((v) => holdsDifferentiable(v, depth + 1));
  return isPlainObject(value) && Object.keys(value).some((key) => holdsDifferentiable(value[key], depth + 1));
}

/**
 * Checks a pullback's cotangent for a value with a derivative (a number, an engine array, a
 * record or list of them), at `slot`: `NoTangent` there says no derivative exists, which an
 * engine would turn into a silent zero, so it is `missing-tangent`; a number or an array must
 * have the value's shape or a shape that sums down to it (the value was broadcast), never a
 * smaller one that would have to be broadcast up (`wrong-shape`). A thunk is checked when it is
 * evaluated. Returns the cotangent (a checking thunk for a thunk).
 */
export function checkCotangent(primal: unknown, tangent: unknown, rule: string, path: string, key: string | number): unknown {
  if (typeof tangent === 'number' && typeof primal === 'number') return tangent;
  if (isThunk(tangent)) return thunk(() => checkCotangent(primal, unthunk(tangent), rule, path, key));
  if (isNotImplemented(tangent)) return tangent; // an error only where an engine needs it
  const slot = (): string => slotName(path, key);
  if (isNoTangent(tangent)) {
    if (!holdsDifferentiable(primal)) return tangent;
    throw new RuleError('missing-tangent', {
      rule,
      slot: slot(),
      message: `the pullback returned NoTangent for ${describe(primal)}, which has a derivative: NoTangent says none exists, and an engine would turn it into a silent zero.`,
      fix: 'Return the derivative (ZeroTangent where it is zero); for an argument that truly has none (a count, an index), declare it in staticArgs.',
    });
  }
  const to = shapeOf(primal);
  const from = to === undefined ? undefined : shapeOf(tangent);
  if (to === undefined || from === undefined) return tangent;
  const lead = from.length - to.length;
  if (lead >= 0 && to.every((n, i) => n === from[lead + i] || n === 1)) return tangent;
  throw new RuleError('wrong-shape', {
    rule,
    slot: slot(),
    message: `the pullback returned a cotangent of shape [${from.join(', ')}] for a value of shape [${to.join(', ')}]; a cotangent has its value's shape, or a larger one that sums down to it, never a smaller one.`,
    fix: "Return the cotangent at the value's shape: keep the axes the value has (a summed cotangent here usually means the sum belongs to another slot).",
  });
}

/** The tangent of a positional argument the rule declares static (`staticArgs`): only zeros fit; the rule sees `NoTangent`. */
function staticArgTangent(tangent: unknown, index: number, rule: string, direction: 'cotangent' | 'tangent'): unknown {
  const value = unthunk(tangent);
  if (value === undefined || isNoTangent(value) || isNotImplemented(value)) return NoTangent;
  if (direction === 'tangent' && (isZero(value) || value === 0)) return NoTangent;
  throw new RuleError('tangent-for-static', {
    rule,
    slot: `args[${index}]`,
    message:
      direction === 'cotangent'
        ? `the pullback returned ${describe(value)} for an argument the rule declares static (staticArgs), which has no derivative.`
        : `got the tangent ${describe(value)} for an argument the rule declares static (staticArgs), which has no derivative.`,
    fix: direction === 'cotangent' ? 'Return NoTangent for it.' : 'Pass NoTangent (or a zero) for it, or remove it from staticArgs if it should be differentiated.',
  });
}

/**
 * Checks the tangent of positional argument `index` against its primal: present, `NoTangent` for a
 * static primal (or one the rule declares static), a Tangent (or zero) for a record, a number or
 * an array for a number or an array — and, for a pullback's cotangent, never `NoTangent` for a
 * value with a derivative and never of a smaller shape ({@link checkCotangent}).
 */
export function checkArgTangent(primal: unknown, tangent: unknown, index: number, rule: string, direction: 'cotangent' | 'tangent', declaredStatic = false): unknown {
  if (declaredStatic) return staticArgTangent(tangent, index, rule, direction);
  if (typeof tangent === 'number' && typeof primal === 'number') return tangent;
  if (isNotImplemented(tangent)) return isStaticPrimal(primal) ? NoTangent : tangent;
  if (tangent === undefined) {
    if (direction === 'tangent') return isStaticPrimal(primal) ? NoTangent : ZeroTangent;
    throw new RuleError('missing-tangent', {
      rule,
      slot: `args[${index}]`,
      message: 'the pullback returned no tangent for this argument.',
      fix: 'Return one tangent per positional argument: NoTangent where none exists, ZeroTangent where it is zero.',
    });
  }
  if (typeof primal === 'function' && (isZero(tangent) || isTangent(tangent) || isThunk(tangent))) {
    return tangent; // a closure's tangent is that of its captured state, or none
  }
  if (isStaticPrimal(primal)) {
    if (isNoTangent(tangent) || (direction === 'tangent' && isZero(tangent))) return tangent;
    throw new RuleError('tangent-for-static', {
      rule,
      slot: `args[${index}]`,
      message: `got ${describe(tangent)} for ${describe(primal)}, which has no derivative.`,
      fix: 'Return NoTangent for strings, flags, functions and other non-differentiable arguments.',
    });
  }
  if (direction === 'cotangent' && (isThunk(tangent) || isNoTangent(tangent))) return checkCotangent(primal, tangent, rule, 'args', index);
  if (isZero(tangent) || isThunk(tangent)) return tangent;
  const record = isPlainObject(primal) || Array.isArray(primal);
  const ok = record ? isTangent(tangent) : typeof tangent === 'number' || adapterOf(tangent) !== undefined;
  if (ok) return direction === 'cotangent' && !record ? checkCotangent(primal, tangent, rule, 'args', index) : tangent;
  throw new RuleError('tangent-mismatch', {
    rule,
    slot: `args[${index}]`,
    message: `got ${describe(tangent)} as the tangent of ${describe(primal)}.`,
    fix: record
      ? 'The tangent of a record or an array argument is a Tangent of its fields.'
      : 'The tangent of a number or an engine array is a number or an array of the same engine.',
  });
}

/** Where a call's first positional tangent stands in the raw tuple of its form. */
