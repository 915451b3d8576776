import { describe, expect, it } from 'vitest';
import { grad, hessian, jacfwd, jit, jvp, numpy as np, valueAndGrad, vjp, vmap } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { defineRule, scale } from '@chainrules/core';
import { counts, foo } from './support/rules';
import { js, useJax } from './support/setup';

// Every entry point of jax-js reaches foo's frule: the counters show it ran once and the plain
// function never (jax-js's native AD of a·b·c would give the same numbers, so values alone prove nothing).
// x is handed over three times: two more references (rule-aware functions consume what they are handed).
const cube = (x: JaxArray): JaxArray => foo(x.ref, x.ref, { c: x });

describe('entry points use the rule', () => {
  useJax();

  it('grad w.r.t. the options: the issue example returns { c: 6 }', () => {
    const g = grad((o: { c: JaxArray }) => foo(np.array(2), np.array(3), o))({ c: np.array(3) });
    expect(Object.keys(g)).toEqual(['c']);
    expect(js(g.c)).toBeCloseTo(6, 5);
    expect(counts).toMatchObject({ frule: 1, impl: 0, rrule: 0 });
  });

  it('jvp along c: the issue example returns [18, 6]', () => {
    const [y, dy] = jvp((c: JaxArray) => foo(np.array(2), np.array(3), { c }), [np.array(3)], [np.array(1)]);
    expect([js(y), js(dy)]).toEqual([18, 6]);
    expect(counts).toMatchObject({ frule: 1, impl: 0 });
  });

  it('grad w.r.t. positional arguments (argnums)', () => {
    const g = grad((a: JaxArray, b: JaxArray) => foo(a, b, { c: np.array(3) }), { argnums: [0, 1] })(np.array(2), np.array(3));
    expect(g.map(js)).toEqual([9, 6]);
    expect(counts).toMatchObject({ frule: 1, impl: 0 });
  });

  it('valueAndGrad', () => {
    const [y, g] = valueAndGrad(cube)(np.array(2));
    expect([js(y), js(g)]).toEqual([8, 12]);
    expect(counts).toMatchObject({ frule: 1, impl: 0 });
  });

  it('vjp, with a cotangent that is not one', () => {
    const [y, pullback] = vjp(cube, [np.array(2)]);
    const [x̄] = pullback(np.array(0.5));
    pullback.dispose();
    expect([js(y), js(x̄)]).toEqual([8, 6]);
    expect(counts).toMatchObject({ frule: 1, impl: 0 });
  });

  it('hessian and jacfwd', () => {
    const h = hessian((x: JaxArray) => np.sum(cube(x)))(np.array([2, 3]));
    expect(js(h)).toEqual([[12, 0], [0, 18]]);
    expect(counts).toMatchObject({ frule: 1, impl: 0 });
    const j = jacfwd(cube)(np.array([1, 2]));
    expect(js(j)).toEqual([[3, 0], [0, 12]]);
  });

  it('grad(grad(f)) runs the frule once, at the outer trace, and jax-js differentiates its tangent math', () => {
    expect(js(grad(grad(cube))(np.array(2)))).toBeCloseTo(12, 4);
    expect(counts).toMatchObject({ frule: 1, impl: 0 });
  });

  it('jit(grad(f)) and vmap(grad(f)) meet JVP tracers: the rule runs exactly', () => {
    const jg = jit(grad(cube));
    expect(js(jg(np.array(2)))).toBeCloseTo(12, 4);
    expect(js(jg(np.array(3)))).toBeCloseTo(27, 4); // the compiled trace, reused: the rule ran once, at tracing
    jg.dispose();
    expect(counts).toMatchObject({ frule: 1, impl: 0 });
    expect(js(vmap(grad(cube))(np.array([2, 3])))).toEqual([12, 27]);
    expect(counts).toMatchObject({ frule: 2, impl: 0 });
  });

  it('outside any differentiation the plain function runs, and the call consumes its arguments as jax-js functions do (x.ref keeps one)', () => {
    const a = np.array(2);
    expect(js(foo(a.ref, np.array(3), { c: np.array(3) }))).toBe(18);
    expect(a.refCount).toBe(1);
    expect(counts).toMatchObject({ frule: 0, impl: 1 });
    a.dispose();
  });

  it('inside a rule or a rule-aware plain function, rule-aware calls borrow (as cfg.xp does): engine-neutral rules built of them work', () => {
    const square = defineRule((x: JaxArray | number): JaxArray => foo(x, x, { c: 1 }), {
      name: 'square',
      frule: (_cfg, { args: [dx] }, _opts, x) => [foo(x, x, { c: 1 }), scale(foo(2, x, { c: 1 }), dx)],
    });
    const a = np.array(3);
    expect(js(square(a.ref))).toBe(9);
    expect(a.refCount).toBe(1);
    const [y, dy] = jvp(square, [a.ref], [np.array(1)]);
    expect([js(y), js(dy)]).toEqual([9, 6]);
    expect(js(grad(grad(square))(a.ref))).toBeCloseTo(2, 4);
    expect(a.refCount).toBe(1);
    a.dispose();
  });
});
