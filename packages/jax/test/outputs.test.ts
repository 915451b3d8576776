import { beforeEach, describe, expect, it } from 'vitest';
import { DType, grad, hessian, jit, jvp, numpy as np, valueAndGrad, vjp, vmap } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { NoTangent, Tangent, ZeroTangent, defineRule, isRuleError, namespaceOf, scale } from '@chainrules/core';
import { counted, forces, rcounted, received, resetTally, rforces, rstats, stats, tally } from './support/structure';
import { errorOf, js, useJax } from './support/setup';

// Rules whose output is a tuple ([energy, forces]) or a record ({ value, aux }) under every
// jax-js transformation. Each rule has a twin with only an rrule (its pullback traced by the
// adapter); the tallies show which path ran, and that the plain function never did.

type Pair = [JaxArray, JaxArray];
type Rec = { value: JaxArray; aux: JaxArray };
const W = [1, -1, 2];
const wts = (): JaxArray => np.array(W);
const xs = (): JaxArray => np.array([1, 2, 3]);
/** Both outputs of forces in one scalar: E + Σ F·w. */
const viaForces = (f: typeof forces) => (x: JaxArray, o: { k: JaxArray }): JaxArray => {
  const [e, F] = f(x, o);
  return np.add(e, np.sum(np.multiply(F, wts())));
};
/** Both outputs of stats in one scalar: value + Σ aux·w. */
const viaStats = (f: typeof stats) => (x: JaxArray): JaxArray => {
  const { value, aux } = f(x) as Rec;
  return np.add(value, np.sum(np.multiply(aux, wts())));
};
const both = [
  ['frule', forces, stats],
  ['rrule only', rforces, rstats],
] as const;

