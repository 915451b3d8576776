import { describe, expect, it } from 'vitest';
import { NoTangent, Tangent, ZeroTangent, frule, isRuleError, kwcall, numberConfig, rrule } from '@chainrules/core';
import { f64, referenceConfig, testFrule, testRrule, withReferenceAdapter } from '@chainrules/testing';
import type { F64Array } from '@chainrules/testing';
import { findRoot, fixedPoint } from '../src/index';

const cosMap = (x: number, a: number) => Math.cos(a * x);

/** A contraction on R³: g(x, p) = ½·tanh(W·x) + p, with |∂g/∂x| ≤ ½‖W‖ < 1. */
const W = [
  [0.6, -0.3, 0.2],
  [0.1, 0.5, -0.4],
  [-0.2, 0.3, 0.7],
];
const matvec = (x: ArrayLike<number>) => W.map((row) => row.reduce((s, w, j) => s + w * x[j]!, 0));
const tanhMap = (x: F64Array, p: F64Array) => f64(matvec(x.data).map((u, i) => 0.5 * Math.tanh(u) + p.data[i]!));

function code(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (isRuleError(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe('fixedPoint: the plain function', () => {
  it('iterates to x* = g(x*, params)', () => {
    const x = fixedPoint(cosMap, 0, { params: 1 });
    expect(Math.abs(x - Math.cos(x))).toBeLessThan(1e-10);
    const v = withReferenceAdapter(() => fixedPoint(tanhMap, f64([0, 0, 0]), { params: f64([0.3, -0.2, 0.5]) }));
    const again = tanhMap(v, f64([0.3, -0.2, 0.5]));
    v.data.forEach((e, i) => expect(Math.abs(e - again.data[i]!)).toBeLessThan(1e-9));
  });

  it('refuses, coded, to return an iterate that did not converge', () => {
    expect(code(() => fixedPoint(cosMap, 0, { params: 1, maxIter: 5 }))).toBe('not-converged');
    // g(x) = 2x + 1 runs away: a non-finite step stops it early, with the same code.
    expect(code(() => fixedPoint((x: number) => 2 * x + 1, 1, { maxIter: 5000 }))).toBe('not-converged');
    expect(code(() => fixedPoint(cosMap, 0, { params: 1, tol: 0 }))).toBe('invalid-option');
    expect(code(() => fixedPoint(cosMap, 0, { params: 1, maxIter: 2.5 }))).toBe('invalid-option');
  });
});

describe('fixedPoint: the implicit rule, in float64 against finite differences', () => {
  it('numbers: testRrule and testFrule, through rruleViaAd / fruleViaAd by finite differences', () => {
    const report = testRrule(fixedPoint, [cosMap, 0.2], { kwargs: { params: 0.8, tol: 1e-12 } });
    expect(report.checks).toEqual(expect.arrayContaining(['cotangent kwargs.params']));
    testFrule(fixedPoint, [cosMap, 0.2], { kwargs: { params: 0.8, tol: 1e-12 } });
  });

  it('arrays: a contraction on R³ with a vector of params', () => {
    const args = [tanhMap, f64([0, 0, 0])];
    testRrule(fixedPoint, args, { kwargs: { params: f64([0.3, -0.2, 0.5]), tol: 1e-12 } });
    testFrule(fixedPoint, args, { kwargs: { params: f64([0.3, -0.2, 0.5]), tol: 1e-12 } });
  });

  it('params as a record of arrays (and a list): its cotangent a Tangent of the same shape, checked by finite differences', () => {
    // g(x, { w, p }) = ½·tanh(w ⊙ (W·x)) + p: what g depends on, all in params.
    const byRecord = (x: F64Array, { w, p }: { w: F64Array; p: F64Array }) => f64(matvec(x.data).map((u, i) => 0.5 * Math.tanh(w.data[i]! * u) + p.data[i]!));
    const params = { w: f64([1, 0.8, 1.2]), p: f64([0.3, -0.2, 0.5]) };
    const report = testRrule(fixedPoint, [byRecord, f64([0, 0, 0])], { kwargs: { params, tol: 1e-12 } });
    expect(report.checks).toEqual(expect.arrayContaining(['cotangent kwargs.params.w', 'cotangent kwargs.params.p']));
    testFrule(fixedPoint, [byRecord, f64([0, 0, 0])], { kwargs: { params, tol: 1e-12 } });
    const dparams = withReferenceAdapter(() => {
      const [, pullback] = rrule(referenceConfig as never, kwcall, { params, tol: 1e-12 }, fixedPoint, byRecord, f64([0, 0, 0]))!;
      return (pullback(f64([1, 1, 1]))[1] as Tangent).get('params') as Tangent;
    });
    expect(dparams.keys()).toEqual(['w', 'p']);
    // A list of a number and an array, nested in a record.
    const byList = (x: number, { ab: [a, b] }: { ab: [number, F64Array] }) => Math.cos(a * x) * b.data[0]!;
    testRrule(fixedPoint, [byList, 0.2], { kwargs: { params: { ab: [0.8, f64([0.9])] }, tol: 1e-12 } });
    testFrule(fixedPoint, [byList, 0.2], { kwargs: { params: { ab: [0.8, f64([0.9])] }, tol: 1e-12 } });
  });

  it('x0 gets ZeroTangent, g NoTangent, params a Tangent in the options slot', () => {
    const [, pullback] = rrule(referenceConfig as never, kwcall, { params: 0.8 }, fixedPoint, cosMap, 0.2)!;
    const [kwcallSlot, kwSlot, self, g, x0] = pullback(1);
    expect([kwcallSlot, self, g, x0]).toEqual([NoTangent, NoTangent, NoTangent, ZeroTangent]);
    expect((kwSlot as Tangent).keys()).toEqual(['params']);
  });

  it('agrees with the derivative of the unrolled iteration (forward mode by hand)', () => {
    // dx_{k+1}/da = −sin(a·x_k)·(x_k + a·dx_k/da), 300 times from x_0 = 0.
    const a = 0.8;
    let x = 0;
    let dx = 0;
    for (let k = 0; k < 300; k++) [x, dx] = [Math.cos(a * x), -Math.sin(a * x) * (x + a * dx)];
    const [y, pullback] = rrule(referenceConfig as never, kwcall, { params: a, tol: 1e-13 }, fixedPoint, cosMap, 0)!;
    expect(Math.abs((y as number) - x)).toBeLessThan(1e-13);
    const da = (pullback(1)[1] as Tangent).get('params') as number;
    expect(Math.abs(da - dx)).toBeLessThan(1e-8);

    // R³: ∂⟨w, x*⟩/∂p by the unrolled tangent recursion, one unit direction of p at a time.
    const p = [0.3, -0.2, 0.5];
    const w = [1, -2, 0.5];
    const unrolled = p.map((_, i) => {
      let v = [0, 0, 0];
      let t = [0, 0, 0];
      for (let k = 0; k < 300; k++) {
        const u = matvec(v);
        const wt = matvec(t);
        [v, t] = [u.map((ui, r) => 0.5 * Math.tanh(ui) + p[r]!), u.map((ui, r) => 0.5 * (1 - Math.tanh(ui) ** 2) * wt[r]! + (r === i ? 1 : 0))];
      }
      return t.reduce((s, ti, r) => s + w[r]! * ti, 0);
    });
    const grads = withReferenceAdapter(() => {
      const [, back] = rrule(referenceConfig as never, kwcall, { params: f64(p), tol: 1e-14 }, fixedPoint, tanhMap, f64([0, 0, 0]))!;
      return Array.from(((back(f64(w))[1] as Tangent).get('params') as F64Array).data);
    });
    grads.forEach((g, i) => expect(Math.abs(g - unrolled[i]!)).toBeLessThan(1e-8));
  });

  it('refuses to run its rule under a config with no rruleViaAd', () => {
    expect(code(() => rrule(numberConfig as never, kwcall, { params: 1 }, fixedPoint, cosMap, 0))).toBe('unsupported');
    expect(code(() => frule(numberConfig as never, [NoTangent, new Tangent({ params: 1 }), NoTangent, NoTangent, 0] as never, kwcall, { params: 1 }, fixedPoint, cosMap, 0))).toBe('unsupported');
  });

  it('refuses an adjoint iteration that does not converge', () => {
    // Converges forward from the fixed point itself (x0 = x*), but |∂g/∂x| = 1.5 > 1: the adjoint diverges.
    const expanding = (x: number, a: number) => 1.5 * x + a;
    const [, pullback] = rrule(referenceConfig as never, kwcall, { params: 1, maxIter: 50 }, fixedPoint, expanding, -2)!;
    let caught: unknown;
    try {
      pullback(1);
    } catch (error) {
      caught = error;
    }
    expect(isRuleError(caught) && { code: caught.code, rule: caught.rule, slot: caught.slot }).toEqual({ code: 'not-converged', rule: 'fixedPoint', slot: 'args[1]' });
  });

  it('treats a value g closes over as a constant: its derivative is lost (why params exist)', () => {
    // g closes over c. Through params, ∂x*/∂c is found; closed over, nothing can see it.
    const c = 0.8;
    const closed = (x: number) => Math.cos(c * x);
    const [, pullback] = rrule(referenceConfig as never, fixedPoint, closed, 0)!;
    expect(pullback(1)).toEqual([NoTangent, NoTangent, ZeroTangent]);
  });
});

describe('findRoot', () => {
  const square = (x: number, a: number) => x * x - a;

  it('finds a simple root by the secant method, and refuses to run away', () => {
    expect(Math.abs(findRoot(square, 1, { params: 2 }) - Math.SQRT2)).toBeLessThan(1e-12);
    expect(code(() => findRoot((x: number) => x * x + 1, 0.5, { maxIter: 50 }))).toBe('not-converged');
    expect(code(() => withReferenceAdapter(() => findRoot((x: F64Array) => x, f64([1, 2]))))).toBe('wrong-shape');
  });

  it('has the implicit derivative −(∂f/∂x)⁻¹·∂f/∂params, checked by finite differences', () => {
    testRrule(findRoot, [square, 1], { kwargs: { params: 2, tol: 1e-14 } });
    testFrule(findRoot, [square, 1], { kwargs: { params: 2, tol: 1e-14 } });
    // x·eˣ = p·q on arrays: a one-element unknown, a vector of params.
    const lambert = (x: F64Array, p: F64Array) => f64([x.data[0]! * Math.exp(x.data[0]!) - p.data[0]! * p.data[1]!]);
    testRrule(findRoot, [lambert, f64([0.5])], { kwargs: { params: f64([1.5, 0.8]), tol: 1e-14 } });
    testFrule(findRoot, [lambert, f64([0.5])], { kwargs: { params: f64([1.5, 0.8]), tol: 1e-14 } });
  });

  it('takes params as a record: x² = a·b, each field its own cotangent', () => {
    const product = (x: number, { a, b }: { a: number; b: number }) => x * x - a * b;
    testRrule(findRoot, [product, 1], { kwargs: { params: { a: 2, b: 1.5 }, tol: 1e-14 } });
    testFrule(findRoot, [product, 1], { kwargs: { params: { a: 2, b: 1.5 }, tol: 1e-14 } });
    const [, pullback] = rrule(referenceConfig as never, kwcall, { params: { a: 2, b: 1.5 }, tol: 1e-14 }, findRoot, product, 1)!;
    const d = (pullback(1)[1] as Tangent).get('params') as Tangent<{ a: number; b: number }>;
    // x* = √(ab): ∂x*/∂a = b / (2√(ab)), ∂x*/∂b = a / (2√(ab)).
    expect(Math.abs((d.get('a') as number) - 1.5 / (2 * Math.sqrt(3)))).toBeLessThan(1e-9);
    expect(Math.abs((d.get('b') as number) - 2 / (2 * Math.sqrt(3)))).toBeLessThan(1e-9);
  });

  it('agrees with the closed form d√a/da = 1/(2√a)', () => {
    const [, pullback] = rrule(referenceConfig as never, kwcall, { params: 2, tol: 1e-14 }, findRoot, square, 1)!;
    expect(Math.abs(((pullback(1)[1] as Tangent).get('params') as number) - 1 / (2 * Math.SQRT2))).toBeLessThan(1e-9);
  });
});
