import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoTangent, Tangent, ZeroTangent, frule, installAdapter, isTangent, kwcall, rrule } from '@chainrules/core';
import type { AnyFunction } from '@chainrules/core';
import { F64Array, f64, referenceConfig, toNumbers, withReferenceAdapter } from '@chainrules/testing';
import { gaussian, gaussianNd, huber, layerNorm, lennardJones, logit, logsumexp, sigmoid, softmax, softplus } from '../src/index';
import { Opaque, linearAdapter, linearConfig, primal, tangent } from './linearEngine';

/*
 * What the engines need of a rule, checked with an engine of opaque arrays (test/linearEngine.ts):
 * the rule computes only through `xp` (no element read into JS), its frule's tangent is linear
 * in the input tangents and its pullback linear in the cotangent (no branch on them) — and the
 * results equal those of the float64 reference.
 */

/** A deterministic array of `like`'s shape with entries of both signs. */
function pattern(like: F64Array, offset = 0): F64Array {
  const data = Float64Array.from({ length: like.data.length }, (_, i) => (i % 2 === 0 ? 1 : -1) * (0.4 + 0.13 * ((i + offset) % 5)));
  return new F64Array(data, like.shape);
}

type Options = Record<string, unknown>;

interface Case {
  readonly name: string;
  readonly f: AnyFunction;
  readonly x: F64Array;
  readonly kwargs?: Options;
}

const x = f64([[-0.5, 0.2, 0.9], [1.4, -2, 0.3]]);
const cases: Case[] = [
  { name: 'gaussian', f: gaussian, x, kwargs: { pos: f64([0.1, 0.2, -0.3]), sigma: f64([[0.8], [1.4]]), amplitude: f64(2) } },
  { name: 'gaussianNd', f: gaussianNd, x: f64([[0.1, -0.3], [1.2, 0.4], [-0.7, 2.1]]), kwargs: { pos: f64([0.2, 0.3]), sigma: f64([0.9, 1.6]), amplitude: f64(3) } },
  { name: 'logsumexp', f: logsumexp, x, kwargs: { temperature: f64([[0.7], [1.3]]) } },
  { name: 'logsumexp over axis 0', f: logsumexp, x, kwargs: { axis: 0, temperature: f64(0.6) } },
  { name: 'softmax', f: softmax, x, kwargs: { temperature: f64(0.7) } },
  { name: 'softmax over all', f: softmax, x, kwargs: { axis: null, temperature: f64(1.7) } },
  { name: 'huber', f: huber, x, kwargs: { delta: f64([0.6, 1, 0.25]) } },
  { name: 'layerNorm', f: layerNorm, x, kwargs: { gamma: f64([1, 2, -0.5]), beta: f64([0.1, 0.2, 0.3]), eps: f64(0.05) } },
  { name: 'layerNorm over axis 0', f: layerNorm, x, kwargs: { axis: 0, gamma: f64(1.5), beta: f64([[0.1], [0.2]]), eps: f64(0.01) } },
  { name: 'softplus', f: softplus, x },
  { name: 'sigmoid', f: sigmoid, x },
  { name: 'logit', f: logit, x: f64([0.1, 0.5, 0.93]) },
];

const isArray = (v: unknown): v is F64Array => v instanceof F64Array;
const mapOptions = (kw: Options, to: (v: F64Array, key: string) => unknown): Options =>
  Object.fromEntries(Object.entries(kw).map(([key, v]) => [key, isArray(v) ? to(v, key) : v]));
const differentiable = (kw: Options) => Object.keys(kw).filter((key) => isArray(kw[key]));

/** Calls the contracts in the kwcall form when there are options, the plain form otherwise. */
const callR = (cfg: unknown, c: Case, xv: unknown, kw: Options | undefined) => (kw === undefined ? rrule(cfg as never, c.f, xv) : rrule(cfg as never, kwcall, kw, c.f, xv))!;
const callF = (cfg: unknown, c: Case, xv: unknown, kw: Options | undefined, dx: unknown, dkw: Options) =>
  (kw === undefined ? frule(cfg as never, [NoTangent, dx], c.f, xv) : frule(cfg as never, [NoTangent, new Tangent(dkw), NoTangent, dx], kwcall, kw, c.f, xv))!;

function expectSame(got: unknown, want: unknown, slot: string): void {
  expect(got instanceof Opaque, `${slot} is an array of the engine`).toBe(true);
  const g = toNumbers(Opaque.unwrap(got as Opaque));
  const w = toNumbers(want as F64Array);
  expect(g.length, slot).toBe(w.length);
  g.forEach((v, i) => expect(Math.abs(v - w[i]!), `${slot}[${i}]`).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(w[i]!))));
}