describe('several outputs: a tuple or a record', () => {
  useJax();
  beforeEach(() => resetTally());

  for (const [path, f, s] of both) {
    it(`${path}: grad of a loss of both outputs of a tuple, w.r.t. x and an option (E = kΣx², F = −2kx)`, () => {
      const g = grad(viaForces(f), { argnums: [0, 1] })(xs(), { k: np.array(1.5) });
      expect(js(g[0])).toEqual([0, 9, 3]); // 2kx − 2kw
      expect(js((g[1] as { k: JaxArray }).k)).toBeCloseTo(4, 4); // Σx² − 2Σx·w
      expect(tally.impl).toBe(0);
      expect(tally.frule + tally.rrule).toBe(1);
    });

    it(`${path}: grad of a loss of both outputs of a record ({ value: Σx³, aux: 2x })`, () => {
      expect(js(grad(viaStats(s))(xs()))).toEqual([5, 10, 31]); // 3x² + 2w
      expect(tally.impl).toBe(0);
    });

    it(`${path}: valueAndGrad, vjp with the tuple as the output, jvp with the record as the output`, () => {
      const [v, g] = valueAndGrad(viaStats(s))(xs());
      expect([js(v), js(g)]).toEqual([36 + 2 * 5, [5, 10, 31]]);
      const [[e, F], back] = vjp((x: JaxArray) => f(x, { k: np.array(2) }), [xs()]) as unknown as [Pair, ((ct: Pair) => JaxArray[]) & { dispose(): void }];
      expect([js(e), js(F)]).toEqual([28, [-4, -8, -12]]);
      const [xbar] = back([np.array(0.5), np.array([1, 0, -1])]);
      back.dispose();
      expect(js(xbar)).toEqual([-2, 4, 10]); // 2kx·Ē − 2k·F̄
      const [y, dy] = jvp((x: JaxArray) => s(x), [xs()], [np.array([1, 0, 2])]) as unknown as [Rec, Rec];
      expect([js(y.value), js(y.aux)]).toEqual([36, [2, 4, 6]]);
      expect([js(dy.value), js(dy.aux)]).toEqual([57, [2, 0, 4]]); // Σ3x²ẋ, 2ẋ
      expect(tally.impl).toBe(0);
    });

    it(`${path}: outputs that do not reach the loss — the energy alone, the forces alone, the aux alone`, () => {
      expect(js(grad((x: JaxArray) => f(x, { k: np.array(1.5) })[0])(xs()))).toEqual([3, 6, 9]);
      expect(js(grad((x: JaxArray) => np.sum(np.multiply(f(x, { k: np.array(1.5) })[1], wts())))(xs()))).toEqual([-3, 3, -6]);
      expect(js(grad((x: JaxArray) => np.sum((s(x) as Rec).aux))(xs()))).toEqual([2, 2, 2]);
      expect(tally.impl).toBe(0);
    });

    it(`${path}: jit — grad(jit(f)), jit(grad(f)), a jitted tree output, second order through jit; the third refused`, () => {
      const k = (): { k: JaxArray } => ({ k: np.array(1.5) });
      expect(js(grad(jit((x: JaxArray) => viaForces(f)(x, k())))(xs()))).toEqual([0, 9, 3]);
      expect(js(jit(grad((x: JaxArray) => viaForces(f)(x, k())))(xs()))).toEqual([0, 9, 3]);
      const jf = jit((x: JaxArray) => s(x));
      const out = jf(xs()) as unknown as Rec;
      expect([js(out.value), js(out.aux)]).toEqual([36, [2, 4, 6]]);
      jf.dispose();
      // Σx³ + Σ 2x·w: the second derivative is 6x on the diagonal.
      expect(js(hessian(jit(viaStats(s)))(xs()))).toEqual([[6, 0, 0], [0, 12, 0], [0, 0, 18]]);
      const third = errorOf(() => grad(grad(grad(jit((x: JaxArray) => (s(x) as Rec).value))))(np.array(2)));
      expect(isRuleError(third)).toBe(true);
      expect(third).toMatchObject({ code: 'unsupported', rule: s === stats ? 'stats' : 'rstats' });
      expect(js(jit(grad(grad(grad((x: JaxArray) => (s(x) as Rec).value))))(np.array(2)))).toBeCloseTo(6, 3);
      expect(tally.impl).toBe(0);
    });

    it(`${path}: vmap — a vmapped tree output, grad of a vmapped loss, vmap(grad), k closed over from the enclosing grad`, () => {
      const rows = (): JaxArray => np.array([[1, 2, 3], [2, 1, -1]]);
      const [E, F] = vmap((x: JaxArray) => f(x, { k: np.array(2) }))(rows()) as unknown as Pair;
      expect([js(E), js(F)]).toEqual([[28, 12], [[-4, -8, -12], [-8, -4, 4]]]);
      expect(tally.impl).toBe(1); // vmap alone differentiates nothing: the plain function
      resetTally();
      const loss = (x: JaxArray): JaxArray => np.sum(vmap(viaStats(s))(x));
      expect(js(grad(loss)(rows()))).toEqual([[5, 10, 31], [14, 1, 7]]);
      expect(js(vmap(grad(viaStats(s)))(rows()))).toEqual([[5, 10, 31], [14, 1, 7]]);
      // d/dk of Σ_rows E(row) + Σ F·w with k closed over inside vmap: Σ_rows (Σx² − 2Σx·w)
      const byK = (kk: JaxArray): JaxArray => np.sum(vmap((x: JaxArray) => viaForces(f)(x, { k: kk }))(rows()));
      expect(js(grad(byK)(np.array(1.5)))).toBeCloseTo(4 + 8, 3);
      expect(tally.impl).toBe(0);
    });

    it(`${path}: x closed over by a jitted function inside the derivative, and by vmap inside that jit: exact to second order, the third refused`, () => {
      // x = s·[1, 2, 3]: L(s) = kΣx² − 2kΣx·w, L' = 2kΣa²·s − 2kΣa·w = 42 − 15 at s = 1, L'' = 2kΣa² = 42.
      const viaJit = (s: JaxArray): JaxArray => {
        const x = np.multiply(s, np.array([1, 2, 3]));
        const jf = jit((k: JaxArray) => vmap((kk: JaxArray) => viaForces(f)(x.ref, { k: kk }))(np.broadcastTo(k, [1])));
        const y = np.sum(jf(np.array(1.5)));
        jf.dispose();
        x.dispose();
        return y;
      };
      expect(js(grad(viaJit)(np.array(1)))).toBeCloseTo(27, 3);
      expect(js(grad(grad(viaJit))(np.array(1)))).toBeCloseTo(42, 2);
      expect(errorOf(() => grad(grad(grad(viaJit)))(np.array(1)))).toMatchObject({ code: 'unsupported', rule: f === forces ? 'forces' : 'rforces' });
      expect(tally.impl).toBe(0);
    });

    it(`${path}: second and third order through nested grads and hessian`, () => {
      expect(js(hessian(viaStats(s))(xs()))).toEqual([[6, 0, 0], [0, 12, 0], [0, 0, 18]]);
      expect(js(grad(grad(grad((x: JaxArray) => (s(x) as Rec).value)))(np.array(2)))).toBeCloseTo(6, 3);
      expect(js(grad(grad((k: JaxArray) => viaForces(f)(xs(), { k })))(np.array(1.5)))).toBeCloseTo(0, 4); // linear in k
      expect(tally.impl).toBe(0);
    });
  }

  it('valueAndGrad with hasAux: the energy as the loss and the forces as its aux', () => {
    for (const f of [forces, rforces]) {
      const [[e, F], g] = valueAndGrad((x: JaxArray) => f(x, { k: np.array(1.5) }), { hasAux: true })(xs()) as unknown as [Pair, JaxArray];
      expect([js(e), js(F), js(g)]).toEqual([21, [-3, -6, -9], [3, 6, 9]]);
    }
    expect(tally.impl).toBe(0);
  });

  it('a rule built of a rule-aware call with several outputs: its frule calls forces on its primals, at first and second order', () => {
    // energy(x) = Σx², whose frule reads dE/dx = −F from forces(x).
    const energyOf = defineRule((x: JaxArray) => forces(x)[0], {
      name: 'energyOf',
      frule: ({ xp }, { args: [dx] }, _o, x) => {
        const [e, F] = forces(x);
        return [e, xp.negative(xp.sum(xp.multiply(F, dx as JaxArray)))];
      },
    });
    expect(js(grad(energyOf)(xs()))).toEqual([2, 4, 6]);
    expect(js(hessian(energyOf)(xs()))).toEqual([[2, 0, 0], [0, 2, 0], [0, 0, 2]]);
    expect(js(grad(jit(energyOf))(xs()))).toEqual([2, 4, 6]);
    // forces on the frule's primals runs its plain function where nothing around it is
    // differentiated (first order), its frule where an enclosing derivative is (the hessian).
    expect(tally.frule).toBeGreaterThan(0);
  });

  it('rrule only: jax-js cannot tell which outputs reach the loss (the pullback is traced in the forward pass), so the traced pullback gets a traced ȳ for each float output; an unused one adds nothing', () => {
    expect(js(grad((x: JaxArray) => rforces(x, { k: np.array(1.5) })[0])(xs()))).toEqual([3, 6, 9]);
    expect(received).toEqual([{ 0: 'value', 1: 'value' }]);
    expect(tally).toMatchObject({ rrule: 1, pullback: 1, impl: 0 });
  });
});

