import { z } from 'zod';
import { NoTangent, Tangent, ZeroTangent, add, defineRule, isNoTangent, isTangent, isZero, kw, namespaceOf, scale, unthunk } from '@chainrules/core';

/*
 * Rules with structure: several outputs (a tuple, a record, outputs with no derivative) and
 * record or list arguments, each with an frule and an rrule-only twin, counted like the rules
 * of rules.ts. Their plain functions double as jax-js's own autodiff of the same math (`native`).
 */

type V = any;

/** How often each path ran, per rule family (frule-served and rrule-only twins share a family). */
export const tally = { impl: 0, frule: 0, rrule: 0, pullback: 0 };

/** What each traced pullback got for each output: `'NoTangent'`, `'ZeroTangent'`, or `'value'` (an array or a tracer). */
export const received: Record<string, string>[] = [];

/** Resets {@link tally} and {@link received}. */
export function resetTally(): void {
  Object.assign(tally, { impl: 0, frule: 0, rrule: 0, pullback: 0 });
  received.length = 0;
}

const kind = (t: unknown): string => (isNoTangent(t) ? 'NoTangent' : isZero(t) ? 'ZeroTangent' : 'value');
/** Output `key` of a tree output's cotangent (a `Tangent`, or a zero of all of it). */
const part = (dy: unknown, key: string | number): unknown => {
  const t = unthunk(dy);
  return isTangent(t) ? unthunk(t.get(key)) : ZeroTangent;
};
const note = (dy: unknown, keys: readonly (string | number)[]): void => {
  received.push(Object.fromEntries(keys.map((key) => [String(key), kind(part(dy, key))])));
};

/** The math of `forces`: [E, F] = [k·Σx², −2k·x]. */
const ef = (x: V, k: V): [V, V] => {
  const xp = namespaceOf(x, k);
  return [xp.multiply(k, xp.sum(xp.square(x))), xp.multiply(xp.multiply(-2, k), x)];
};

/** forces(x, { k = 1 }) = [energy, forces] = [k·Σx², −2k·x]: a tuple of outputs of different shapes, frule only. */
export const forces = defineRule((x: V, { k = 1 }: { k?: V } = {}): [V, V] => (tally.impl++, ef(x, k)), {
  name: 'forces',
  kwargs: z.object({ k: kw.diff().default(1) }),
  frule: (cfg, { args: [dx], kwargs: dkw }, { k }, x) => {
    tally.frule++;
    const { xp } = cfg;
    const dk = dkw.get('k');
    const dE = add(isZero(dx) ? ZeroTangent : xp.sum(xp.multiply(xp.multiply(2, xp.multiply(k, x)), dx as V)), scale(xp.sum(xp.square(x)), dk));
    const dF = add(scale(xp.multiply(-2, k), dx), scale(xp.multiply(-2, x), dk));
    return [ef(x, k), new Tangent([dE, dF]) as never];
  },
});

/** rforces: forces with only an rrule, whose traced pullback notes what it got. */
export const rforces = defineRule((x: V, { k = 1 }: { k?: V } = {}): [V, V] => (tally.impl++, ef(x, k)), {
  name: 'rforces',
  kwargs: z.object({ k: kw.diff().default(1) }),
  rrule: (cfg, { k }, x) => {
    tally.rrule++;
    const { xp } = cfg;
    return [
      ef(x, k),
      (dy) => {
        tally.pullback++;
        note(dy, [0, 1]);
        const [dE, dF] = [part(dy, 0), part(dy, 1)];
        const dx = add(scale(xp.multiply(2, xp.multiply(k, x)), dE), isZero(dF) ? ZeroTangent : xp.multiply(xp.multiply(-2, k), dF as V));
        const dk = add(scale(xp.sum(xp.square(x)), dE), isZero(dF) ? ZeroTangent : xp.multiply(-2, xp.sum(xp.multiply(x, dF as V))));
        return { args: [dx as V], kwargs: new Tangent({ k: dk as V }) };
      },
    ];
  },
});

/** The math of `stats`: { value: Σx³, aux: 2x }. */
const va = (x: V): { value: V; aux: V } => {
  const xp = namespaceOf(x);
  return { value: xp.sum(xp.multiply(x, xp.square(x))), aux: xp.multiply(2, x) };
};

/** stats(x) = { value: Σx³, aux: 2x }: a record of outputs, frule only. */
export const stats = defineRule((x: V): { value: V; aux: V } => (tally.impl++, va(x)), {
  name: 'stats',
  frule: (cfg, { args: [dx] }, _opts, x) => {
    tally.frule++;
    const { xp } = cfg;
    if (isZero(dx)) return [va(x), ZeroTangent];
    return [va(x), new Tangent({ value: xp.sum(xp.multiply(xp.multiply(3, xp.square(x)), dx as V)), aux: xp.multiply(2, dx as V) }) as never];
  },
});

/** rstats: stats with only an rrule. */
export const rstats = defineRule((x: V): { value: V; aux: V } => (tally.impl++, va(x)), {
  name: 'rstats',
  rrule: (cfg, _opts, x) => {
    tally.rrule++;
    const { xp } = cfg;
    return [
      va(x),
      (dy) => {
        tally.pullback++;
        note(dy, ['value', 'aux']);
        const [dv, da] = [part(dy, 'value'), part(dy, 'aux')];
        return { args: [add(scale(xp.multiply(3, xp.square(x)), dv), scale(2, da)) as V] };
      },
    ];
  },
});

