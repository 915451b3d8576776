/*
 * The suite's rules with structure: several outputs (a tuple, a record, outputs with no
 * derivative beside a float one) and record or list arguments. Counted like the seed's; each
 * pullback also notes what kind of cotangent it got for each output (`received`), so that a
 * case can tell a symbolic zero from a materialised array of zeros.
 */
import { z } from 'zod';
import { NoTangent, Tangent, ZeroTangent, add, defineRule, isNoTangent, isTangent, isZero, kw, namespaceOf, unthunk } from '@chainrules/core';
import type { ArrayApi } from '@chainrules/core';
import type { SuiteCounts, V } from './counts';

/** What a pullback got for one output: `'NoTangent'`, `'ZeroTangent'` (a symbolic zero) or `'value'` (anything else: an array, a number). */
export type ReceivedKind = 'NoTangent' | 'ZeroTangent' | 'value';

/** What the pullbacks of the structure rules got, per output key, most recent last. */
export interface Received {
  readonly rule: 'pair' | 'stats' | 'counted';
  readonly outputs: Readonly<Record<string, ReceivedKind>>;
}

/** The parameters of `affine` and `sparse`: a record `{ w, b }` or a list `[w, b]`. */
type Params = { readonly w: V; readonly b: V } | readonly [V, V];

/** The cotangent of output `key` of a tree output's cotangent `dy` (a `Tangent`, or a zero for all of them). */
const part = (dy: unknown, key: string | number): unknown => {
  const t = unthunk(dy);
  return isTangent(t) ? unthunk(t.get(key)) : ZeroTangent;
};

const kindOf = (t: unknown): ReceivedKind => (isNoTangent(t) ? 'NoTangent' : isZero(t) ? 'ZeroTangent' : 'value');

/** `k·t` for an array `k` and a tangent `t` of any shape that broadcasts with it; a zero stays a zero. */
const times = (xp: ArrayApi<V, V>, k: V, t: unknown): unknown => (isZero(t) ? ZeroTangent : xp.multiply(k, t as V));

