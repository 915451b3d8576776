import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NoTangent, Tangent, ZeroTangent, defineRule, isZero, kw, namespaceOf, notImplemented, scale } from '@chainrules/core';
import { f64, isRuleCheckError, testFrule, testRrule } from '../src/index';
import type { F64Array, RuleCheckKind } from '../src/index';

/*
 * Wrong rules that are easy to get past a weaker checker: each must fail, at the right slot.
 * And correct rules in awkward places that a stricter checker must not fail.
 */
function failure(run: () => unknown): { kind: RuleCheckKind; slot: string | undefined; message: string } {
  try {
    run();
  } catch (error) {
    if (isRuleCheckError(error)) return { kind: error.kind, slot: error.slot, message: error.message };
    throw error;
  }
  throw new Error('the check passed a rule it should have failed');
}

const relu = (x: F64Array) => f64(x.data.map((v) => (v > 0 ? v : 0)), x.shape);

describe('rules that write to what they are given', () => {
  it('a pullback that masks ȳ in place', () => {
    const reluInPlace = defineRule(relu, {
      name: 'reluInPlace',
      rrule: (_cfg, _o, x) => [relu(x), (dy) => {
        const d = dy as F64Array;
        x.data.forEach((v, i) => { if (!(v > 0)) d.data[i] = 0; });
        return { args: [d] };
      }],
    });
    expect(failure(() => testRrule(reluInPlace, [f64([0.5, -0.3, 1.2, -2])]))).toMatchObject({ kind: 'mutation', slot: 'ȳ' });
  });

  it('an frule that centres ẋ in place', () => {
    const centre = (x: F64Array) => { const m = x.data.reduce((s, v) => s + v, 0) / x.data.length; return f64(x.data.map((v) => v - m), x.shape); };
    const centreInPlace = defineRule(centre, {
      name: 'centreInPlace',
      frule: (_cfg, { args: [dx] }, _o, x) => {
        if (isZero(dx)) return [centre(x), dx];
        const d = dx as F64Array;
        const m = d.data.reduce((s, v) => s + v, 0) / d.data.length;
        d.data.forEach((v, i) => (d.data[i] = v - m));
        return [centre(x), d];
      },
    });
    expect(failure(() => testFrule(centreInPlace, [f64([1, 2, 4])]))).toMatchObject({ kind: 'mutation', slot: 'ẋ' });
  });

  it('a plain function that changes its input is reported as the function’s doing', () => {
    const grabby = defineRule((x: F64Array) => { x.data[0] = 0; return x.data[1]!; }, { name: 'grabby', rrule: (_c, _o, x) => [x.data[1]!, (dy) => ({ args: [f64([0, dy as number])] })] });
    const found = failure(() => testRrule(grabby, [f64([1, 2])]));
    expect(found).toMatchObject({ kind: 'mutation', slot: 'args[0][0]' });
    expect(found.message).toContain('the function itself changed');
  });
});

describe('small and uneven derivatives', () => {
  it('a wrong sign on a derivative of size 1e-9 or 1e-11', () => {
    const tiny = defineRule((x: number) => 1e-9 * Math.sin(x), { name: 'tiny', rrule: (_c, _o, x) => [1e-9 * Math.sin(x), (dy) => ({ args: [-1e-9 * Math.cos(x) * dy] })] });
    expect(failure(() => testRrule(tiny, [0.4]))).toMatchObject({ kind: 'cotangent', slot: 'args[0]' });
    const tail = defineRule((x: number) => Math.exp(-x), { name: 'tail', rrule: (_c, _o, x) => [Math.exp(-x), (dy) => ({ args: [Math.exp(-x) * dy] })] });
    expect(failure(() => testRrule(tail, [25]))).toMatchObject({ kind: 'cotangent', slot: 'args[0]' });
  });

  it('one wrong element next to a large one, one wrong field next to a large one', () => {
    const cube = (x: F64Array) => f64(x.data.map((v) => v ** 3 / 3), x.shape);
    const cubeWrong = defineRule(cube, { name: 'cubeWrong', rrule: (_c, _o, x) => [cube(x), (dy) => ({ args: [f64((dy as F64Array).data.map((d, i) => (i === 1 ? -1 : 1) * d * x.data[i]! ** 2), x.shape)] })] });
    expect(failure(() => testRrule(cubeWrong, [f64([1e4, 1])]))).toMatchObject({ kind: 'cotangent', slot: 'args[0][1]' });
    const weighted = defineRule((p: { a: number; b: number }) => 1e10 * p.a + p.b, { name: 'weighted', rrule: (_c, _o, p) => [1e10 * p.a + p.b, (dy) => ({ args: [new Tangent<typeof p>({ a: 1e10 * dy, b: -dy })] })] });
    expect(failure(() => testRrule(weighted, [{ a: 1, b: 2 }]))).toMatchObject({ kind: 'cotangent', slot: 'args[0].b' });
  });

  it('a kink is reported as one, whether the rule’s slope is right or wrong', () => {
    const reluScalar = (slope: number) => defineRule((x: number) => Math.max(x, 0), { name: `relu${slope}`, rrule: (_c, _o, x) => [Math.max(x, 0), (dy) => ({ args: [x > 0 ? slope * dy : 0] })] });
    for (const slope of [1, 0.5]) {
      const found = failure(() => testRrule(reluScalar(slope), [1e-12]));
      expect(found).toMatchObject({ kind: 'cotangent', slot: 'args[0]' });
      expect(found.message).toContain('not differentiable here');
    }
    testRrule(reluScalar(1), [0.3]); // away from the kink, the right slope passes
  });
});

