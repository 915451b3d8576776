import { expect } from 'vitest';
import type { ArrayTree } from '../engine';
import type { AnyFn, CaseContext, ConformanceCase, ExpectedTree } from './context';
import { tuple } from './context';
import type { ReceivedKind } from './structureRules';

/*
 * Structure: rules with several outputs (a tuple, a record, outputs with no derivative beside a
 * float one) and rules that take a record or a list of arrays as one positional argument. Each
 * case proves with the counters that the rule ran, and compares with closed forms and with the
 * engine's own derivative of the same function written with `xp`.
 */

const reverse = { group: 'reverse mode', needs: ['reverse'] } as const;
const forward = { group: 'forward mode', needs: ['forward'] } as const;
const second = { group: 'second order', needs: ['reverse', 'second-order'] } as const;

/** The weights of the weighted losses: a cotangent that is neither 1 nor the same everywhere. */
const W = [1, -2, 3];
const X = [0.5, 1, 2];
const C = 3;
const mapX = (f: (x: number, i: number) => number): number[] => X.map(f);
const sumOf = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/**
 * Asserts what the pullbacks of `rule` got for each output, when its rrule served the call (an
 * engine that ran its frule instead ran no pullback): every pullback that ran got `kinds`.
 */
function expectReceived<A>(t: CaseContext<A>, rule: 'pair' | 'stats' | 'counted', kinds: Readonly<Record<string, ReceivedKind>>, what: string): void {
  const runs = t.rules.received.filter((r) => r.rule === rule);
  const c = t.rules.counts[rule];
  if (c.rrule === 0) {
    expect(runs, `${what}: no rrule ran (the frule served the call), so no pullback`).toEqual([]);
    return;
  }
  expect(runs.length, `${what}: the pullback of '${rule}' ran`).toBeGreaterThanOrEqual(1);
  for (const run of runs) expect(run.outputs, `${what}: the cotangent the pullback of '${rule}' got for each output (a symbolic zero, never an array of zeros, for an output the loss does not use; NoTangent for one without a derivative)`).toEqual(kinds);
}

/** `{ params: { w, b }, x }` (or with `params` the list `[w, b]`) of fresh arrays. */
function affineTree<A>(t: CaseContext<A>, list: boolean, at: { w: number[]; b: number; x: number[] }): ArrayTree<A> {
  const [w, b, x] = [t.arr(at.w), t.arr(at.b), t.arr(at.x)];
  return { params: list ? [w, b] : { w, b }, x };
}

const field = <A>(tree: ArrayTree<A>, key: string): ArrayTree<A> => (tree as Record<string, ArrayTree<A>>)[key]!;
const AFFINE = { w: [1, 2, 3], b: 0.5, x: [0.5, -1, 2] };

/**
 * jvpTree of w·x + b through `rule` (called by `call` with the tree's params and x), params a
 * record and a list, tangents on every leaf: ẏ = ẇ·x + w·ẋ + ḃ, from the rule's frule alone.
 */
function expectAffineJvp<A>(t: CaseContext<A>, rule: 'affine' | 'shift', call: (params: ArrayTree<unknown>, x: ArrayTree<unknown>, list: boolean) => { what: string; y: unknown }): void {
  const dot = { w: [1, 0, -1], b: 2, x: [0.5, 0.5, 1] };
  const expected = AFFINE.w.map((w, i) => dot.w[i]! * AFFINE.x[i]! + w * dot.x[i]! + dot.b);
  for (const list of [false, true]) {
    t.rules.reset();
    let what = '';
    const f = (tree: ArrayTree<unknown>) => {
      const out = call(field(tree, 'params'), field(tree, 'x'), list);
      what = out.what;
      return out.y;
    };
    const [y, dy] = t.jvpTree(f as never, affineTree(t, list, AFFINE), affineTree(t, list, dot));
    t.expectTree(y, AFFINE.w.map((w, i) => w * AFFINE.x[i]! + AFFINE.b), what);
    t.expectTree(dy, expected, `${what}: ẏ = ẇ·x + w·ẋ + ḃ`);
    t.expectCounts(rule, { frule: 1, rrule: 0, impl: 0 }, what);
  }
}