describe('outputs with no derivative: boolean and int32 arrays, plain numbers', () => {
  useJax();
  beforeEach(() => resetTally());
  const labels = (): JaxArray => np.array([4, 5, 6], { dtype: DType.Int32 });
  type Counted = { value: JaxArray; positive: JaxArray; index: JaxArray; count: JaxArray };

  for (const [path, c] of [['frule', counted], ['rrule only', rcounted]] as const) {
    it(`${path}: they come back as they are, with jax-js's own zero tangents, beside a float output that is differentiated`, () => {
      expect(js(grad((x: JaxArray) => np.sum((c(x, labels()) as unknown as Counted).value))(np.array([1, -2, 3])))).toEqual([2, -4, 6]);
      const [y, dy] = jvp((x: JaxArray) => c(x, labels()) as never, [np.array([1, -2, 3])], [np.array([1, 1, 1])]) as unknown as [Counted, Counted];
      expect([y.positive.dtype, y.index.dtype, dy.positive.dtype, dy.index.dtype]).toEqual(['bool', 'int32', 'bool', 'int32']);
      // jax-js makes the plain number 3 an array, as it does any number a function it transforms returns.
      expect([js(y.value), js(y.positive), js(y.index), js(y.count)]).toEqual([[1, 4, 9], [true, false, true], [4, 5, 6], 3]);
      expect([js(dy.value), js(dy.positive), js(dy.index), js(dy.count)]).toEqual([[2, -4, 6], [false, false, false], [0, 0, 0], 0]);
      expect(tally.impl).toBe(0);
    });
  }

  it('under vmap and jit inside the derivative, they pass through too', () => {
    for (const c of [counted, rcounted]) {
      const rows = (): JaxArray => np.array([[1, -2, 3], [0.5, 1, -1]]);
      const viaVmap = (x: JaxArray): JaxArray => np.sum(vmap((v: JaxArray) => (c(v, labels()) as unknown as Counted).value)(x));
      expect(js(grad(viaVmap)(rows()))).toEqual([[2, -4, 6], [1, 2, -2]]);
      const jf = jit((x: JaxArray) => c(x, labels()) as never);
      const out = grad((x: JaxArray) => np.sum((jf(x) as unknown as Counted).value))(np.array([1, -2, 3]));
      expect(js(out)).toEqual([2, -4, 6]);
      const y = jf(np.array([1, -2, 3])) as unknown as Counted;
      expect([y.index.dtype, js(y.index), js(y.positive), js(y.value)]).toEqual(['int32', [4, 5, 6], [true, false, true], [1, 4, 9]]);
      y.count.dispose();
      jf.dispose();
    }
    expect(tally.impl).toBe(0);
  });

  it('an int32 array as the whole output has no derivative either: its frule gives ZeroTangent (core refuses NoTangent there), jvp gives it int32 zeros, and a float tangent is refused', () => {
    for (const how of ['zero', 'float'] as const) {
      const relabel = defineRule((x: JaxArray, l: JaxArray) => namespaceOf(x, l).reshape(l, x.shape), {
        name: 'relabel',
        frule: ({ xp }, { args: [dx] }, _o, x, l) => [xp.reshape(l, x.shape), how === 'zero' ? ZeroTangent : (dx as never)],
      });
      const run = (): [JaxArray, JaxArray] => jvp((x: JaxArray) => relabel(x, labels()), [np.array([1, 2, 3])], [np.array([1, 1, 1])]);
      if (how === 'float') {
        expect(errorOf(run)).toMatchObject({ code: 'tangent-mismatch', rule: 'relabel', slot: 'output' });
        continue;
      }
      const [y, dy] = run();
      expect([y.dtype, dy.dtype, js(y), js(dy)]).toEqual(['int32', 'int32', [4, 5, 6], [0, 0, 0]]);
    }
  });

  it("a plain number among the outputs given a tangent by the frule is 'tangent-mismatch' for its slot; nested trees keep their shape", () => {
    const nested = defineRule((x: JaxArray) => ({ a: [x, x], n: 2 }), {
      name: 'nested',
      frule: ({ xp }, { args: [dx] }, _o, x) => [{ a: [xp.multiply(x, 1), xp.multiply(x, 2)], n: 2 }, new Tangent({ a: new Tangent([dx, scale(2, dx)] as never), n: NoTangent }) as never],
    });
    const [y, dy] = jvp((x: JaxArray) => nested(x) as never, [np.array([1, 2])], [np.array([1, 0])]) as unknown as [{ a: JaxArray[]; n: JaxArray }, { a: JaxArray[]; n: JaxArray }];
    expect([js(y.a[0]), js(y.a[1]), js(y.n), js(dy.a[0]), js(dy.a[1]), js(dy.n)]).toEqual([[1, 2], [2, 4], 2, [1, 0], [2, 0], 0]);
    const counting = defineRule((x: JaxArray) => [x, 2], { name: 'counting', frule: (_cfg, { args: [dx] }, _o, x) => [[x, 2], new Tangent([dx, 1] as never) as never] });
    expect(errorOf(() => grad((x: JaxArray) => np.sum((counting(x) as JaxArray[])[0]!))(np.array([1, 2])))).toMatchObject({ code: 'tangent-mismatch', rule: 'counting', slot: 'output[1]' });
  });

  it('rrule only: the traced pullback gets NoTangent for them, never a float cotangent', () => {
    grad((x: JaxArray) => np.sum((rcounted(x, labels()) as unknown as Counted).value))(np.array([1, -2, 3])).dispose();
    expect(received).toEqual([{ value: 'value', positive: 'NoTangent', index: 'NoTangent', count: 'NoTangent' }]);
  });

  it("an frule that gives a boolean output a float tangent is 'tangent-mismatch' for that output's slot, never dropped", () => {
    const caught = errorOf(() => grad((x: JaxArray) => np.sum((counted(x, labels(), { how: 'tangent-for-bool' }) as unknown as Counted).value))(np.array([1, -2, 3])));
    expect(caught).toMatchObject({ code: 'tangent-mismatch', rule: 'counted', slot: 'output.positive' });
  });
});

