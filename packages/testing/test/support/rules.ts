/*
 * Rules for the checks' own tests: correct ones, and mutants that each break one property a
 * check must catch. Written with `cfg.xp` so that they run on numbers and on f64 arrays.
 */
import { z } from 'zod';
import { NoTangent, Tangent, ZeroTangent, add, defineRule, kw, namespaceOf, scale } from '@chainrules/core';
import type { RuleConfig } from '@chainrules/core';

type Num = any;

/** The seed's math, foo(a, b, { c = 42 }) = a·b·c, for its mutants (the seed itself is the fixture `foo`). */
export const fooImpl = (a: Num, b: Num, { c = 42 }: { c?: Num } = {}): Num => {
  const xp = namespaceOf(a, b, c);
  return xp.multiply(xp.multiply(a, b), c);
};

interface FooMutation {
  readonly signA?: number;
  readonly scaleC?: number;
  readonly dropC?: boolean;
  readonly frule?: 'right' | 'wrong-c' | 'none' | 'no-tangent';
  readonly primalOffset?: number;
}

export function makeFoo(name: string, m: FooMutation = {}) {
  return defineRule(fooImpl, {
    name,
    kwargs: z.object({ c: kw.diff().default(42) }),
    rrule: (cfg: RuleConfig<any>, { c }, a, b) => {
      const { xp } = cfg;
      const y = xp.add(xp.multiply(xp.multiply(a, b), c), m.primalOffset ?? 0);
      return [
        y,
        (dy: Num) => ({
          args: [xp.multiply(m.signA ?? 1, xp.multiply(dy, xp.multiply(b, c))), xp.multiply(dy, xp.multiply(a, c))],
          // dropC leaves the options' tangent out (the types require it: `undefined as never` gets past them).
          kwargs: m.dropC === true ? (undefined as never) : new Tangent({ c: xp.multiply(m.scaleC ?? 1, xp.multiply(dy, xp.multiply(a, b))) }),
        }),
      ];
    },
    ...(m.frule === 'none'
      ? {}
      : {
          frule: (cfg: RuleConfig<any>, { args: [da, db], kwargs: dkw }: any, { c }: any, a: Num, b: Num) => {
            const { xp } = cfg;
            if (m.frule === 'no-tangent') return [xp.multiply(xp.multiply(a, b), c), NoTangent];
            const k = m.frule === 'wrong-c' ? -1 : 1;
            const dy = add(add(scale(xp.multiply(b, c), da), scale(xp.multiply(a, c), db)), scale(xp.multiply(k, xp.multiply(a, b)), dkw.get('c')));
            return [xp.multiply(xp.multiply(a, b), c), dy];
          },
        }),
  });
}

/**
 * A Gaussian with nested, static and differentiable options:
 * g(x, { prior: { mu, tau }, mode }) = Σ exp(-(x - mu)² · tau / 2) (mode 'sum') or the mean.
 */
export const gaussImpl = (x: Num, { prior = { mu: 0, tau: 1 }, mode = 'sum' }: { prior?: { mu?: Num; tau?: Num; label?: string }; mode?: 'sum' | 'mean' } = {}): Num => {
  const { mu = 0, tau = 1 } = prior;
  const xp = namespaceOf(x, mu, tau);
  const e = xp.exp(xp.multiply(-0.5, xp.multiply(tau, xp.square(xp.subtract(x, mu)))));
  return mode === 'sum' ? xp.sum(e) : xp.mean(e);
};

interface GaussMutation {
  readonly muSign?: number;
  readonly modeTangent?: boolean;
  readonly mutate?: boolean;
}

export function makeGauss(name: string, m: GaussMutation = {}) {
  return defineRule(gaussImpl, {
    name,
    kwargs: z.object({
      prior: z.object({ mu: kw.diff().default(0), tau: kw.diff().default(1), label: z.string().optional() }).default({ mu: 0, tau: 1 }),
      mode: z.enum(['sum', 'mean']).default('sum'),
    }),
    rrule: (cfg: RuleConfig<any>, { prior: { mu, tau }, mode }, x) => {
      const { xp } = cfg;
      const d = xp.subtract(x, mu);
      const e = xp.exp(xp.multiply(-0.5, xp.multiply(tau, xp.square(d))));
      const n = xp.shape(x).reduce((p: number, q: number) => p * q, 1);
      const w = mode === 'sum' ? 1 : 1 / n;
      const y = xp.multiply(w, xp.sum(e));
      return [
        y,
        (dy: Num) => {
          if (m.mutate === true && typeof x === 'object') (x as { data: Float64Array }).data[0] = 7;
          const g = xp.multiply(xp.multiply(dy, w), e);
          const dx = xp.multiply(xp.multiply(-1, tau), xp.multiply(g, d));
          return {
            args: [dx],
            kwargs: new Tangent({
              prior: new Tangent({
                mu: xp.multiply(m.muSign ?? 1, xp.sum(xp.multiply(tau, xp.multiply(g, d)))),
                tau: xp.sum(xp.multiply(-0.5, xp.multiply(g, xp.square(d)))),
              }),
              ...(m.modeTangent === true ? { mode: ZeroTangent } : {}),
            }) as never,
          };
        },
      ];
    },
  });
}

export const gauss = makeGauss('gauss');

/** power(x, n) = xⁿ with an integer count n: n has no derivative. */
export function makePower(name: string, nTangent: 'none' | 'zero', declared = true) {
  return defineRule((x: Num, n: number) => namespaceOf(x).pow(x, n), {
    name,
    ...(declared ? { staticArgs: [1] } : {}),
    rrule: (cfg, _opts, x, n) => {
      const { xp } = cfg;
      return [xp.pow(x, n), (dy: Num) => ({ args: [xp.multiply(dy, xp.multiply(n, xp.pow(x, n - 1))), nTangent === 'none' ? NoTangent : ZeroTangent] })];
    },
  });
}

/** clampedSum(x, k) = Σ x·k over a record argument { x, k } where k's derivative is zero here (a floor). */
export function makeRecordRule(name: string, kTangent: 'zero' | 'no-tangent') {
  return defineRule((p: { x: Num; k: Num }, _label: string) => namespaceOf(p.x, p.k).multiply(p.x, Math.floor(p.k as number)) as Num, {
    name,
    rrule: (cfg, _opts, p) => {
      const { xp } = cfg;
      const k = Math.floor(p.k as number);
      return [xp.multiply(p.x, k), (dy: Num) => ({ args: [new Tangent({ x: xp.multiply(dy, k), k: kTangent === 'zero' ? ZeroTangent : NoTangent }), NoTangent] })];
    },
  });
}

/** A rule whose pullback returns the wrong number of argument tangents. */
export const shortPullback = defineRule((a: number, b: number) => a * b, {
  name: 'shortPullback',
  rrule: (_cfg, _opts, a, b) => [a * b, (dy: number) => ({ args: [dy * b] as unknown as [number, number] })],
});

/** A rule that gives the function itself a ZeroTangent. */
export const selfZero = defineRule((a: number) => 2 * a, {
  name: 'selfZero',
  rrule: (_cfg, _opts, a) => [2 * a, (dy: number) => ({ args: [2 * dy], self: ZeroTangent })],
});
