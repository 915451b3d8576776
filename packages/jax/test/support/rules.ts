import { z } from 'zod';
import { Tangent, ZeroTangent, add, defineRule, isZero, kw, namespaceOf, scale } from '@chainrules/core';
import type { ArrayApi } from '@chainrules/core';
import { init } from '@jax-js/jax';
import { countRuns, foo } from '@chainrules/testing/fixtures';

/** The runs of this file's rules; `counts` adds the seed's. */
const own = { impl: 0, rrule: 0, pullback: 0, frule: 0, rimpl: 0, rrrule: 0, rpullback: 0 };
/** The seed is the shared fixture `foo`: its runs come from a counter of @chainrules/testing. */
const fooRuns = countRuns(foo);

/**
 * How often each path of the test rules ran: `impl`, `rrule`, `pullback` and `frule` summed
 * over the seed and the frule rules below, `rimpl`, `rrrule`, `rpullback` over the rrule-only ones.
 */
export const counts = {
  get impl(): number {
    return own.impl + fooRuns.runs.impl;
  },
  get rrule(): number {
    return own.rrule + fooRuns.runs.rrule;
  },
  get pullback(): number {
    return own.pullback + fooRuns.runs.pullback;
  },
  get frule(): number {
    return own.frule + fooRuns.runs.frule;
  },
  get rimpl(): number {
    return own.rimpl;
  },
  get rrrule(): number {
    return own.rrrule;
  },
  get rpullback(): number {
    return own.rpullback;
  },
};

/** Resets {@link counts}. */
export function resetCounts(): void {
  for (const key of Object.keys(own) as (keyof typeof own)[]) own[key] = 0;
  fooRuns.reset();
}

export { foo };

let ready: Promise<unknown> | undefined;
/** `await init('wasm')`, once. */
export const ready$ = (): Promise<unknown> => (ready ??= init('wasm'));

type V = any;

/** An rrule-only rule: softplus-like r(x, { w = 1 }) = w·x² with only a pullback. */
export const rsq = defineRule(
  (x: V, { w = 1 }: { w?: V } = {}): V => {
    own.rimpl++;
    const xp = namespaceOf(x, w);
    return xp.multiply(w, xp.square(x));
  },
  {
    name: 'rsq',
    kwargs: z.object({ w: kw.diff().default(1) }),
    rrule: (cfg, { w }, x) => {
      own.rrrule++;
      const { xp } = cfg;
      const x2 = xp.square(x);
      return [
        xp.multiply(w, x2),
        (dy) => {
          own.rpullback++;
          return { args: [xp.multiply(dy, xp.multiply(2, xp.multiply(w, x)))], kwargs: new Tangent({ w: xp.multiply(dy, x2) }) };
        },
      ];
    },
  },
);

/** What the static fields of `spow` were inside its rules (to prove they never became tracers). */
export const seenStatic: unknown[] = [];

/** spow(x, { p, scale = 1, tag }) = scale·x^p: p a static number, tag a static anything, scale differentiable; frule only. */
export const spow = defineRule(
  (x: V, { p, scale: s = 1 }: { p: number; scale?: V; tag?: unknown }): V => {
    own.impl++;
    const xp = namespaceOf(x, s);
    return xp.multiply(s, xp.pow(x, p));
  },
  {
    name: 'spow',
    kwargs: z.object({ p: z.number(), scale: kw.diff().default(1), tag: z.unknown().optional() }),
    frule: (cfg, { args: [dx], kwargs: dkw }, { p, scale: s }, x) => {
      own.frule++;
      seenStatic.push(p);
      const { xp } = cfg;
      const xp1 = xp.pow(x, p - 1);
      return [xp.multiply(s, xp.pow(x, p)), add(scale(xp.multiply(s, xp.multiply(p, xp1)), dx), scale(xp.pow(x, p), dkw.get('scale')))];
    },
  },
);

/** penalty(x, { prior: { mu = 0, tau = 1 }, scale = 1 }) = scale·tau·(x − mu)²: nested options, frule only. */
export const penalty = defineRule(
  (x: V, { prior = {}, scale: s = 1 }: { prior?: { mu?: V; tau?: V }; scale?: V } = {}): V => {
    own.impl++;
    const { mu = 0, tau = 1 } = prior;
    const xp = namespaceOf(x, mu, tau, s);
    return xp.multiply(xp.multiply(s, tau), xp.square(xp.subtract(x, mu)));
  },
  {
    name: 'penalty',
    kwargs: z.object({ scale: kw.diff().default(1), prior: z.object({ tau: kw.diff().default(1), mu: kw.diff().default(0) }).optional() }),
    frule: (cfg, { args: [dx], kwargs: dkw }, { prior, scale: s }, x) => {
      own.frule++;
      const { xp } = cfg;
      const [mu, tau] = [prior?.mu ?? 0, prior?.tau ?? 1];
      const d = xp.subtract(x, mu);
      const q = xp.square(d);
      const dprior = dkw.get('prior');
      const field = (key: 'mu' | 'tau') => (dprior instanceof Tangent ? dprior.get(key) : dprior);
      const slope = xp.multiply(2, xp.multiply(xp.multiply(s, tau), d));
      const dy = [scale(slope, dx), scale(xp.negative(slope), field('mu')), scale(xp.multiply(s, q), field('tau')), scale(xp.multiply(tau, q), dkw.get('scale'))].reduce(add);
      return [xp.multiply(xp.multiply(s, tau), q), dy];
    },
  },
);

