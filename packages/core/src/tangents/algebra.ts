import { adapterOf, namespaceOf } from '../engines/adapters';
import { RuleError } from '../errors';
import { isPlainObject } from '../internal/records';
import { describe } from './describe';
import { isNotImplemented } from './notImplemented';
import { Tangent, isTangent } from './tangent';
import { unthunk } from './thunk';
import { NoTangent, ZeroTangent, isNoTangent, isZero } from './zeros';

function leafOperands(a: unknown, b: unknown, op: string): void {
  const leaf = (v: unknown) => typeof v === 'number' || adapterOf(v) !== undefined;
  if (leaf(a) && leaf(b)) return;
  throw new RuleError('tangent-mismatch', {
    message: `${op} cannot combine ${describe(a)} with ${describe(b)}.`,
    fix: 'Tangents of one primal must be of one kind: numbers or arrays of one engine, or Tangents of the same record.',
  });
}

/**
 * Adds two tangents of the same primal, of any kind: zeros are identities (`NoTangent` wins
 * over `ZeroTangent`), numbers add, `Tangent`s add field by field (an absent field is zero),
 * engine arrays add through their namespace. Thunks are evaluated. Used to accumulate the
 * cotangents of a value used twice.
 *
 * @example
 * ```ts
 * add(new Tangent({ c: 1 }), new Tangent({ c: 2, d: 3 })); // Tangent { c: 3, d: 3 }
 * add(ZeroTangent, 5);                                      // 5
 * ```
 */
export function add(a: unknown, b: unknown): unknown {
  const x = unthunk(a);
  const y = unthunk(b);
  if (isNotImplemented(x)) return x;
  if (isNotImplemented(y)) return y;
  if (isZero(x)) {
    if (isZero(y)) return isNoTangent(x) || isNoTangent(y) ? NoTangent : ZeroTangent;
    return y;
  }
  if (isZero(y)) return x;
  if (typeof x === 'number' && typeof y === 'number') return x + y;
  if (isTangent(x) || isTangent(y)) {
    if (!isTangent(x) || !isTangent(y) || Array.isArray(x.backing) !== Array.isArray(y.backing)) {
      throw new RuleError('tangent-mismatch', {
        message: `add cannot combine ${describe(x)} with ${describe(y)}.`,
        fix: 'Both tangents of a record (or tuple) primal must be Tangents of the same kind of backing.',
      });
    }
    if (Array.isArray(x.backing)) {
      const xs = x.backing as unknown as readonly unknown[];
      const ys = y.backing as unknown as readonly unknown[];
      const sum = Array.from({ length: Math.max(xs.length, ys.length) }, (_, i) =>
        i >= xs.length ? ys[i] : i >= ys.length ? xs[i] : add(xs[i] ?? ZeroTangent, ys[i] ?? ZeroTangent),
      );
      return new Tangent(sum);
    }
    const sum: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    const xf = x.backing as Readonly<Record<string, unknown>>;
    const yf = y.backing as Readonly<Record<string, unknown>>;
    for (const key of x.keys()) sum[key] = y.has(key) ? add(xf[key], yf[key]) : xf[key];
    for (const key of y.keys()) if (!x.has(key)) sum[key] = yf[key];
    return new Tangent(sum);
  }
  leafOperands(x, y, 'add');
  return namespaceOf(x, y).add(x, y);
}

/**
 * Multiplies a tangent by a scalar (a number, or a scalar array of the tangent's engine):
 * zeros stay the same zero, `Tangent`s scale field by field, `NoTangent` never becomes a
 * number.
 *
 * @example
 * ```ts
 * scale(2, new Tangent({ c: 3 })); // Tangent { c: 6 }
 * scale(2, NoTangent);             // NoTangent
 * ```
 */
export function scale(k: unknown, tangent: unknown): unknown {
  const t = unthunk(tangent);
  const s = unthunk(k);
  if (isZero(t) || isNotImplemented(t)) return t;
  if (isZero(s)) return ZeroTangent;
  if (typeof s === 'number' && typeof t === 'number') return s * t;
  if (isTangent(t)) {
    const fields = t.backing as Readonly<Record<string, unknown>>;
    if (Array.isArray(fields)) return new Tangent((fields as readonly unknown[]).map((field) => scale(s, field)));
    const scaled: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const key of t.keys()) scaled[key] = scale(s, fields[key]);
    return new Tangent(scaled);
  }
  leafOperands(s, t, 'scale');
  return namespaceOf(s, t).multiply(s, t);
}

/**
 * The zero tangent of a primal (or of a tangent), materialised: `0` for a number, the
 * engine's zeros for an array, a `Tangent` of zeros for a record or tuple, `NoTangent` for
 * strings, flags and other values with no derivative. Zeros map to themselves.
 *
 * @example
 * ```ts
 * zeroLike({ c: 3, mode: 'prod' }); // Tangent { c: 0, mode: NoTangent }
 * ```
 */
export function zeroLike(value: unknown): unknown {
  const x = unthunk(value);
  if (isZero(x)) return x;
  if (typeof x === 'number') return 0;
  if (isTangent(x)) return zeroLikeFields(x.backing);
  if (isPlainObject(x) || Array.isArray(x)) return zeroLikeFields(x);
  if (typeof x === 'object' && x !== null) {
    const owner = adapterOf(x);
    if (owner !== undefined) return owner.xp.zerosLike(x);
    throw new RuleError('no-namespace', {
      message: `zeroLike does not know ${describe(x)}: no installed adapter owns it.`,
      fix: 'Install the adapter of its engine with installAdapter(…).',
    });
  }
  return NoTangent;
}

function zeroLikeFields(fields: object): Tangent<object> {
  if (Array.isArray(fields)) return new Tangent((fields as readonly unknown[]).map(zeroLike));
  const zeros: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(fields)) zeros[key] = zeroLike((fields as Record<string, unknown>)[key]);
  return new Tangent(zeros);
}
