import { expect } from 'vitest';
import type { AnyFn, ConformanceCase } from './context';

const reverse = { group: 'reverse mode', needs: ['reverse'] } as const;

/** The weights of the weighted losses: a cotangent ȳ that is neither 1 nor the same everywhere. */
const W = [1, -2, 3];

/** Reverse-mode cases on values: `engine.grads` through the suite's rules, every gradient against its closed form. */
export const reverseCases: readonly ConformanceCase[] = [
  {
    ...reverse,
    id: 'seed',
    title: 'seed: grads of foo(a, b, { c }) = a·b·c at (2, 3, 3) are [9, 6, 6]',
    run(t) {
      const { foo } = t.rules;
      const { xp } = t;
      let inside: boolean | undefined;
      const g = t.grad((a, b, c) => ((inside = t.engine.adapter.isDifferentiating?.()), foo(a, b, { c })), [2, 3, 3]);
      t.expectGrads(g, [9, 6, 6], `grads of foo`);
      t.expectRuleRan('foo', 'grads of foo');
      if (inside !== undefined) expect(inside, 'isDifferentiating() inside grads').toBe(true);
      const native = t.grad((a, b, c) => xp.multiply(xp.multiply(a, b), c), [2, 3, 3]);
      t.expectGrads(native, [9, 6, 6], `the engine's own grads of a·b·c`);
      t.fd((a, b, c) => foo(a, b, { c }), [2, 3, 3]).forEach((d, i) => t.expectValues(d, [9, 6, 6][i]!, 'finite differences of foo on plain numbers'));
    },
  },
  {
    ...reverse,
    id: 'seed-defaults',
    title: 'seed: a default (c = 42) and plain numbers are constants, and a tracked value in the options alone still runs the rule',
    run(t) {
      const { foo } = t.rules;
      const g = t.grad((a, b) => foo(a, b), [2, 3]);
      t.expectGrads(g, [126, 84], `grads of foo(a, b)`);
      t.expectRuleRan('foo', 'grads of foo(a, b)');
      t.rules.reset();
      const h = t.grad((a, b) => foo(a, b, { c: 3 }), [2, 3]);
      t.expectGrads(h, [9, 6], `grads of foo(a, b, { c: 3 })`);
      t.expectRuleRan('foo', 'grads of foo(a, b, { c: 3 })');
      t.rules.reset();
      t.expectValues(t.grad((c) => foo(2, 3, { c }), [5])[0], 6, 'd/dc of foo(2, 3, { c }) at 5 (no tracked positional argument) = a·b');
      t.expectRuleRan('foo', 'foo(2, 3, { c }): the only tracked value is an option');
      t.rules.reset();
      t.expectValues(t.grad((x) => foo(2, x, { c: 3 }), [5])[0], 6, 'd/dx of foo(2, x, { c: 3 }) at 5 (tracked in the second slot only) = a·c');
      t.expectRuleRan('foo', 'foo(2, x, { c: 3 })');
    },
  },
  {
    ...reverse,
    id: 'vectors',
    title: 'seed on vectors under a plain sum, a weighted sum Σ w·foo and a scaled scalar 3·foo: the pullback gets ȳ once',
    run(t) {
      const { foo } = t.rules;
      const { xp } = t;
      const at = [[1, 2, 3], [4, 5, 6], [0.5, -1, 2]];
      const g = t.grad((a, b, c) => xp.sum(foo(a, b, { c })), at);
      t.expectGrads(g, [[2, -5, 12], [0.5, -2, 6], [4, 10, 18]], `grads of Σ foo(a, b, { c }) for vectors`);
      t.expectRuleRan('foo', 'Σ foo');
      t.rules.reset();
      const h = t.grad((a, b, c) => xp.sum(xp.multiply(t.arr(W), foo(a, b, { c }))), at);
      t.expectGrads(h, [[2, 10, 36], [0.5, 4, 18], [4, -20, 54]], `grads of Σ w·foo(a, b, { c }) with w = [${W.join(', ')}] (ā = w·b·c, …)`);
      t.expectRuleRan('foo', 'Σ w·foo');
      t.rules.reset();
      const k = t.grad((a, b, c) => xp.multiply(3, foo(a, b, { c })), [2, 3, 3]);
      t.expectGrads(k, [27, 18, 18], `grads of 3·foo(a, b, { c }) at (2, 3, 3)`);
      t.expectRuleRan('foo', '3·foo');
    },
  },
  {
    ...reverse,
    id: 'broadcasting',
    title: 'broadcasting: a scalar c or a scalar a against vectors, and c of shape [2, 1] or [3] against [2, 3]; cotangents summed back to each shape',
    run(t) {
      const { foo } = t.rules;
      const { xp } = t;
      const loss: AnyFn = (a, b, c) => xp.sum(foo(a, b, { c }));
      const g = t.grad(loss, [[1, 2, 3], [4, 5, 6], 3]);
      t.expectGrads(g, [[12, 15, 18], [3, 6, 9], 32], `Σ foo(a[3], b[3], { c: scalar }) (c̄ = Σ a·b)`);
      t.expectRuleRan('foo', 'a scalar c');
      t.rules.reset();
      const h = t.grad((a, b, c) => xp.sum(xp.multiply(t.arr(W), foo(a, b, { c }))), [2, [4, 5, 6], [0.5, -1, 2]]);
      t.expectGrads(h, [48, [1, 4, 12], [8, -20, 36]], `Σ w·foo(a: scalar, b[3], { c: c[3] }) (ā = Σ w·b·c)`);
      t.expectRuleRan('foo', 'a scalar positional a');
      const ab = [[[1, 2, 3], [4, 5, 6]], [[2, 0.5, 1], [1, -2, 3]]];
      t.rules.reset();
      const m = t.grad(loss, [...ab, [[2], [-1]]]);
      t.expectGrads(m, [[[4, 1, 2], [-1, 2, -3]], [[2, 4, 6], [-4, -5, -6]], [[6], [12]]], `Σ foo(a[2, 3], b[2, 3], { c: c[2, 1] }) (c̄ summed along rows)`);
      t.expectRuleRan('foo', 'c of shape [2, 1]');
      t.rules.reset();
      const n = t.grad(loss, [...ab, [0.5, -1, 2]]);
      t.expectGrads(n, [[[1, -0.5, 2], [0.5, 2, 6]], [[0.5, -2, 6], [2, -5, 12]], [6, -9, 21]], `Σ foo(a[2, 3], b[2, 3], { c: c[3] }) (c̄ summed along columns)`);
      t.expectRuleRan('foo', 'c of shape [3]');
    },
  },
  {
    ...reverse,
    id: 'static-option',
    title: "a static option (mode: 'prod' | 'sum') next to a differentiable one, both modes",
    run(t) {
      const { mix } = t.rules;
      for (const [mode, expected] of [['prod', [9, 6, 6]], ['sum', [3, 3, 5]]] as const) {
        t.rules.reset();
        const f: AnyFn = (a, b, c) => mix(a, b, { c, mode });
        const g = t.grad(f, [2, 3, 3]);
        t.expectGrads(g, expected, `mode '${mode}'`);
        t.expectRuleRan('mix', `mode '${mode}'`);
        t.fd(f, [2, 3, 3]).forEach((d, i) => t.expectValues(d, expected[i]!, `mode '${mode}': finite differences on plain numbers`));
      }
    },
  },
  {
    ...reverse,
    id: 'nested-options',
    title: 'nested option records, passed in another key order than the schema’s ({ prior: { mu, tau, label }, scale }), get a cotangent per leaf',
    run(t) {
      const { penalty } = t.rules;
      const f: AnyFn = (x, mu, tau, scale) => penalty(x, { prior: { mu, tau, label: 'p' }, scale });
      const expected = [18, -18, 4.5, 6.75];
      const g = t.grad(f, [2, 0.5, 3, 2]);
      ['x̄', 'prior.mū', 'prior.τ̄', 'scal̄e'].forEach((what, i) => t.expectValues(g[i], expected[i]!, `all leaves: ${what}`));
      t.expectRuleRan('penalty', 'all leaves');
      t.fd(f, [2, 0.5, 3, 2]).forEach((d, i) => t.expectValues(d, expected[i]!, 'finite differences on plain numbers'));
      t.rules.reset();
      const h = t.grad((x, mu) => penalty(x, { prior: { mu }, scale: 2 }), [2, 0.5]);
      t.expectValues(h[0], 6, 'prior.mu only (tau defaults to 1, scale a plain number): x̄');
      t.expectValues(h[1], -6, 'prior.mu only: prior.mū');
      t.expectRuleRan('penalty', 'prior.mu only');
    },
  },
  {
    ...reverse,
    id: 'aliasing',
    title: 'one array passed twice and as an option: its cotangents are summed',
    run(t) {
      const { foo } = t.rules;
      t.expectValues(t.grad((a) => foo(t.ref(a), t.ref(a), { c: a }), [2])[0], 12, 'd/da of foo(a, a, { c: a }) = 3a²');
      t.expectRuleRan('foo', 'foo(a, a, { c: a })');
      t.rules.reset();
      const g = t.grad((a, b) => foo(t.ref(a), b, { c: a }), [2, 3]);
      t.expectGrads(g, [12, 4], `foo(a, b, { c: a }) = a²b`);
      t.expectRuleRan('foo', 'foo(a, b, { c: a })');
    },
  },
  {
    ...reverse,
    id: 'composition',
    title: "a rule-aware function called inside another rule's primal and pullback",
    run(t) {
      const { outer } = t.rules;
      const f: AnyFn = (x, w) => outer(x, { w });
      const g = t.grad(f, [2, 3]);
      t.expectValues(g[0], 12, 'outer(x, { w }) = w·x²: x̄');
      t.expectValues(g[1], 4, 'outer(x, { w }): w̄');
      t.expectRuleRan('outer', 'outer');
      const viaRrule = t.rules.counts.outer.rrule >= 1;
      t.expectCounts('foo', { impl: (n, c) => n + c.rrule + c.frule >= (viaRrule ? 3 : 2) }, "foo ran inside outer's rule (primal and pullback, or frule)");
      t.fd(f, [2, 3]).forEach((d, i) => t.expectValues(d, [12, 4][i]!, 'finite differences on plain numbers'));
    },
  },
  {
    ...reverse,
    id: 'non-elementwise',
    title: 'a rule that is not elementwise (center(x) = x − mean(x)) under a weighted loss: x̄ = w − mean(w)',
    run(t) {
      const { center } = t.rules;
      const { xp } = t;
      const g = t.grad((x) => xp.sum(xp.multiply(t.arr(W), center(x))), [[1, 2, 4]]);
      t.expectValues(g[0], [1 / 3, -8 / 3, 7 / 3], `grads of Σ w·center(x) with w = [${W.join(', ')}]`);
      t.expectRuleRan('center', 'Σ w·center(x)');
      const native = t.grad((x) => xp.sum(xp.multiply(t.arr(W), xp.subtract(x, xp.mean(x)))), [[1, 2, 4]]);
      t.expectValues(native[0], [1 / 3, -8 / 3, 7 / 3], "the engine's own grads of Σ w·(x − mean(x))");
    },
  },
];