describe('rules under a tracing-like engine (opaque arrays, linearity enforced)', () => {
  let uninstall: () => void = () => {};
  beforeAll(() => {
    uninstall = installAdapter(linearAdapter);
  });
  afterAll(() => uninstall());

  it.each(cases.map((c) => [c.name, c] as const))('%s: the pullback is linear in ȳ and agrees with the reference', (_name, c) => {
    const ref = withReferenceAdapter(() => {
      const [y, pullback] = callR(referenceConfig, c, c.x, c.kwargs);
      return { y: y as F64Array, slots: pullback(pattern(y as F64Array)) };
    });
    const kw = c.kwargs === undefined ? undefined : mapOptions(c.kwargs, primal);
    const [y, pullback] = callR(linearConfig, c, primal(c.x), kw);
    expectSame(y, ref.y, 'y');
    expect((y as Opaque).linear).toBe(false);
    const slots = pullback(tangent(pattern(ref.y)));
    const dx = slots[slots.length - 1];
    expectSame(dx, ref.slots[ref.slots.length - 1], 'x̄');
    expect((dx as Opaque).linear).toBe(true);
    if (c.kwargs !== undefined) {
      const dkw = slots[1] as Tangent<Options>;
      const refKw = ref.slots[1] as Tangent<Options>;
      expect(isTangent(dkw)).toBe(true);
      for (const key of differentiable(c.kwargs)) expectSame(dkw.get(key), refKw.get(key), `kwargs.${key}`);
    }
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: the frule’s tangent is linear in the input tangents and agrees with the reference', (_name, c) => {
    const dkwRef = c.kwargs === undefined ? {} : Object.fromEntries(differentiable(c.kwargs).map((key, i) => [key, pattern(c.kwargs![key] as F64Array, i + 1)]));
    const dxRef = pattern(c.x, 7);
    const [, dyRef] = withReferenceAdapter(() => callF(referenceConfig, c, c.x, c.kwargs, dxRef, dkwRef));
    const kw = c.kwargs === undefined ? undefined : mapOptions(c.kwargs, primal);
    const dkw = mapOptions(dkwRef, tangent);
    const [y, dy] = callF(linearConfig, c, primal(c.x), kw, tangent(dxRef), dkw);
    expect((y as Opaque).linear).toBe(false);
    expectSame(dy, dyRef, 'ẏ');
    expect((dy as Opaque).linear).toBe(true);
    // Each option's tangent alone (the others zero) flows linearly too.
    for (const key of Object.keys(dkw)) {
      const [, alone] = callF(linearConfig, c, primal(c.x), kw, ZeroTangent, { [key]: dkw[key] });
      expect((alone as Opaque).linear).toBe(true);
    }
  });

  it('lennardJones (two outputs): the pullback is linear in each output’s cotangent, the frule linear in every tangent, both as the reference', () => {
    const positions = f64([[0, 0, 0], [1.1, 0.1, -0.2], [0.3, 1.2, 0.4], [-0.9, 0.5, 1.0]]);
    const options = { epsilon: f64(0.7), sigma: f64(0.95) };
    const dEnergy = f64(0.6);
    const dForces = pattern(positions, 3);
    const ref = withReferenceAdapter(() => {
      const [y, pullback] = rrule(referenceConfig, kwcall, options, lennardJones, positions)!;
      const [, dyRef] = frule(referenceConfig, [NoTangent, new Tangent({ epsilon: f64(0.3), sigma: f64(-0.2) }), NoTangent, dForces], kwcall, options, lennardJones, positions)!;
      return { y: y as F64Array[], slots: pullback(new Tangent([dEnergy, dForces] as never)), forcesOnly: pullback(new Tangent([ZeroTangent, dForces] as never)), dy: dyRef as Tangent<F64Array[]> };
    });
    const kw = mapOptions(options, primal);
    const [y, pullback] = rrule(linearConfig as never, kwcall, kw as never, lennardJones, primal(positions) as never)!;
    (y as Opaque[]).forEach((output, i) => expectSame(output, ref.y[i], `y[${i}]`));
    for (const [cotangent, want] of [
      [new Tangent([tangent(dEnergy), tangent(dForces)] as never), ref.slots],
      [new Tangent([ZeroTangent, tangent(dForces)] as never), ref.forcesOnly],
    ] as const) {
      const slots = pullback(cotangent);
      expectSame(slots[3], want[3], 'positions̄');
      expect((slots[3] as Opaque).linear).toBe(true);
      for (const key of ['epsilon', 'sigma']) expectSame((slots[1] as Tangent<Options>).get(key), (want[1] as Tangent<Options>).get(key), `kwargs.${key}`);
    }
    const tangents = [NoTangent, new Tangent({ epsilon: tangent(f64(0.3)) as unknown, sigma: tangent(f64(-0.2)) as unknown }), NoTangent, tangent(dForces)];
    const [, dy] = frule(linearConfig as never, tangents as never, kwcall, kw as never, lennardJones, primal(positions) as never)!;
    [0, 1].forEach((i) => {
      const part = (dy as Tangent<Opaque[]>).get(i);
      expectSame(part, ref.dy.get(i), `ẏ[${i}]`);
      expect((part as unknown as Opaque).linear).toBe(true);
    });
  });

  it('catches a rule that branches on a tangent (the check itself can fail)', () => {
    const c = cases.find((candidate) => candidate.name === 'huber')!;
    expect(() => linearConfig.xp.lessEqual(tangent(c.x), 1)).toThrow(/not linear/);
    expect(() => linearConfig.xp.multiply(tangent(c.x), tangent(c.x))).toThrow(/two values/);
    expect(() => Number(primal(c.x))).toThrow(/opaque/);
  });
});