describe('rules that are right only where the checker looks', () => {
  it('an frule whose primal is wrong once a tangent is nonzero', () => {
    const sly = defineRule((x: number) => x * x, { name: 'sly', frule: (_c, { args: [dx] }, _o, x) => (isZero(dx) ? [x * x, dx] : [x * x + 1, scale(2 * x, dx)]) });
    expect(failure(() => testFrule(sly, [1.3]))).toMatchObject({ kind: 'primal', slot: 'y' });
  });

  it('a pullback that reads state the next rrule call changes', () => {
    let last = 0;
    const stale = defineRule((x: number) => x * x, { name: 'stale', rrule: (_c, _o, x) => { last = x; return [x * x, (dy) => ({ args: [2 * last * dy] })]; } });
    expect(failure(() => testRrule(stale, [1.3]))).toMatchObject({ kind: 'cotangent' });
  });

  it('a pullback that ignores ȳ, even when the caller picks ȳ = 1; a zero ȳ is refused', () => {
    const deaf = defineRule((x: number) => x ** 3, { name: 'deaf', rrule: (_c, _o, x) => [x ** 3, () => ({ args: [3 * x * x] })] });
    expect(failure(() => testRrule(deaf, [0.7], { cotangent: 1 }))).toMatchObject({ kind: 'cotangent', slot: 'args[0]' });
    const cube = defineRule((x: number) => x ** 3, { name: 'cube', rrule: (_c, _o, x) => [x ** 3, (dy) => ({ args: [3 * x * x * dy] })] });
    expect(failure(() => testRrule(cube, [0.7], { cotangent: 0 }))).toMatchObject({ kind: 'tangent-kind', slot: 'ȳ' });
    expect(failure(() => testRrule(cube, [0.7], { cotangent: f64([1, 2]) }))).toMatchObject({ kind: 'tangent-kind', slot: 'ȳ' });
  });
});

describe('the structure of tangents', () => {
  const pairRule = (tangent: (dy: number) => unknown) =>
    defineRule((p: { x: number; label: string }) => 2 * p.x, { name: 'pairRule', rrule: (_c, _o, p) => [2 * p.x, (dy) => ({ args: [tangent(dy) as never] })] });

  it('a record’s Tangent holds its own fields only, NoTangent (or nothing) for static ones', () => {
    testRrule(pairRule((dy) => new Tangent({ x: 2 * dy })), [{ x: 1, label: 'a' }]);
    testRrule(pairRule((dy) => new Tangent({ x: 2 * dy, label: NoTangent })), [{ x: 1, label: 'a' }]);
    expect(failure(() => testRrule(pairRule((dy) => new Tangent({ x: 2 * dy, z: 5 })), [{ x: 1, label: 'a' }]))).toMatchObject({ kind: 'tangent-kind', slot: 'args[0].z' });
    expect(failure(() => testRrule(pairRule((dy) => new Tangent({ x: 2 * dy, label: ZeroTangent })), [{ x: 1, label: 'a' }]))).toMatchObject({ kind: 'zero-kind', slot: 'args[0].label' });
    // A number for a record: core refuses it itself.
    expect(failure(() => testRrule(pairRule((dy) => 2 * dy), [{ x: 1, label: 'a' }]))).toMatchObject({ kind: 'rule-error', slot: 'args[0]' });
  });

  it('a tuple’s Tangent is backed by an array', () => {
    const sumPair = (tangent: (dy: number) => unknown) => defineRule((p: [number, number]) => p[0] + p[1], { name: 'sumPair', rrule: (_c, _o, p) => [p[0] + p[1], (dy) => ({ args: [tangent(dy) as never] })] });
    testRrule(sumPair((dy) => new Tangent([dy, dy] as never)), [[1, 2]]);
    expect(failure(() => testRrule(sumPair((dy) => new Tangent({ 0: dy, 1: dy } as never)), [[1, 2]]))).toMatchObject({ kind: 'tangent-kind', slot: 'args[0]' });
  });

  it('a number is not the cotangent of an array of shape [1] (core refuses to broadcast it up)', () => {
    const first = defineRule((x: F64Array) => 3 * x.data[0]!, { name: 'first', rrule: (_c, _o, x) => [3 * x.data[0]!, (dy) => ({ args: [3 * (dy as number)] as never })] });
    const found = failure(() => testRrule(first, [f64([2])]));
    expect(found).toMatchObject({ kind: 'rule-error', slot: 'args[0]' });
    expect(found.message).toContain('wrong-shape');
  });

  it('an frule’s record output tangent holds the output’s fields', () => {
    const split = defineRule((x: number) => ({ s: 2 * x, t: x * x }), { name: 'split', frule: (_c, { args: [dx] }, _o, x) => [{ s: 2 * x, t: x * x }, new Tangent({ s: scale(2, dx), t: scale(2 * x, dx), u: 1 })] });
    expect(failure(() => testFrule(split, [1.5]))).toMatchObject({ kind: 'tangent-kind', slot: 'y.u' });
  });
});