/** Structure cases: several outputs and record or list arguments, in reverse mode, forward mode and at second order. */
export const structureCases: readonly ConformanceCase[] = [
  {
    ...reverse,
    id: 'tuple-output',
    title: 'two outputs as a tuple: grads through pair(x, { c }) = [c·sin(x), x·x] with a loss that uses both, and with one that uses either alone (the other gets ZeroTangent)',
    run(t) {
      const { pair } = t.rules;
      const { xp } = t;
      const both: AnyFn = (x, c) => {
        const [s, q] = pair(x, { c });
        return xp.add(xp.sum(xp.multiply(t.arr(W), s)), xp.sum(q));
      };
      const expected = [mapX((x, i) => W[i]! * C * Math.cos(x) + 2 * x), sumOf(mapX((x, i) => W[i]! * Math.sin(x)))];
      t.expectGrads(t.grad(both, [X, C]), expected, 'Σ w·y[0] + Σ y[1]');
      t.expectRuleRan('pair', 'Σ w·y[0] + Σ y[1]');
      expectReceived(t, 'pair', { 0: 'value', 1: 'value' }, 'Σ w·y[0] + Σ y[1]');
      const native: AnyFn = (x, c) => xp.add(xp.sum(xp.multiply(t.arr(W), xp.multiply(c, xp.sin(x)))), xp.sum(xp.multiply(x, x)));
      t.expectGrads(t.grad(native, [X, C]), expected, "the engine's own grads of Σ w·c·sin(x) + Σ x²");
      t.rules.reset();
      t.expectGrads(t.grad((x, c) => xp.sum(pair(x, { c })[1]), [X, C]), [mapX((x) => 2 * x), 0], 'Σ y[1] alone');
      t.expectRuleRan('pair', 'Σ y[1] alone');
      expectReceived(t, 'pair', { 0: 'ZeroTangent', 1: 'value' }, 'Σ y[1] alone');
      t.rules.reset();
      t.expectGrads(t.grad((x, c) => xp.sum(xp.multiply(t.arr(W), pair(x, { c })[0])), [X, C]), [mapX((x, i) => W[i]! * C * Math.cos(x)), expected[1]!], 'Σ w·y[0] alone');
      t.expectRuleRan('pair', 'Σ w·y[0] alone');
      expectReceived(t, 'pair', { 0: 'value', 1: 'ZeroTangent' }, 'Σ w·y[0] alone');
    },
  },
  {
    ...reverse,
    id: 'record-output',
    title: 'two outputs of different shapes as a record: grads through stats(x) = { value: Σ x², aux: x − mean(x) }, both used, and either alone (the other gets ZeroTangent)',
    run(t) {
      const { stats } = t.rules;
      const { xp } = t;
      const meanW = sumOf(W) / W.length;
      const both: AnyFn = (x) => {
        const { value, aux } = stats(x);
        return xp.add(value, xp.sum(xp.multiply(t.arr(W), aux)));
      };
      const expected = mapX((x, i) => 2 * x + W[i]! - meanW);
      t.expectValues(t.grad(both, [X])[0], expected, 'value + Σ w·aux');
      t.expectRuleRan('stats', 'value + Σ w·aux');
      expectReceived(t, 'stats', { value: 'value', aux: 'value' }, 'value + Σ w·aux');
      const native: AnyFn = (x) => xp.add(xp.sum(xp.square(x)), xp.sum(xp.multiply(t.arr(W), xp.subtract(x, xp.mean(x)))));
      t.expectValues(t.grad(native, [X])[0], expected, "the engine's own grads of Σ x² + Σ w·(x − mean(x))");
      t.rules.reset();
      t.expectValues(t.grad((x) => xp.multiply(3, stats(x).value), [X])[0], mapX((x) => 6 * x), '3·value alone');
      t.expectRuleRan('stats', '3·value alone');
      expectReceived(t, 'stats', { value: 'value', aux: 'ZeroTangent' }, '3·value alone');
      t.rules.reset();
      t.expectValues(t.grad((x) => xp.sum(xp.multiply(t.arr(W), stats(x).aux)), [X])[0], W.map((w) => w - meanW), 'Σ w·aux alone');
      t.expectRuleRan('stats', 'Σ w·aux alone');
      expectReceived(t, 'stats', { value: 'ZeroTangent', aux: 'value' }, 'Σ w·aux alone');
    },
  },
  {
    ...reverse,
    id: 'static-outputs',
    title: 'outputs with no derivative beside a float one: counted(x) = { value: x², positive: x > 0, count } passes the boolean array and the plain number through, with NoTangent',
    run(t) {
      const { counted } = t.rules;
      const { xp } = t;
      const at = [-1, 2, 0.5];
      let count: unknown;
      const masked: AnyFn = (x) => {
        const out = counted(x);
        count = out.count;
        return xp.multiply(out.count, xp.sum(xp.where(out.positive, out.value, 0)));
      };
      const expected = at.map((x) => (x > 0 ? 3 * 2 * x : 0));
      t.expectValues(t.grad(masked, [at])[0], expected, 'count·Σ where(positive, value, 0)');
      expect(count, 'the count output is the plain number 3, passed through').toBe(3);
      t.expectRuleRan('counted', 'count·Σ where(positive, value, 0)');
      expectReceived(t, 'counted', { value: 'value', positive: 'NoTangent', count: 'NoTangent' }, 'count·Σ where(positive, value, 0)');
      const native: AnyFn = (x) => xp.multiply(3, xp.sum(xp.where(xp.greater(x, 0), xp.square(x), 0)));
      t.expectValues(t.grad(native, [at])[0], expected, "the engine's own grads of 3·Σ where(x > 0, x², 0)");
    },
  },
  {
    ...reverse,
    id: 'record-argument',
    title: 'a record argument: the gradient of Σ w·affine(params, x) with respect to { params: { w, b }, x } (the engine’s tree gradient) and leaf by leaf',
    run(t) {
      const { affine } = t.rules;
      const { xp } = t;
      const expected: ExpectedTree = { params: { w: W.map((w, i) => w * AFFINE.x[i]!), b: sumOf(W) }, x: W.map((w, i) => w * AFFINE.w[i]!) };
      const loss: AnyFn = (tree) => xp.sum(xp.multiply(t.arr(W), affine(field(tree, 'params'), field(tree, 'x'))));
      t.expectTree(t.gradTree(loss, affineTree(t, false, AFFINE)), expected, 'gradTree of Σ w·affine(params, x)');
      t.expectRuleRan('affine', 'gradTree of Σ w·affine(params, x)');
      const native: AnyFn = (tree) => {
        const { w, b } = field(tree, 'params') as Record<string, typeof tree>;
        return xp.sum(xp.multiply(t.arr(W), xp.add(xp.multiply(w as never, field(tree, 'x') as never), b as never)));
      };
      t.expectTree(t.gradTree(native, affineTree(t, false, AFFINE)), expected, "the engine's own gradTree of Σ w·(params.w·x + params.b)");
      t.rules.reset();
      const g = t.grad((w, b, x) => xp.sum(xp.multiply(t.arr(W), affine({ w, b }, x))), [AFFINE.w, AFFINE.b, AFFINE.x]);
      t.expectGrads(g, [W.map((w, i) => w * AFFINE.x[i]!), sumOf(W), W.map((w, i) => w * AFFINE.w[i]!)], 'grads of Σ w·affine({ w, b }, x) leaf by leaf');
      t.expectRuleRan('affine', 'grads of Σ w·affine({ w, b }, x)');
    },
  },
  {
    ...reverse,
    id: 'list-argument',
    title: 'a list argument: the gradient of Σ w·affine([w, b], x) with respect to { params: [w, b], x }',
    run(t) {
      const { affine } = t.rules;
      const { xp } = t;
      const loss: AnyFn = (tree) => xp.sum(xp.multiply(t.arr(W), affine(field(tree, 'params'), field(tree, 'x'))));
      const expected: ExpectedTree = { params: tuple(W.map((w, i) => w * AFFINE.x[i]!), sumOf(W)), x: W.map((w, i) => w * AFFINE.w[i]!) };
      t.expectTree(t.gradTree(loss, affineTree(t, true, AFFINE)), expected, 'gradTree of Σ w·affine([w, b], x)');
      t.expectRuleRan('affine', 'gradTree of Σ w·affine([w, b], x)');
    },
  },
  {
    ...reverse,
    id: 'missing-field',
    title: "a pullback whose Tangent leaves out a field the engine differentiates is 'missing-tangent' for that field (args[0].b, args[0][1]); a field the engine does not differentiate may be left out",
    run(t) {
      const { sparse } = t.rules;
      const { xp } = t;
      const dropping: AnyFn = (tree) => xp.sum(sparse(field(tree, 'params'), field(tree, 'x')));
      for (const [list, slot] of [[false, 'args[0].b'], [true, 'args[0][1]']] as const) {
        const what = `gradTree of Σ sparse(${list ? '[w, b]' : '{ w, b }'}, x) whose pullback leaves b out`;
        t.expectRuleError(t.expectThrow(() => t.gradTree(dropping, affineTree(t, list, AFFINE)), what), 'missing-tangent', 'sparse', slot, what);
        t.expectIdle(`after ${what}`);
      }
      t.rules.reset();
      const g = t.grad((w, x) => xp.sum(sparse({ w, b: AFFINE.b }, x)), [AFFINE.w, AFFINE.x]);
      t.expectGrads(g, [AFFINE.x, AFFINE.w], 'grads of Σ sparse({ w, b: 0.5 }, x) (b a plain number: its tangent is not needed)');
      t.expectRuleRan('sparse', 'b a plain number');
    },
  },
  {
    ...reverse,
    id: 'tree-option',
    title: "a kw.tree() option: the gradient of Σ w·shift(x, { params }) with params a record { w, b } and a list [w, b], each leaf's from the rule's Tangent; a leaf a pullback's Tangent leaves out is 'missing-tangent' (kwargs.params.b, kwargs.params[1])",
    run(t) {
      const { shift, sparseShift } = t.rules;
      const { xp } = t;
      for (const list of [false, true]) {
        t.rules.reset();
        const what = `gradTree of Σ w·shift(x, { params: ${list ? '[w, b]' : '{ w, b }'} })`;
        const loss: AnyFn = (tree) => xp.sum(xp.multiply(t.arr(W), shift(field(tree, 'x'), { params: field(tree, 'params') })));
        const params = list ? tuple(W.map((w, i) => w * AFFINE.x[i]!), sumOf(W)) : { w: W.map((w, i) => w * AFFINE.x[i]!), b: sumOf(W) };
        t.expectTree(t.gradTree(loss, affineTree(t, list, AFFINE)), { params, x: W.map((w, i) => w * AFFINE.w[i]!) }, what);
        t.expectRuleRan('shift', what);
        const dropping: AnyFn = (tree) => xp.sum(sparseShift(field(tree, 'x'), { params: field(tree, 'params') }));
        const dropped = `${what} whose pullback leaves b out`;
        t.expectRuleError(t.expectThrow(() => t.gradTree(dropping, affineTree(t, list, AFFINE)), dropped), 'missing-tangent', 'sparseShift', list ? 'kwargs.params[1]' : 'kwargs.params.b', dropped);
        t.expectIdle(`after ${dropped}`);
      }
    },
  },
  {
    ...forward,
    id: 'forward-tree-option',
    title: 'jvp through a kw.tree() option: shift(x, { params }) with params { w, b } and [w, b] and tangents on every leaf',
    run(t) {
      const { shift } = t.rules;
      expectAffineJvp(t, 'shift', (params, x, list) => ({ what: `jvpTree of shift(x, { params: ${list ? '[w, b]' : '{ w, b }'} })`, y: shift(x, { params: params as never }) }));
    },
  },
  {
    ...forward,
    id: 'forward-tuple-output',
    title: 'jvp with tree outputs: pair(x, { c }) = [c·sin(x), x·x] and stats(x) = { value, aux } get a tangent per output from their frules',
    run(t) {
      const { pair, stats } = t.rules;
      const DX = [1, -1, 2];
      const f = (tree: ArrayTree<unknown>) => pair(field(tree, 'x'), { c: field(tree, 'c') });
      const [y, dy] = t.jvpTree(f as never, { x: t.arr(X), c: t.arr(C) }, { x: t.arr(DX), c: t.arr(0.5) });
      t.expectTree(y, tuple(mapX((x) => C * Math.sin(x)), mapX((x) => x * x)), 'pair(x, { c })');
      t.expectTree(dy, tuple(mapX((x, i) => C * Math.cos(x) * DX[i]! + 0.5 * Math.sin(x)), mapX((x, i) => 2 * x * DX[i]!)), 'the tangent of pair(x, { c })');
      t.expectCounts('pair', { frule: 1, rrule: 0, impl: 0 }, 'jvpTree of pair');
      t.rules.reset();
      const [, dc] = t.jvpTree(f as never, { x: t.arr(X), c: t.arr(C) }, { x: t.arr([0, 0, 0]), c: t.arr(1) });
      t.expectTree(dc, tuple(mapX((x) => Math.sin(x)), [0, 0, 0]), 'the tangent of pair(x, { c }) along c alone (y[1] does not move)');
      t.expectCounts('pair', { frule: 1, rrule: 0, impl: 0 }, 'jvpTree of pair along c');
      t.rules.reset();
      const [s, ds] = t.jvpTree(((x: unknown) => stats(x)) as never, t.arr(X), t.arr(DX));
      const meanDX = sumOf(DX) / DX.length;
      t.expectTree(s, { value: sumOf(mapX((x) => x * x)), aux: mapX((x) => x - sumOf(X) / X.length) }, 'stats(x)');
      t.expectTree(ds, { value: sumOf(mapX((x, i) => 2 * x * DX[i]!)), aux: DX.map((d) => d - meanDX) }, 'the tangent of stats(x)');
      t.expectCounts('stats', { frule: 1, rrule: 0, impl: 0 }, 'jvpTree of stats');
    },
  },
  {
    ...forward,
    id: 'forward-static-outputs',
    title: 'jvp through counted(x): the boolean array and the count pass through, and the float output carries the tangent',
    run(t) {
      const { counted } = t.rules;
      const { xp } = t;
      const at = [-1, 2, 0.5];
      const dx = [1, 1, -2];
      let count: unknown;
      const [y, dy] = t.jvp((x) => {
        const out = counted(x);
        count = out.count;
        return xp.multiply(out.count, xp.sum(xp.where(out.positive, out.value, 0)));
      }, [at], [dx]);
      t.expectValues(y, 3 * (4 + 0.25), 'count·Σ where(positive, value, 0)');
      t.expectValues(dy, 3 * (2 * 2 * 1 + 2 * 0.5 * -2), 'its tangent: 3·Σ where(x > 0, 2x·ẋ, 0)');
      expect(count, 'the count output is the plain number 3, passed through').toBe(3);
      t.expectCounts('counted', { frule: 1, rrule: 0, impl: 0 }, 'jvp of counted');
    },
  },
  {
    ...forward,
    id: 'forward-record-argument',
    title: 'jvp through record and list arguments: affine({ w, b }, x) and affine([w, b], x) with tangents on every leaf',
    run(t) {
      const { affine } = t.rules;
      expectAffineJvp(t, 'affine', (params, x, list) => ({ what: `jvpTree of affine(${list ? '[w, b]' : '{ w, b }'}, x)`, y: affine(params as never, x) }));
    },
  },
  {
    ...second,
    id: 'second-multi-output',
    title: 'second order through a rule with two outputs: ∂²/∂x² and ∂²/∂x∂c of y[0] + y[1] for pair(x, { c }), and d²/dx² of y[0] alone',
    run(t) {
      const { pair } = t.rules;
      const { xp } = t;
      const [x, c] = [0.7, C];
      const dx: AnyFn = (x, c) =>
        t.grads((x, c) => {
          const [s, q] = pair(x, { c });
          return xp.add(s, q);
        })(x, c)[0];
      const g = t.grad(dx, [x, c]);
      t.expectValues(g[0], -c * Math.sin(x) + 2, '∂²(c·sin x + x²)/∂x² = 2 − c·sin x');
      t.expectValues(g[1], Math.cos(x), '∂²(c·sin x + x²)/∂x∂c = cos x');
      t.expectCounts('pair', { impl: 0, rrule: (_, all) => all.rrule + all.frule >= 1 }, 'the rule of pair ran, its plain function never');
      t.rules.reset();
      const d1: AnyFn = (x) => t.grads((x) => pair(x, { c: C })[0])(x)[0];
      t.expectValues(t.grad(d1, [x])[0], -C * Math.sin(x), 'd²(c·sin x)/dx² through y[0] alone (y[1] gets ZeroTangent)');
      t.expectCounts('pair', { impl: 0, rrule: (_, all) => all.rrule + all.frule >= 1 }, 'the rule of pair ran at y[0] alone');
    },
  },
];