/** The structure rules, counting into `counts` and noting their cotangents in `received`. */
export function makeStructureRules(counts: SuiteCounts, received: Received[]) {
  const note = (rule: Received['rule'], dy: unknown, keys: readonly (string | number)[]): void => {
    received.push({ rule, outputs: Object.fromEntries(keys.map((key) => [String(key), kindOf(part(dy, key))])) });
  };

  /** pair(x, { c = 1 }) = [c·sin(x), x·x]: two outputs as a tuple, and a differentiable option. */
  const pair = defineRule(
    (x: V, { c = 1 }: { c?: V } = {}): [V, V] => {
      counts.pair.impl++;
      const xp = namespaceOf(x, c);
      return [xp.multiply(c, xp.sin(x)), xp.multiply(x, x)];
    },
    {
      name: 'pair',
      kwargs: z.object({ c: kw.diff().default(1) }),
      rrule: (cfg, { c }, x) => {
        counts.pair.rrule++;
        const { xp } = cfg;
        const s = xp.sin(x);
        return [
          [xp.multiply(c, s), xp.multiply(x, x)] as [V, V],
          (dy) => {
            counts.pair.pullback++;
            note('pair', dy, [0, 1]);
            const [d0, d1] = [part(dy, 0), part(dy, 1)];
            const dx = add(times(xp, xp.multiply(c, xp.cos(x)), d0), times(xp, xp.multiply(2, x), d1));
            return { args: [dx as V], kwargs: new Tangent({ c: times(xp, s, d0) as V }) };
          },
        ];
      },
      frule: (cfg, { args: [dx], kwargs: dkw }, { c }, x) => {
        counts.pair.frule++;
        const { xp } = cfg;
        const s = xp.sin(x);
        const d0 = add(times(xp, xp.multiply(c, xp.cos(x)), unthunk(dx)), times(xp, s, unthunk(dkw.get('c'))));
        return [[xp.multiply(c, s), xp.multiply(x, x)] as [V, V], new Tangent([d0, times(xp, xp.multiply(2, x), unthunk(dx))]) as never];
      },
    },
  );

  /** stats(x) = { value: Σ x², aux: x − mean(x) }: two outputs as a record, of different shapes. */
  const stats = defineRule(
    (x: V): { value: V; aux: V } => {
      counts.stats.impl++;
      const xp = namespaceOf(x);
      return { value: xp.sum(xp.square(x)), aux: xp.subtract(x, xp.mean(x)) };
    },
    {
      name: 'stats',
      rrule: (cfg, _opts, x) => {
        counts.stats.rrule++;
        const { xp } = cfg;
        return [
          { value: xp.sum(xp.square(x)), aux: xp.subtract(x, xp.mean(x)) },
          (dy) => {
            counts.stats.pullback++;
            note('stats', dy, ['value', 'aux']);
            const [dv, da] = [part(dy, 'value'), part(dy, 'aux')];
            const dx = add(times(xp, xp.multiply(2, x), dv), isZero(da) ? ZeroTangent : xp.subtract(da as V, xp.mean(da as V)));
            return { args: [dx as V] };
          },
        ];
      },
      frule: (cfg, { args: [dx] }, _opts, x) => {
        counts.stats.frule++;
        const { xp } = cfg;
        const t = unthunk(dx);
        const y = { value: xp.sum(xp.square(x)), aux: xp.subtract(x, xp.mean(x)) };
        if (isZero(t)) return [y, ZeroTangent];
        return [y, new Tangent({ value: xp.sum(xp.multiply(xp.multiply(2, x), t as V)), aux: xp.subtract(t as V, xp.mean(t as V)) }) as never];
      },
    },
  );

  /**
   * counted(x) = { value: x², positive: x > 0, count: the number of elements }: a float output
   * beside a boolean array and a plain number, which have no derivative (`NoTangent`).
   */
  const counted = defineRule(
    (x: V): { value: V; positive: V; count: number } => {
      counts.counted.impl++;
      const xp = namespaceOf(x);
      return { value: xp.square(x), positive: xp.greater(x, 0), count: xp.shape(x).reduce((n, d) => n * d, 1) };
    },
    {
      name: 'counted',
      rrule: (cfg, _opts, x) => {
        counts.counted.rrule++;
        const { xp } = cfg;
        return [
          { value: xp.square(x), positive: xp.greater(x, 0), count: xp.shape(x).reduce((n, d) => n * d, 1) },
          (dy) => {
            counts.counted.pullback++;
            note('counted', dy, ['value', 'positive', 'count']);
            return { args: [times(xp, xp.multiply(2, x), part(dy, 'value')) as V] };
          },
        ];
      },
      frule: (cfg, { args: [dx] }, _opts, x) => {
        counts.counted.frule++;
        const { xp } = cfg;
        const y = { value: xp.square(x), positive: xp.greater(x, 0), count: xp.shape(x).reduce((n, d) => n * d, 1) };
        return [y, new Tangent({ value: times(xp, xp.multiply(2, x), unthunk(dx)), positive: NoTangent, count: NoTangent }) as never];
      },
    },
  );

  /** The parts of `params`, a record `{ w, b }` or a list `[w, b]`. */
  const unpack = (params: Params): readonly [V, V] => (Array.isArray(params) ? (params as readonly [V, V]) : [(params as { w: V }).w, (params as { b: V }).b]);

  /**
   * w·x + b and its pullback, counted as `rule`: the params' tangent (in their own form, `b` left
   * out with `drop`) and x's cotangent, placed in the rule's slots by `slots`.
   */
  const affinePair = (rule: 'affine' | 'sparse' | 'shift' | 'sparseShift', drop: boolean, slots: (dparams: Tangent, dx: V) => unknown) => (xp: ArrayApi<V, V>, params: Params, x: V) => {
    counts[rule].rrule++;
    const [w, b] = unpack(params);
    return [
      xp.add(xp.multiply(w, x), b),
      (dy: V) => {
        counts[rule].pullback++;
        const [dw, db] = [xp.multiply(dy, x), dy];
        const fields: unknown[] | Record<string, unknown> = Array.isArray(params) ? (drop ? [dw] : [dw, db]) : drop ? { w: dw } : { w: dw, b: db };
        return slots(new Tangent(fields as never), xp.multiply(dy, w));
      },
    ] as const;
  };

  /** The rrule of w·x + b with params positional, counted as `rule`; its params' tangent leaves `b` out with `drop`. */
  const affineRrule = (rule: 'affine' | 'sparse', drop: boolean) => (cfg: { xp: ArrayApi<V, V> }, _opts: unknown, params: Params, x: V) =>
    affinePair(rule, drop, (dparams, dx) => ({ args: [dparams, dx] }))(cfg.xp, params, x);

  /** affine(params, x) = w·x + b, with `params` a record `{ w, b }` or a list `[w, b]`: its pullback gives the params' tangent in the same form. */
  const affine = defineRule(
    (params: Params, x: V): V => {
      counts.affine.impl++;
      const [w, b] = unpack(params);
      const xp = namespaceOf(w, b, x);
      return xp.add(xp.multiply(w, x), b);
    },
    {
      name: 'affine',
      rrule: affineRrule('affine', false) as never,
      frule: (cfg, { args: [dparams, dx] }, _opts, params, x) => {
        counts.affine.frule++;
        const { xp } = cfg;
        const [w, b] = unpack(params);
        const dp = unthunk(dparams);
        const field = (key: string | number): unknown => (isTangent(dp) ? unthunk(dp.get(key)) : ZeroTangent);
        const [dw, db] = Array.isArray(params) ? [field(0), field(1)] : [field('w'), field('b')];
        const dy = [times(xp, x, dw), times(xp, w, unthunk(dx)), db].reduce(add);
        return [xp.add(xp.multiply(w, x), b), dy as V];
      },
    },
  );

  /**
   * sparse(params, x) = w·x + b like `affine`, reverse rule only (so that every engine runs its
   * pullback), whose params' tangent leaves `b` out: `missing-tangent` wherever the engine
   * differentiates `b`, and fine where it does not.
   */
  const sparse = defineRule(
    (params: Params, x: V): V => {
      counts.sparse.impl++;
      const [w, b] = unpack(params);
      const xp = namespaceOf(w, b, x);
      return xp.add(xp.multiply(w, x), b);
    },
    { name: 'sparse', rrule: affineRrule('sparse', true) as never },
  );

  /** The reverse rule of `shift` and `sparseShift`: the params' tangent in the options slot, `b` left out by `sparseShift`. */
  const shiftRrule = (rule: 'shift' | 'sparseShift') => (cfg: { xp: ArrayApi<V, V> }, { params }: { params: Params }, x: V) =>
    affinePair(rule, rule === 'sparseShift', (dparams, dx) => ({ args: [dx], kwargs: new Tangent({ params: dparams }) }))(cfg.xp, params, x);
  const shiftImpl = (rule: 'shift' | 'sparseShift') => (x: V, { params }: { params: Params }): V => {
    counts[rule].impl++;
    const [w, b] = unpack(params);
    const xp = namespaceOf(w, b, x);
    return xp.add(xp.multiply(w, x), b);
  };

  /**
   * shift(x, { params }) = w·x + b with the parameters in a `kw.tree()` option: a record
   * `{ w, b }` or a list `[w, b]`. Its pullback gives `kwargs: Tangent { params: … }` in the
   * params' own form; its frule reads the params' tangent the same way.
   */
  const shift = defineRule(shiftImpl('shift'), {
    name: 'shift',
    kwargs: z.object({ params: kw.tree() }),
    rrule: shiftRrule('shift') as never,
    frule: ((cfg: { xp: ArrayApi<V, V> }, { args: [dx], kwargs }: { args: [unknown]; kwargs: Tangent<{ params: unknown }> }, { params }: { params: Params }, x: V) => {
      counts.shift.frule++;
      const { xp } = cfg;
      const [w, b] = unpack(params);
      const dp = unthunk(kwargs.get('params'));
      const field = (key: string | number): unknown => (isTangent(dp) ? unthunk(dp.get(key)) : ZeroTangent);
      const [dw, db] = Array.isArray(params) ? [field(0), field(1)] : [field('w'), field('b')];
      const dy = [times(xp, x, dw), times(xp, w, unthunk(dx)), db].reduce(add);
      return [xp.add(xp.multiply(w, x), b), dy as V];
    }) as never,
  });

  /** sparseShift(x, { params }): `shift` with a reverse rule only, whose params' tangent leaves `b` out (`missing-tangent` wherever the engine differentiates `b`). */
  const sparseShift = defineRule(shiftImpl('sparseShift'), { name: 'sparseShift', kwargs: z.object({ params: kw.tree() }), rrule: shiftRrule('sparseShift') as never });

  return { pair, stats, counted, affine, sparse, shift, sparseShift };
}