/** How `counted`'s frule treats its outputs with no derivative: zeros, or a float tangent for `positive` (wrong). */
export type CountedHow = 'fine' | 'tangent-for-bool';

/**
 * The math of `counted`: { value: x², positive: x > 0 (bool), index: the labels reshaped like x
 * (int32), count: the element count (a plain number) }.
 */
const cnt = (x: V, labels: V): { value: V; positive: V; index: V; count: number } => {
  const xp = namespaceOf(x, labels);
  const shape = xp.shape(x);
  return { value: xp.square(x), positive: xp.greater(x, 0), index: xp.reshape(labels, shape), count: shape.reduce((n, d) => n * d, 1) };
};

/** counted(x, labels): a float output beside a boolean array, an int32 array and a plain number, which have no derivative; frule only. */
export const counted = defineRule((x: V, labels: V, _o: { how?: CountedHow } = {}) => (tally.impl++, cnt(x, labels)), {
  name: 'counted',
  kwargs: z.object({ how: z.enum(['fine', 'tangent-for-bool']).default('fine') }),
  frule: (cfg, { args: [dx] }, { how }, x, labels) => {
    tally.frule++;
    const { xp } = cfg;
    const positive = how === 'fine' ? NoTangent : xp.onesLike(x);
    return [cnt(x, labels), new Tangent({ value: scale(xp.multiply(2, x), dx), positive, index: NoTangent, count: NoTangent }) as never];
  },
});

/** rcounted: counted with only an rrule, whose traced pullback notes what it got. */
export const rcounted = defineRule((x: V, labels: V) => (tally.impl++, cnt(x, labels)), {
  name: 'rcounted',
  rrule: (cfg, _opts, x, labels) => {
    tally.rrule++;
    const { xp } = cfg;
    return [
      cnt(x, labels),
      (dy) => {
        tally.pullback++;
        note(dy, ['value', 'positive', 'index', 'count']);
        return { args: [scale(xp.multiply(2, x), part(dy, 'value')) as V, ZeroTangent] };
      },
    ];
  },
});

/** Parameters of `affine`: a record, or a list `[w, b]`, or a record nested one level down. */
export type Params = { w: V; b: V } | [V, V] | { layer: { w: V; b: V } };

const wb = (p: Params): [V, V] => (Array.isArray(p) ? p : 'layer' in p ? [p.layer.w, p.layer.b] : [p.w, p.b]);
/** The params' tangent in the params' own form, from tangents of w and b (`undefined`: left out). */
const likeParams = (p: Params, dw: unknown, db: unknown): unknown => {
  const fields: Record<string, unknown> = db === undefined ? { w: dw } : { w: dw, b: db };
  if (Array.isArray(p)) return new Tangent((db === undefined ? [dw] : [dw, db]) as never);
  const inner = new Tangent(fields);
  return 'layer' in p ? new Tangent({ layer: inner }) : inner;
};

/** How `raffine`'s pullback gives the params' tangent: with every field, or without `b`. */
export type AffineHow = 'fine' | 'drop-b';

/** affine(params, x) = w·x + b for params `{ w, b }`, `[w, b]` or `{ layer: { w, b } }`: frule only. */
export const affine = defineRule((p: Params, x: V): V => {
  tally.impl++;
  const [w, b] = wb(p);
  const xp = namespaceOf(w, b, x);
  return xp.add(xp.multiply(w, x), b);
}, {
  name: 'affine',
  frule: (cfg, { args: [dp, dx] }, _opts, p, x) => {
    tally.frule++;
    const { xp } = cfg;
    const [w, b] = wb(p);
    let t: unknown = unthunk(dp);
    if (isTangent(t) && t.has('layer')) t = unthunk(t.get('layer' as never));
    const field = (key: string | number): unknown => (isTangent(t) ? unthunk(t.get(key as never)) : ZeroTangent);
    const [dw, db] = Array.isArray(p) ? [field(0), field(1)] : [field('w'), field('b')];
    return [xp.add(xp.multiply(w, x), b), [scale(x, dw), scale(w, dx), db].reduce(add) as V];
  },
});

/** raffine: affine with only an rrule; `how: 'drop-b'` leaves `b` out of the params' tangent. */
export const raffine = defineRule((p: Params, x: V, _o: { how?: AffineHow } = {}): V => {
  tally.impl++;
  const [w, b] = wb(p);
  const xp = namespaceOf(w, b, x);
  return xp.add(xp.multiply(w, x), b);
}, {
  name: 'raffine',
  kwargs: z.object({ how: z.enum(['fine', 'drop-b']).default('fine') }),
  rrule: (cfg, { how }, p, x) => {
    tally.rrule++;
    const { xp } = cfg;
    const [w, b] = wb(p);
    return [
      xp.add(xp.multiply(w, x), b),
      (dy) => {
        tally.pullback++;
        const dw = xp.sum(xp.multiply(dy, x));
        const db = how === 'drop-b' ? undefined : xp.sum(dy);
        return { args: [likeParams(p, dw, db) as never, xp.multiply(dy, w)] };
      },
    ];
  },
});