/**
 * twice(x) = x whose frule claims ẏ = 2ẋ: a derivative the plain function does not have, so a
 * gradient of 2 proves the rule served the call (the version guard's poison).
 */
export const twice = defineRule(
  (x: V): V => {
    own.impl++;
    return namespaceOf(x).multiply(x, 1);
  },
  {
    name: 'twice',
    frule: (cfg, { args: [dx] }, _opts, x) => {
      own.frule++;
      return [cfg.xp.multiply(x, 1), scale(2, dx)];
    },
  },
);

/** An rrule-only rule whose pullback leaves jax-js (reads ȳ as a plain number): the adapter must refuse it. */
export const escape = defineRule(
  (x: V): V => namespaceOf(x).multiply(x, 2),
  {
    name: 'escape',
    rrule: (cfg, _opts, x) => [cfg.xp.multiply(x, 2), (dy) => ({ args: [2 * Number(dy)] })],
  },
);

/** x·c³, on any engine: the plain function of cubic, rcubic and pcubic. */
const xc3 = (x: V, c: V): V => {
  const xp = namespaceOf(x, c);
  return xp.multiply(x, xp.pow(c, 3));
};

/** The value and the partials of x·c³: [y, ∂y/∂x = c³, ∂y/∂c = 3xc²]. */
const xc3Parts = (xp: ArrayApi<V, V>, x: V, c: V): [V, V, V] => {
  const c2 = xp.square(c);
  const c3 = xp.multiply(c2, c);
  return [xp.multiply(x, c3), c3, xp.multiply(3, xp.multiply(x, c2))];
};

/** cubic(x, { c = 1 }) = x·c³: a derivative in the options that is not linear, frule only. */
export const cubic = defineRule((x: V, { c = 1 }: { c?: V } = {}): V => (own.impl++, xc3(x, c)), {
  name: 'cubic',
  kwargs: z.object({ c: kw.diff().default(1) }),
  frule: (cfg, { args: [dx], kwargs: dkw }, { c }, x) => {
    own.frule++;
    const [y, byX, byC] = xc3Parts(cfg.xp, x, c);
    return [y, add(scale(byX, dx), scale(byC, dkw.get('c')))];
  },
});

/** rcubic(x, { c = 1 }) = x·c³ with only an rrule. */
export const rcubic = defineRule((x: V, { c = 1 }: { c?: V } = {}): V => (own.rimpl++, xc3(x, c)), {
  name: 'rcubic',
  kwargs: z.object({ c: kw.diff().default(1) }),
  rrule: (cfg, { c }, x) => {
    own.rrrule++;
    const { xp } = cfg;
    const [y, byX, byC] = xc3Parts(xp, x, c);
    return [y, (dy) => (own.rpullback++, { args: [xp.multiply(dy, byX)], kwargs: new Tangent({ c: xp.multiply(dy, byC) }) })];
  },
});

/** pcubic(x, w) = x·w³, the weight positional: frule only. */
export const pcubic = defineRule((x: V, w: V): V => (own.impl++, xc3(x, w)), {
  name: 'pcubic',
  frule: (cfg, { args: [dx, dw] }, _opts, x, w) => {
    own.frule++;
    const [y, byX, byW] = xc3Parts(cfg.xp, x, w);
    return [y, add(scale(byX, dx), scale(byW, dw))];
  },
});

/** energy(x, { c = 1 }) = c·Σx²: a scalar output, so `grad(energy)` is a gradient; frule only. */
export const energy = defineRule(
  (x: V, { c = 1 }: { c?: V } = {}): V => {
    own.impl++;
    const xp = namespaceOf(x, c);
    return xp.multiply(c, xp.sum(xp.square(x)));
  },
  {
    name: 'energy',
    kwargs: z.object({ c: kw.diff().default(1) }),
    frule: (cfg, { args: [dx], kwargs: dkw }, { c }, x) => {
      own.frule++;
      const { xp } = cfg;
      const slope = xp.multiply(xp.multiply(2, c), x);
      const dc = dkw.get('c');
      const dy = isZero(dx) ? ZeroTangent : xp.sum(xp.multiply(slope, dx));
      return [xp.multiply(c, xp.sum(xp.square(x))), add(dy, scale(xp.sum(xp.square(x)), dc))];
    },
  },
);

/** A Huber-like loss: ½x² within delta, delta·(|x| − ½delta) beyond; delta differentiable, frule only. */
export const hub = defineRule(
  (x: V, { delta = 1 }: { delta?: V } = {}): V => {
    own.impl++;
    const xp = namespaceOf(x, delta);
    const a = xp.abs(x);
    return xp.where(xp.lessEqual(a, delta), xp.multiply(0.5, xp.square(x)), xp.multiply(delta, xp.subtract(a, xp.multiply(0.5, delta))));
  },
  {
    name: 'hub',
    kwargs: z.object({ delta: kw.diff().default(1) }),
    frule: (cfg, { args: [dx], kwargs: dkw }, { delta }, x) => {
      own.frule++;
      const { xp } = cfg;
      const a = xp.abs(x);
      const inside = xp.lessEqual(a, delta);
      const y = xp.where(inside, xp.multiply(0.5, xp.square(x)), xp.multiply(delta, xp.subtract(a, xp.multiply(0.5, delta))));
      const slope = xp.where(inside, x, xp.multiply(delta, xp.sign(x)));
      const byDelta = xp.where(inside, xp.zerosLike(x), xp.subtract(a, delta));
      return [y, add(scale(slope, dx), scale(byDelta, dkw.get('delta')))];
    },
  },
);
