import { beforeEach, describe, expect, it } from 'vitest';
import { grad, jit, jvp, numpy as np, vmap } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { affine, raffine, resetTally, tally } from './support/structure';
import type { Params } from './support/structure';
import { errorOf, js, useJax } from './support/setup';

// predict(params, x) with params a record { w, b }, a list [w, b] or a nested record: jax-js
// differentiates the record's arrays, and the gradient comes back in jax-js's tree form —
// the record's own shape. affine has an frule; raffine only an rrule, whose pullback gives the
// params' Tangent (without b for how: 'drop-b').

type Rec = { w: JaxArray; b: JaxArray };
const xs = (): JaxArray => np.array([1, 2, 3]);
const loss = (f: typeof affine) => (p: Params): JaxArray => np.sum(np.square(f(p, xs())));
const asRecord = (): Rec => ({ w: np.array(2), b: np.array(-1) });
// y = w·x + b = [1, 3, 5]; loss = Σy²: ∂w = Σ 2y·x = 2·22 = 44, ∂b = Σ 2y = 18.

describe('record and list arguments', () => {
  useJax();
  beforeEach(() => resetTally());

  for (const [path, f] of [['frule', affine], ['rrule only', raffine]] as const) {
    it(`${path}: grad w.r.t. a record returns the record's shape, { w, b }`, () => {
      const g = grad(loss(f))(asRecord()) as Rec;
      expect(Object.keys(g)).toEqual(['w', 'b']);
      expect([js(g.w), js(g.b)]).toEqual([44, 18]);
      expect(tally.impl).toBe(0);
      expect(tally.frule + tally.rrule).toBe(1);
    });

    it(`${path}: a list [w, b] and a record nested one level down`, () => {
      const g = grad(loss(f))([np.array(2), np.array(-1)]) as JaxArray[];
      expect(g.map(js)).toEqual([44, 18]);
      const n = grad(loss(f))({ layer: asRecord() }) as { layer: Rec };
      expect([js(n.layer.w), js(n.layer.b)]).toEqual([44, 18]);
      expect(tally.impl).toBe(0);
    });

    it(`${path}: the record beside a positional argument (argnums), jvp along a record, grad(jit(f)) and vmap over x`, () => {
      const g = grad((p: Params, x: JaxArray) => np.sum(f(p, x)), { argnums: [0, 1] })(asRecord(), xs()) as [Rec, JaxArray];
      expect([js(g[0].w), js(g[0].b), js(g[1])]).toEqual([6, 3, [2, 2, 2]]);
      const [y, dy] = jvp((p: Rec) => f(p, xs()), [asRecord()], [{ w: np.array(1), b: np.array(0.5) }]);
      expect([js(y), js(dy)]).toEqual([[1, 3, 5], [1.5, 2.5, 3.5]]); // ẇ·x + ḃ
      const gj = grad(jit(loss(f)))(asRecord()) as Rec;
      expect([js(gj.w), js(gj.b)]).toEqual([44, 18]);
      const rows = (): JaxArray => np.array([[1, 2, 3], [0, 0, 1]]);
      // Σ over rows of Σ (w·x + b): ∂w = Σx = 7, ∂b = 6 elements.
      const gv = grad((p: Rec) => np.sum(vmap((x: JaxArray) => f(p, x))(rows())))(asRecord());
      expect([js(gv.w), js(gv.b)]).toEqual([7, 6]);
      expect(tally.impl).toBe(0);
    });

    it(`${path}: second order w.r.t. a field of the record`, () => {
      // loss = Σ (w·x + b)²: ∂²/∂w² = 2Σx² = 28.
      expect(js(grad(grad((w: JaxArray) => loss(f)({ w, b: np.array(-1) })))(np.array(2)))).toBeCloseTo(28, 3);
      expect(tally.impl).toBe(0);
    });
  }

  it('vmap with the record batched in part (in_axes { w: 0, b: null }), inside grad', () => {
    for (const f of [affine, raffine]) {
      // Σ_i Σ_x (w_i·x + b): ∂w_i = Σx = 6, ∂b = 2 rows · 3 elements = 6.
      const g = grad((p: Rec) => np.sum(vmap((q: Rec) => f(q, xs()), [{ w: 0, b: null }])(p)))({ w: np.array([2, 3]), b: np.array(-1) });
      expect([js(g.w), js(g.b)]).toEqual([[6, 6], 6]);
    }
    expect(tally.impl).toBe(0);
  });

  it("rrule only: a field the rule's Tangent leaves out, which jax-js differentiates, is 'missing-tangent' for args[0].b", () => {
    const caught = errorOf(() => grad((p: Rec) => np.sum(raffine(p, xs(), { how: 'drop-b' })))(asRecord()));
    expect(caught).toMatchObject({ code: 'missing-tangent', rule: 'raffine', slot: 'args[0].b' });
    const listed = errorOf(() => grad((p: [JaxArray, JaxArray]) => np.sum(raffine(p, xs(), { how: 'drop-b' })))([np.array(2), np.array(-1)]));
    expect(listed).toMatchObject({ code: 'missing-tangent', rule: 'raffine', slot: 'args[0][1]' });
  });

  it('rrule only: the same field left out where jax-js does not differentiate it (b a constant) is not read', () => {
    const g = grad((w: JaxArray) => np.sum(raffine({ w, b: np.array(-1) }, xs(), { how: 'drop-b' })))(np.array(2));
    expect(js(g)).toBe(6);
  });

  it("rule-aware functions consume the arrays of a record argument, as jax-js functions do: x.ref keeps one", () => {
    const p = asRecord();
    const x = xs();
    affine({ w: p.w.ref, b: p.b.ref }, x.ref).dispose();
    expect([p.w.refCount, p.b.refCount, x.refCount]).toEqual([1, 1, 1]);
    affine(p, x).dispose();
    expect([p.w.refCount, p.b.refCount, x.refCount]).toEqual([0, 0, 0]);
  });
});