describe('correct rules in awkward places pass', () => {
  it('a record argument next to a kwargs schema (with kwargs given), and a clear message without', () => {
    const withOptions = defineRule((p: { x: number }, { k = 2 }: { k?: number } = {}) => k * p.x, {
      name: 'withOptions',
      kwargs: z.object({ k: kw.diff<number>().default(2) }),
      rrule: (_c, { k }, p) => [k * p.x, (dy) => ({ args: [new Tangent<typeof p>({ x: k * dy })], kwargs: new Tangent({ k: dy * p.x }) })],
    });
    testRrule(withOptions, [{ x: 2 }], { kwargs: {} });
    const found = failure(() => testRrule(withOptions, [{ x: 2 }]));
    expect(found).toMatchObject({ kind: 'rule-error', slot: 'args[0]' });
    expect(found.message).toContain('kwargs: {}');
  });

  it('a count inside a record, marked by its path', () => {
    const powered = defineRule((p: { x: number; n: number }) => p.x ** p.n, {
      name: 'powered',
      rrule: (_c, _o, p) => [p.x ** p.n, (dy) => ({ args: [new Tangent<typeof p>({ x: dy * p.n * p.x ** (p.n - 1), n: NoTangent })] })],
    });
    testRrule(powered, [{ x: 1.5, n: 3 }], { nonDifferentiable: [[0, 'n']] });
    expect(failure(() => testRrule(powered, [{ x: 1.5, n: 3 }]))).toMatchObject({ kind: 'zero-kind', slot: 'args[0].n' });
  });

  it('a function argument with a zero tangent', () => {
    // Typed as NoTangent; core (and the check) also take a zero for a function's captured state.
    const apply = defineRule((g: (x: number) => number, x: number) => 2 * x + g(0), { name: 'apply', rrule: (_c, _o, g, x) => [2 * x + g(0), (dy) => ({ args: [ZeroTangent as never, 2 * dy] })] });
    testRrule(apply, [() => 1, 0.5]);
  });

  it('sin far from 0 (the step is not scaled by the point)', () => {
    const sin = defineRule((x: number) => Math.sin(x), { name: 'sin', rrule: (_c, _o, x) => [Math.sin(x), (dy) => ({ args: [Math.cos(x) * dy] })] });
    testRrule(sin, [2e4]);
    testRrule(defineRule((x: F64Array) => x.data.reduce((s, v) => s + Math.sin(v), 0), { name: 'sinSum', rrule: (_c, _o, x) => [x.data.reduce((s, v) => s + Math.sin(v), 0), (dy) => ({ args: [f64(x.data.map((v) => Math.cos(v) * (dy as number)), x.shape)] })] }), [f64([500, 0.3])]);
  });

  it('a namespace-written rule on mixed numbers and 0-d arrays', () => {
    const mul = defineRule((a: number, b: number) => namespaceOf(a, b).multiply(a, b), { name: 'mul', rrule: (cfg, _o, a, b) => [cfg.xp.multiply(a, b), (dy) => ({ args: [cfg.xp.multiply(dy, b), cfg.xp.multiply(dy, a)] })] });
    testRrule(mul, [f64(2) as never, 3]);
  });

  describe('values of very different sizes, features finer than the step, domain edges (seeds 1–6)', () => {
    const seeds = [1, 2, 3, 4, 5, 6];
    const elementwise = (name: string, f: (v: number) => number, df: (v: number) => number) =>
      defineRule((x: F64Array) => f64(x.data.map(f), x.shape), { name, rrule: (_c, _o, x) => [f64(x.data.map(f), x.shape), (dy) => ({ args: [f64((dy as F64Array).data.map((d, i) => d * df(x.data[i]!)), x.shape)] })] });
    const scalar = (name: string, f: (v: number) => number, df: (v: number) => number) =>
      defineRule((x: number) => f(x), { name, rrule: (_c, _o, x) => [f(x), (dy) => ({ args: [dy * df(x)] })] });

    it('an element next to a far larger one; an output with a large constant part', () => {
      const cube = elementwise('cube', (v) => v ** 3 / 3, (v) => v * v);
      const exp = elementwise('exp', Math.exp, Math.exp);
      const weighted = defineRule((p: { a: number; b: number }) => 1e10 * p.a + p.b, { name: 'weightedRight', rrule: (_c, _o, p) => [1e10 * p.a + p.b, (dy) => ({ args: [new Tangent<typeof p>({ a: 1e10 * dy, b: dy })] })] });
      const offset = scalar('offset', (v) => 1e9 + v * v, (v) => 2 * v);
      for (const seed of seeds) {
        testRrule(cube, [f64([1e4, 1])], { seed });
        testRrule(exp, [f64([-5, -1.4, 2.1, 5.7, 9.3, 12.9, 16.4, 20])], { seed });
        testRrule(weighted, [{ a: 1, b: 2 }], { seed });
        testRrule(offset, [0.3], { seed });
      }
    });

    it('a break in the second derivative near an element (Huber), a narrow peak, a tight sample', () => {
      const huber = elementwise('huber', (v) => (Math.abs(v) <= 1 ? v * v / 2 : Math.abs(v) - 0.5), (v) => (Math.abs(v) <= 1 ? v : Math.sign(v)));
      const peak = elementwise('peak', (v) => Math.exp(-((v - 0.25) ** 2) / (2 * 0.01)), (v) => (-(v - 0.25) / 0.01) * Math.exp(-((v - 0.25) ** 2) / (2 * 0.01)));
      for (const seed of seeds) {
        testRrule(huber, [f64([0.3, -1.7, 0.997])], { seed });
        testRrule(peak, [f64([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])], { seed });
      }
    });

    it('near the edge of the domain, a function that throws outside it, inputs as large as timestamps', () => {
      const log = scalar('log', Math.log, (v) => 1 / v);
      const safeLog = scalar('safeLog', (v) => { if (v <= 0) throw new RangeError(`log needs x > 0, got ${v}`); return Math.log(v); }, (v) => 1 / v);
      const daily = scalar('daily', (t) => Math.sin((2 * Math.PI * t) / 86400), (t) => ((2 * Math.PI) / 86400) * Math.cos((2 * Math.PI * t) / 86400));
      for (const seed of seeds) {
        testRrule(log, [0.01], { seed });
        testRrule(safeLog, [0.01], { seed });
        testRrule(daily, [1.7e9], { seed });
      }
    });
  });
});