describe('outputs the adapter refuses', () => {
  useJax();

  it("a jax-js array hidden in a Map among the outputs is 'unsupported' for its slot; a plain list for a tuple's ẏ is 'tangent-mismatch'; a string output is 'unsupported'", () => {
    const mapped = defineRule((x: JaxArray) => [x, new Map([['y', x]])], {
      name: 'mapped',
      frule: ({ xp }, { args: [dx] }, _o, x) => [[xp.multiply(x, 1), new Map([['y', xp.multiply(x, 1)]])], dx as never],
    });
    expect(errorOf(() => grad((x: JaxArray) => (mapped(x) as [JaxArray])[0])(np.array(1)))).toMatchObject({ code: 'unsupported', rule: 'mapped', slot: 'output[1]' });
    const listed = defineRule((x: JaxArray) => [x, x], { name: 'listed', frule: (_cfg, { args: [dx] }, _o, x) => [[x, x], [dx, dx] as never] });
    expect(errorOf(() => grad((x: JaxArray) => (listed(x) as [JaxArray])[0])(np.array(1)))).toMatchObject({ code: 'tangent-mismatch', rule: 'listed', slot: 'output' });
    const worded = defineRule((x: JaxArray) => String(x.shape), { name: 'worded', frule: (_cfg, _t, _o, x) => [String(x.shape), 0 as never] });
    expect(errorOf(() => grad((x: JaxArray) => worded(x) as never)(np.array(1)))).toMatchObject({ code: 'unsupported', rule: 'worded', slot: 'output' });
  });
});

