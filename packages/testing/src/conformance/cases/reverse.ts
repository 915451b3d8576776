import { expect } from 'vitest';
import type { AnyFn, ConformanceCase } from './context';

const reverse = { group: 'reverse mode', needs: ['reverse'] } as const;

/** Reverse-mode cases: `engine.grads` through the suite's rules. */
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
      t.expectRuleRanOnce('foo', 'grads of foo');
      if (inside !== undefined) expect(inside, 'isDifferentiating() inside grads').toBe(true);
      const native = t.grad((a, b, c) => xp.multiply(xp.multiply(a, b), c), [2, 3, 3]);
      t.expectGrads(native, [9, 6, 6], `the engine's own grads of a·b·c`);
      t.fd((a, b, c) => foo(a, b, { c }), [2, 3, 3]).forEach((d, i) => t.expectValues(d, [9, 6, 6][i]!, 'finite differences of foo on plain numbers'));
    },
  },
  {
    ...reverse,
    id: 'seed-defaults',
    title: 'seed: without c its default 42 is a constant, grads [126, 84]; a plain-number c is not differentiated',
    run(t) {
      const { foo } = t.rules;
      const g = t.grad((a, b) => foo(a, b), [2, 3]);
      t.expectGrads(g, [126, 84], `grads of foo(a, b)`);
      t.expectRuleRanOnce('foo', 'grads of foo(a, b)');
      t.rules.reset();
      const h = t.grad((a, b) => foo(a, b, { c: 3 }), [2, 3]);
      t.expectGrads(h, [9, 6], `grads of foo(a, b, { c: 3 })`);
      t.expectRuleRanOnce('foo', 'grads of foo(a, b, { c: 3 })');
    },
  },
  {
    ...reverse,
    id: 'vectors',
    title: 'seed: vector inputs (length 3), and a scalar c broadcast against them',
    run(t) {
      const { foo } = t.rules;
      const { xp } = t;
      const loss = (a: unknown, b: unknown, c: unknown) => xp.sum(foo(a, b, { c }));
      const g = t.grad(loss, [[1, 2, 3], [4, 5, 6], [0.5, -1, 2]]);
      t.expectGrads(g, [[2, -5, 12], [0.5, -2, 6], [4, 10, 18]], `grads of Σ foo(a, b, { c }) for vectors`);
      t.expectRuleRanOnce('foo', 'vectors');
      t.rules.reset();
      const h = t.grad(loss, [[1, 2, 3], [4, 5, 6], 3]);
      t.expectGrads(h, [[12, 15, 18], [3, 6, 9], 32], `grads with a scalar c (its cotangent summed over the broadcast axis)`);
      t.expectRuleRanOnce('foo', 'scalar c');
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
        t.expectRuleRanOnce('mix', `mode '${mode}'`);
        t.fd(f, [2, 3, 3]).forEach((d, i) => t.expectValues(d, expected[i]!, `mode '${mode}': finite differences on plain numbers`));
      }
    },
  },
  {
    ...reverse,
    id: 'nested-options',
    title: 'nested option records ({ prior: { mu, tau, label }, scale }) get a cotangent per leaf',
    run(t) {
      const { penalty } = t.rules;
      const f: AnyFn = (x, mu, tau, scale) => penalty(x, { prior: { mu, tau, label: 'p' }, scale });
      const expected = [18, -18, 4.5, 6.75];
      const g = t.grad(f, [2, 0.5, 3, 2]);
      ['x̄', 'prior.mū', 'prior.τ̄', 'scal̄e'].forEach((what, i) => t.expectValues(g[i], expected[i]!, `all leaves: ${what}`));
      t.expectRuleRanOnce('penalty', 'all leaves');
      t.fd(f, [2, 0.5, 3, 2]).forEach((d, i) => t.expectValues(d, expected[i]!, 'finite differences on plain numbers'));
      t.rules.reset();
      const h = t.grad((x, mu) => penalty(x, { prior: { mu }, scale: 2 }), [2, 0.5]);
      t.expectValues(h[0], 6, 'prior.mu only (tau defaults to 1, scale a plain number): x̄');
      t.expectValues(h[1], -6, 'prior.mu only: prior.mū');
      t.expectRuleRanOnce('penalty', 'prior.mu only');
    },
  },
  {
    ...reverse,
    id: 'aliasing',
    title: 'one array passed twice and as an option: its cotangents are summed',
    run(t) {
      const { foo } = t.rules;
      t.expectValues(t.grad((a) => foo(a, a, { c: a }), [2])[0], 12, 'd/da of foo(a, a, { c: a }) = 3a²');
      t.expectRuleRanOnce('foo', 'foo(a, a, { c: a })');
      t.rules.reset();
      const g = t.grad((a, b) => foo(a, b, { c: a }), [2, 3]);
      t.expectGrads(g, [12, 4], `foo(a, b, { c: a }) = a²b`);
      t.expectRuleRanOnce('foo', 'foo(a, b, { c: a })');
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
      t.expectRuleRanOnce('outer', 'outer');
      const viaRrule = t.rules.counts.outer.rrule === 1;
      t.expectCounts('foo', { impl: (n, c) => n + c.rrule + c.frule >= (viaRrule ? 3 : 2) }, "foo ran inside outer's rule (primal and pullback, or frule)");
      t.fd(f, [2, 3]).forEach((d, i) => t.expectValues(d, [12, 4][i]!, 'finite differences on plain numbers'));
    },
  },
  {
    ...reverse,
    id: 'opt-out',
    title: "optOut: opted-out calls are differentiated by the engine's own AD, the others by the rule",
    run(t) {
      const { power } = t.rules;
      const { xp } = t;
      t.expectValues(t.grad((x) => xp.exp(xp.multiply(2, xp.log(x))), [1.5])[0], 3, "the engine's own grads of exp(2·log x)");
      t.expectValues(t.grad((x) => power(x, { p: 2 }), [1.5])[0], 3, 'power(x, { p: 2 }) (opted out): d/dx = 2x');
      t.expectCounts('power', { rrule: 0, frule: 0, pullback: 0, impl: (n) => n >= 1 }, 'opted out: no rule runs, the engine differentiates the plain function');
      t.rules.reset();
      t.expectValues(t.grad((x) => power(x, { p: 2.5 }), [1.5])[0], 2.5 * 1.5 ** 1.5, 'power(x, { p: 2.5 }) (the rule): d/dx = 2.5·x^1.5');
      t.expectRuleRanOnce('power', 'not opted out');
    },
  },
  {
    ...reverse,
    id: 'pullback-throws',
    title: 'a pullback that throws: the error propagates and the engine stays usable',
    run(t) {
      const { fragile, foo } = t.rules;
      const error = t.expectThrow(() => t.grad((x) => fragile(x), [1]), 'grads through a throwing pullback');
      t.expectCausedBy(error, t.rules.thrown.at(-1), 'grads through a throwing pullback');
      t.expectCounts('fragile', { impl: 0, rrule: (_, c) => c.rrule + c.frule >= 1 }, 'the fragile rule ran');
      t.rules.reset();
      const g = t.grad((a, b, c) => foo(a, b, { c }), [2, 3, 3]);
      t.expectGrads(g, [9, 6, 6], `the next grads`);
      t.expectRuleRanOnce('foo', 'the next grads');
    },
  },
  {
    ...reverse,
    id: 'zero-cotangents',
    title: 'a pullback returning a thunk, NoTangent and ZeroTangent: the engine gets the values and zeros of the right shapes',
    run(t) {
      const { gate } = t.rules;
      const { xp } = t;
      for (const how of ['whole', 'field'] as const) {
        t.rules.reset();
        const g = t.grad((x, y, c) => xp.sum(gate(x, y, { c, how })), [[1, 2, 3], [4, 5, 6], 2]);
        t.expectValues(g[0], [1, 1, 1], `x̄ from thunk(() => ȳ) (${how})`);
        t.expectValues(g[1], [0, 0, 0], `ȳ from NoTangent (${how})`);
        t.expectValues(g[2], 0, how === 'whole' ? 'c̄ from a ZeroTangent options tangent' : 'c̄ from Tangent({ c: ZeroTangent })');
        t.expectRuleRanOnce('gate', `gate (${how})`);
      }
    },
  },
  {
    ...reverse,
    id: 'zero-output',
    title: 'a rule whose output is multiplied by 0 in the loss gives zeros of the right shapes',
    run(t) {
      const { foo } = t.rules;
      const { xp } = t;
      const g = t.grad((a, b, c) => xp.add(xp.sum(a), xp.multiply(0, xp.sum(foo(a, b, { c })))), [[1, 2, 3], [4, 5, 6], [0.5, -1, 2]]);
      t.expectGrads(g, [[1, 1, 1], [0, 0, 0], [0, 0, 0]], `Σa + 0·Σ foo(a, b, { c })`);
      t.expectRuleRanOnce('foo', 'an output multiplied by 0', { pullbackMayBeSkipped: true });
    },
  },
  {
    ...reverse,
    id: 'differentiable-in-static',
    title: "an engine array in a static option while differentiating is a RuleError 'differentiable-in-static' with the rule and slot",
    run(t) {
      const { tagged } = t.rules;
      const flat = t.expectThrow(() => t.grad((x) => tagged(x, { mode: x }), [1]), 'tagged(x, { mode: x }) under grads');
      t.expectRuleError(flat, 'differentiable-in-static', 'tagged', 'kwargs.mode', 'tagged(x, { mode: x }) under grads');
      const nested = t.expectThrow(() => t.grad((x, mu) => tagged(x, { prior: { mu, label: x } }), [1, 2]), 'tagged(x, { prior: { mu, label: x } }) under grads');
      t.expectRuleError(nested, 'differentiable-in-static', 'tagged', 'kwargs.prior.label', 'a nested static option');
      t.expectCounts('tagged', { pullback: 0 }, 'no pullback ran');
      t.rules.reset();
      const g = t.grad((x, mu) => tagged(x, { mode: 'plain', prior: { mu, label: 'ok' } }), [1, 2]);
      t.expectValues(g[0], 2, 'then, with static options that are not engine arrays: x̄');
      t.expectValues(g[1], 1, 'then: prior.mū');
      t.expectRuleRanOnce('tagged', 'static options that are not engine arrays');
    },
  },
];
