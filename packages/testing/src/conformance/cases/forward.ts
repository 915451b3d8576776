import type { ConformanceCase } from './context';
import { STATIC_HOLDERS } from './reverseEdges';

const forward = { group: 'forward mode', needs: ['forward'] } as const;

/** Forward-mode cases: `engine.jvp` through the suite's frules. */
export const forwardCases: readonly ConformanceCase[] = [
  {
    ...forward,
    id: 'forward-seed',
    title: 'jvp of foo(a, b, { c }) with a tangent on c only is a·b, also when c is the only tracked value; the frule runs',
    run(t) {
      const { foo } = t.rules;
      const f = (a: unknown, b: unknown, c: unknown) => foo(a, b, { c });
      const [y, dy] = t.jvp(f, [2, 3, 3], [0, 0, 1]);
      t.expectValues(y, 18, 'y');
      t.expectValues(dy, 6, 'ẏ for a tangent on c only');
      t.expectCounts('foo', { frule: 1, rrule: 0, pullback: 0, impl: 0 }, 'jvp of foo');
      t.rules.reset();
      t.expectValues(t.jvp(f, [2, 3, 3], [1, 1, 1])[1], 21, 'ẏ for tangents (1, 1, 1)');
      t.rules.reset();
      const [yv, dyv] = t.jvp(f, [[1, 2, 3], [4, 5, 6], 3], [[0, 0, 0], [0, 0, 0], 1]);
      t.expectValues(yv, [12, 30, 54], 'y for vectors a, b and a scalar c');
      t.expectValues(dyv, [4, 10, 18], 'ẏ for vectors, a tangent on the scalar c only');
      t.expectCounts('foo', { frule: 1, rrule: 0, impl: 0 }, 'jvp of foo on vectors');
      t.rules.reset();
      const [yc, dyc] = t.jvp((c) => foo(2, 3, { c }), [5], [1]);
      t.expectValues(yc, 30, 'foo(2, 3, { c: 5 })');
      t.expectValues(dyc, 6, 'ẏ of foo(2, 3, { c }) (no tracked positional argument) = a·b');
      t.expectCounts('foo', { frule: 1, rrule: 0, impl: 0 }, 'jvp of foo(2, 3, { c }): the only tracked value is an option');
      t.rules.reset();
      t.expectValues(t.jvp((x) => foo(2, x, { c: 3 }), [5], [1])[1], 6, 'ẏ of foo(2, x, { c: 3 }) = a·c');
      t.expectCounts('foo', { frule: 1, rrule: 0, impl: 0 }, 'jvp of foo(2, x, { c: 3 })');
    },
  },
  {
    ...forward,
    id: 'forward-zero-tangents',
    title: "an frule that declares its options constant: jvp of gate(x, y, { c, inner: { d } }) with tangents on every input is ẋ, not the engine's own derivative",
    run(t) {
      const { gate } = t.rules;
      const f = (x: unknown, y: unknown, c: unknown, d: unknown) => gate(x, y, { c, inner: { d } });
      const [y, dy] = t.jvp(f, [[1, 2, 3], [4, 5, 6], 2, [0.5, -1, 2]], [[1, -1, 2], [3, 1, -2], 0.5, [1, 1, 1]]);
      t.expectValues(y, [9.5, 11, 17], 'gate(x, y, { c, inner: { d } }) = x + y·c + d');
      t.expectValues(dy, [1, -1, 2], "ẏ = ẋ (the frule's; the engine's own would be ẋ + c·ẏ + y·ċ + ḋ = [10, 4.5, 2])");
      t.expectCounts('gate', { frule: 1, rrule: 0, impl: 0 }, 'jvp of gate');
    },
  },
  {
    ...forward,
    id: 'forward-non-elementwise',
    title: 'jvp of a rule that is not elementwise (center(x) = x − mean(x)) is ẋ − mean(ẋ)',
    run(t) {
      const { center } = t.rules;
      const [y, dy] = t.jvp((x) => center(x), [[1, 2, 4]], [[1, 0, 0]]);
      t.expectValues(y, [-4 / 3, -1 / 3, 5 / 3], 'center([1, 2, 4])');
      t.expectValues(dy, [2 / 3, -1 / 3, -1 / 3], 'ẏ for ẋ = [1, 0, 0]');
      t.expectCounts('center', { frule: 1, rrule: 0, impl: 0 }, 'jvp of center');
    },
  },
  {
    ...forward,
    id: 'forward-options',
    title: 'jvp through a static option and through nested option records',
    run(t) {
      const { mix, penalty } = t.rules;
      const [y, dy] = t.jvp((a, b, c) => mix(a, b, { c, mode: 'sum' }), [2, 3, 3], [1, 0, 2]);
      t.expectValues(y, 15, "mix(2, 3, { c: 3, mode: 'sum' })");
      t.expectValues(dy, 13, "ẏ of (a + b)·c for tangents (1, 0, 2)");
      t.expectCounts('mix', { frule: 1, rrule: 0, impl: 0 }, 'jvp of mix');
      const [p, dp] = t.jvp((x, mu, tau, scale) => penalty(x, { prior: { mu, tau }, scale }), [2, 0.5, 3, 2], [0, 1, 0, 0]);
      t.expectValues(p, 13.5, 'penalty(2, { prior: { mu: 0.5, tau: 3 }, scale: 2 })');
      t.expectValues(dp, -18, 'ẏ for a tangent on prior.mu only');
      t.expectCounts('penalty', { frule: 1, rrule: 0, impl: 0 }, 'jvp of penalty');
    },
  },
  {
    ...forward,
    id: 'forward-composition',
    title: "jvp of a rule-aware function called inside another rule's frule",
    run(t) {
      const { outer } = t.rules;
      const [y, dy] = t.jvp((x, w) => outer(x, { w }), [2, 3], [1, 1]);
      t.expectValues(y, 12, 'outer(2, { w: 3 }) = w·x²');
      t.expectValues(dy, 16, 'ẏ = 2xw·ẋ + x²·ẇ');
      t.expectCounts('outer', { frule: 1, rrule: 0, impl: 0 }, 'jvp of outer');
      t.expectCounts('foo', { impl: (n, c) => n + c.frule + c.rrule >= 3 }, "foo ran inside outer's frule");
    },
  },
  {
    ...forward,
    id: 'forward-opt-out',
    title: "jvp of opted-out calls (of a function and of a method reading this.k) uses the engine's own forward mode, of the others the frule",
    run(t) {
      const { power } = t.rules;
      const [y, dy] = t.jvp((x) => power(x, { p: 2 }), [1.5], [1]);
      t.expectValues(y, 2.25, 'power(1.5, { p: 2 }) (opted out)');
      t.expectValues(dy, 3, 'ẏ = 2x');
      t.expectCounts('power', { frule: 0, rrule: 0, impl: (n) => n >= 1 }, 'opted out: no rule runs');
      t.rules.reset();
      const [z, dz] = t.jvp((x) => power(x, { p: 2.5 }), [1.5], [1]);
      t.expectValues(z, 1.5 ** 2.5, 'power(1.5, { p: 2.5 })');
      t.expectValues(dz, 2.5 * 1.5 ** 1.5, 'ẏ = 2.5·x^1.5');
      t.expectCounts('power', { frule: 1, rrule: 0, impl: 0 }, 'not opted out: the frule runs');
      t.rules.reset();
      const { holder } = t.rules;
      const other = { k: 5, kpow: holder.kpow };
      t.expectValues(t.jvp((x) => holder.kpow(x, { p: 2 }), [1.5], [1])[1], 9, 'ẏ of holder.kpow(x, { p: 2 }) = 3x² (an opted-out method call)');
      t.expectValues(t.jvp((x) => other.kpow(x, { p: 2 }), [1.5], [1])[1], 15, 'ẏ of other.kpow(x, { p: 2 }) = 5x² (k read from this)');
      t.expectCounts('kpow', { frule: 0, rrule: 0, impl: (n) => n >= 2 }, 'opted-out method calls: the plain function ran');
    },
  },
  {
    ...forward,
    id: 'frule-throws',
    title: 'an frule that throws: the error propagates and the engine stays usable',
    run(t) {
      const { fragile, foo } = t.rules;
      const error = t.expectThrow(() => t.jvp((x) => fragile(x), [1], [1]), 'jvp through a throwing frule');
      t.expectCausedBy(error, t.rules.thrown.at(-1), 'jvp through a throwing frule');
      t.expectIdle('after a throwing frule');
      t.rules.reset();
      t.expectValues(t.jvp((a, b, c) => foo(a, b, { c }), [2, 3, 3], [0, 0, 1])[1], 6, 'the next jvp');
      t.expectCounts('foo', { frule: 1, impl: 0 }, 'the next jvp');
    },
  },
  {
    ...forward,
    id: 'forward-differentiable-in-static',
    title: "an engine array with a tangent in a static option (bare, in a record or a list) is a RuleError 'differentiable-in-static'",
    run(t) {
      const { tagged } = t.rules;
      for (const [shown, hold] of STATIC_HOLDERS) {
        const what = `jvp of tagged(x, { mode: ${shown} })`;
        t.expectRuleError(t.expectThrow(() => t.jvp((x) => tagged(t.ref(x), { mode: hold(x) }), [1], [1]), what), 'differentiable-in-static', 'tagged', 'kwargs.mode', what);
      }
      t.expectCounts('tagged', { pullback: 0 }, 'no pullback ran');
    },
  },
];