describe('user strings in a failure', () => {
  // eslint-disable-next-line no-control-regex -- the control characters are what it finds
  const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/;

  it('a rule name and a record key with control characters reach the RuleCheckError escaped', () => {
    const key = 'k\u001b[2J\u202e';
    const wrong = defineRule((p: Record<string, number>) => 2 * p[key]!, {
      name: 'evil\u001b]0;title\u0007',
      rrule: (_c, _o, p) => [2 * p[key]!, (dy) => ({ args: [new Tangent<Record<string, number>>({ [key]: 3 * dy })] })], // should be 2·ȳ
    });
    const found = failure(() => testRrule(wrong, [{ [key]: 1.5 }]));
    expect(found.kind).toBe('cotangent');
    expect(found.slot).toBe('args[0].k\\u001b[2J\\u202e');
    expect(UNSAFE.test(found.message), JSON.stringify(found.message)).toBe(false);
    expect(found.message).toContain('evil\\u001b]0;title\\u0007');
  });
});

describe('derivatives a rule leaves unimplemented', () => {
  it('are set aside and reported, the other slots still checked (a wrong one still fails)', () => {
    const solve = (slope: number) =>
      defineRule((x: number, { tol = 1e-6 }: { tol?: number } = {}) => 2 * x + 0 * tol, {
        name: 'solve',
        kwargs: z.object({ tol: kw.diff<number>().default(1e-6) }),
        rrule: (_c, _o, x) => [2 * x, (dy) => ({ args: [slope * dy], kwargs: new Tangent({ tol: notImplemented('tol has no derivative here') }) })],
      });
    const report = testRrule(solve(2), [1.5], { kwargs: { tol: 1e-3 } });
    expect(report.checks).toContain('not implemented kwargs.tol (tol has no derivative here)');
    expect(report.checks).toContain('cotangent args[0]');
    expect(report.checks).not.toContain('cotangent kwargs.tol');
    expect(failure(() => testRrule(solve(3), [1.5], { kwargs: { tol: 1e-3 } }))).toMatchObject({ kind: 'cotangent', slot: 'args[0]' });
  });
});
