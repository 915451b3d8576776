import type { CaseContext, ConformanceCase } from './context';

const reverse = { group: 'reverse mode', needs: ['reverse'] } as const;

/** After an error: the adapter is idle, and the next grads of the seed works and runs its rule. */
function expectUsable<A>(t: CaseContext<A>, after: string): void {
  t.expectIdle(`after ${after}`);
  t.rules.reset();
  const { foo } = t.rules;
  t.expectGrads(t.grad((a, b, c) => foo(a, b, { c }), [2, 3, 3]), [9, 6, 6], `the next grads, after ${after}`);
  t.expectRuleRan('foo', `the next grads, after ${after}`);
}

/** The values a static option receives in `differentiable-in-static`: an engine array, bare or inside a record or a list. */
export const STATIC_HOLDERS: readonly (readonly [string, (x: unknown) => unknown])[] = [
  ['x', (x) => x],
  ['{ k: x }', (x) => ({ k: x })],
  ['[x]', (x) => [x]],
];

/** Reverse-mode edge cases: opt-out, `this`, errors in rules and options, zero cotangents, the static-option guard. */
export const reverseEdgeCases: readonly ConformanceCase[] = [
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
      t.expectRuleRan('power', 'not opted out');
    },
  },
  {
    ...reverse,
    id: 'method-this',
    title: 'a rule-aware method reading this.k, called on its holder under grads: an opted-out call runs the plain function with that holder as `this`',
    run(t) {
      const { holder } = t.rules;
      const other = { k: 5, kpow: holder.kpow };
      t.expectValues(t.grad((x) => holder.kpow(x, { p: 2 }), [1.5])[0], 9, 'holder.kpow(x, { p: 2 }) = 3x² (opted out): d/dx = 6x');
      t.expectValues(t.grad((x) => other.kpow(x, { p: 2 }), [1.5])[0], 15, 'other.kpow(x, { p: 2 }) = 5x² (opted out, k read from this): d/dx = 10x');
      t.expectCounts('kpow', { rrule: 0, frule: 0, pullback: 0, impl: (n) => n >= 2 }, 'opted out: the plain function ran, no rule');
      t.rules.reset();
      t.expectValues(t.grad((x) => holder.kpow(x, { p: 2.5 }), [1.5])[0], 3 * 2.5 * 1.5 ** 1.5, 'holder.kpow(x, { p: 2.5 }) (the rule): d/dx = 7.5·x^1.5');
      t.expectRuleRan('kpow', 'not opted out');
    },
  },
  {
    ...reverse,
    id: 'pullback-throws',
    title: 'a pullback that throws: the error propagates and the engine stays usable',
    run(t) {
      const { fragile } = t.rules;
      const error = t.expectThrow(() => t.grad((x) => fragile(x), [1]), 'grads through a throwing pullback');
      t.expectCausedBy(error, t.rules.thrown.at(-1), 'grads through a throwing pullback');
      t.expectCounts('fragile', { impl: 0, rrule: (_, c) => c.rrule + c.frule >= 1 }, 'the fragile rule ran');
      expectUsable(t, 'a throwing pullback');
    },
  },
  {
    ...reverse,
    id: 'rrule-throws',
    title: 'an rrule that throws (not its pullback): the error propagates, no plain function runs instead, and the engine stays usable',
    run(t) {
      const { fragile } = t.rules;
      const error = t.expectThrow(() => t.grad((x) => fragile(x, { at: 'rrule' }), [1]), 'grads through a throwing rrule');
      t.expectCausedBy(error, t.rules.thrown.at(-1), 'grads through a throwing rrule');
      t.expectCounts('fragile', { impl: 0, pullback: 0, rrule: (_, c) => c.rrule + c.frule >= 1 }, 'the fragile rule ran, no pullback and no plain function');
      expectUsable(t, 'a throwing rrule');
    },
  },
  {
    ...reverse,
    id: 'invalid-options',
    title: "invalid options under grads (foo(a, a, { c: a, typo: 1 })): a RuleError 'unknown-option', and the engine stays usable",
    run(t) {
      const { foo } = t.rules;
      const error = t.expectThrow(() => t.grad((a) => foo(t.ref(a), t.ref(a), { c: a, typo: 1 } as never), [2]), 'grads of foo(a, a, { c: a, typo: 1 })');
      t.expectRuleError(error, 'unknown-option', 'foo', 'kwargs.typo', 'grads of foo(a, a, { c: a, typo: 1 })');
      t.expectCounts('foo', { impl: 0, rrule: 0, pullback: 0, frule: 0 }, 'neither the rule nor the plain function ran on invalid options');
      expectUsable(t, 'invalid options');
    },
  },
  {
    ...reverse,
    id: 'zero-cotangents',
    title: 'a pullback returning a thunk and ZeroTangent (for an argument, and for the options, flat and nested): the engine gets the values and zeros of the right shapes',
    run(t) {
      const { gate } = t.rules;
      const { xp } = t;
      for (const how of ['whole', 'field'] as const) {
        t.rules.reset();
        const g = t.grad((x, y, c, d) => xp.sum(gate(x, y, { c, inner: { d }, how })), [[1, 2, 3], [4, 5, 6], 2, [0.5, -1, 2]]);
        t.expectValues(g[0], [1, 1, 1], `x̄ from thunk(() => ȳ) (${how})`);
        t.expectValues(g[1], [0, 0, 0], `ȳ from ZeroTangent (${how})`);
        const zero = how === 'whole' ? 'a ZeroTangent options tangent' : 'Tangent({ c: ZeroTangent, inner: Tangent({ d: ZeroTangent }) })';
        t.expectValues(g[2], 0, `c̄ (a scalar) from ${zero}`);
        t.expectValues(g[3], [0, 0, 0], `inner.d̄ (a vector) from ${zero}`);
        t.expectRuleRan('gate', `gate (${how})`);
      }
    },
  },
  {
    ...reverse,
    id: 'zero-output',
    title: 'a rule whose output is multiplied by 0 in the loss gives zeros of each input’s shape (a scalar c̄ too)',
    run(t) {
      const { foo } = t.rules;
      const { xp } = t;
      const g = t.grad((a, b, c) => xp.add(xp.sum(a), xp.multiply(0, xp.sum(foo(a, b, { c })))), [[1, 2, 3], [4, 5, 6], 2]);
      t.expectGrads(g, [[1, 1, 1], [0, 0, 0], 0], `Σa + 0·Σ foo(a, b, { c }) with a scalar c`);
      t.expectRuleRan('foo', 'an output multiplied by 0', { pullbackMayBeSkipped: true });
    },
  },
  {
    ...reverse,
    id: 'differentiable-in-static',
    title: "an engine array in a static option (bare, in a record or a list, or nested) while differentiating is a RuleError 'differentiable-in-static' with the rule and slot",
    run(t) {
      const { tagged } = t.rules;
      for (const [shown, hold] of STATIC_HOLDERS) {
        const what = `tagged(x, { mode: ${shown} }) under grads`;
        t.expectRuleError(t.expectThrow(() => t.grad((x) => tagged(t.ref(x), { mode: hold(x) }), [1]), what), 'differentiable-in-static', 'tagged', 'kwargs.mode', what);
      }
      const nested = t.expectThrow(() => t.grad((x, mu) => tagged(t.ref(x), { prior: { mu, label: x } }), [1, 2]), 'tagged(x, { prior: { mu, label: x } }) under grads');
      t.expectRuleError(nested, 'differentiable-in-static', 'tagged', 'kwargs.prior.label', 'a nested static option');
      t.expectCounts('tagged', { pullback: 0 }, 'no pullback ran');
      t.rules.reset();
      const g = t.grad((x, mu) => tagged(x, { mode: 'plain', prior: { mu, label: 'ok' } }), [1, 2]);
      t.expectValues(g[0], 2, 'then, with static options that are not engine arrays: x̄');
      t.expectValues(g[1], 1, 'then: prior.mū');
      t.expectRuleRan('tagged', 'static options that are not engine arrays');
    },
  },
];