describe('ownership with several outputs', () => {
  useJax();

  it('a call consumes what it is handed and hands over one reference per output leaf — one per occurrence when an output repeats', () => {
    const x = np.array([1, 2]);
    const [e, F] = forces(x.ref, { k: np.array(2) });
    expect([x.refCount, e.refCount, F.refCount]).toEqual([1, 1, 1]);
    e.dispose();
    F.dispose();
    const twin = defineRule((v: JaxArray) => [v, v], { name: 'twin', frule: (_cfg, { args: [dv] }, _o, v) => [[v, v], new Tangent([dv, dv] as never) as never] });
    const [a, b] = twin(x.ref) as JaxArray[];
    expect(a).toBe(x);
    expect(b).toBe(x);
    expect(x.refCount).toBe(3); // the caller's own, and one per output
    a!.dispose();
    b!.dispose();
    const g = grad((v: JaxArray) => {
      const [p, q] = twin(v) as JaxArray[];
      return np.add(np.sum(p!), np.sum(q!));
    })(x.ref);
    expect(js(g)).toEqual([2, 2]);
    expect(x.refCount).toBe(1);
    x.dispose();
  });

  it('a traced pullback that throws: the error is reported, the arrays handed with .ref stay alive and nothing is freed twice', () => {
    const throwing = defineRule((v: JaxArray) => [v, v], {
      name: 'throwing',
      rrule: ({ xp }, _o, v) => [[xp.multiply(v, 1), xp.multiply(v, 2)], () => {
        throw new Error('boom');
      }],
    });
    const x = np.array([1, 2]);
    const caught = errorOf(() => grad((v: JaxArray) => np.sum((throwing(v) as JaxArray[])[1]!))(x.ref));
    expect(caught).toMatchObject({ code: 'unsupported', rule: 'throwing' });
    expect(x.refCount).toBe(1);
    const energyOnly = (v: JaxArray): JaxArray => {
      const [e, F] = rforces(v, { k: np.array(1) });
      F.dispose();
      return e;
    };
    expect(js(grad(energyOnly)(x.ref))).toEqual([2, 4]); // the adapter still works
    expect(x.refCount).toBe(1);
    x.dispose();
  });
});
