import type { AnyFn, ConformanceCase } from './context';

const second = { group: 'second order', needs: ['reverse', 'second-order'] } as const;
const third = { group: 'third order', needs: ['reverse', 'second-order', 'third-order'] } as const;
const E = Math.exp(0.5);

/** Higher-order cases: `grads(grads(f))`, through rules whose pullbacks are written with `xp` and rule-aware calls. */
export const higherOrderCases: readonly ConformanceCase[] = [
  {
    ...second,
    id: 'second-xp-pullback',
    title: "d²/da² of foo(a, a, { c: a }) = 6a, through a pullback written with xp",
    run(t) {
      const { foo } = t.rules;
      const d1: AnyFn = (a) => t.grads((x) => foo(t.ref(x), t.ref(x), { c: x }))(a)[0];
      t.expectValues(t.grad(d1, [2])[0], 12, 'd²/da² of a³ at 2');
      t.expectCounts('foo', { rrule: (_, c) => c.rrule + c.frule >= 1 }, 'the rule of foo ran');
    },
  },
  {
    ...second,
    id: 'second-mixed-partials',
    title: 'mixed second partials through a pullback that calls a rule-aware function, options included',
    run(t) {
      const { outer } = t.rules;
      const dx: AnyFn = (x, w) => t.grads((x, w) => outer(x, { w }))(x, w)[0];
      const g = t.grad(dx, [2, 3]);
      t.expectValues(g[0], 6, '∂²(w·x²)/∂x² = 2w');
      t.expectValues(g[1], 4, '∂²(w·x²)/∂x∂w = 2x');
      t.expectCounts('outer', { impl: 0, rrule: (_, c) => c.rrule + c.frule >= 1 }, 'the rule of outer ran, its plain function never');
    },
  },
  {
    ...second,
    id: 'second-self-pullback',
    title: 'a rule whose pullback calls the rule-aware function itself (exp): d²/dx² = eˣ',
    run(t) {
      const { expm } = t.rules;
      t.expectValues(t.grad((x) => t.grads(expm)(x)[0]!, [0.5])[0], E, 'd²/dx² of exp at 0.5');
      t.expectCounts('expm', { rrule: (_, c) => c.rrule + c.frule >= 2 }, 'the rule of expm ran at both orders');
    },
  },
  {
    ...third,
    id: 'third-order',
    title: 'third derivatives: d³/da³ of foo(a, a, { c: a }) = 6, and of exp through its self-calling pullback',
    run(t) {
      const { foo, expm } = t.rules;
      const nest = (f: AnyFn): AnyFn => (x) => t.grads(f)(x)[0];
      t.expectValues(t.grad(nest(nest((a) => foo(t.ref(a), t.ref(a), { c: a }))), [2])[0], 6, 'd³/da³ of a³');
      t.expectValues(t.grad(nest(nest(expm)), [0.5])[0], E, 'd³/dx³ of exp at 0.5');
      t.expectCounts('expm', { rrule: (_, c) => c.rrule + c.frule >= 3 }, 'the rule of expm ran at every order');
    },
  },
];
