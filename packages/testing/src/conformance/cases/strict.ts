import { expect } from 'vitest';
import { isRuleError } from '@chainrules/core';
import { isContainer } from '@chainrules/core/adapter';
import type { CaseContext, ConformanceCase } from './context';

/*
 * "Never silently wrong": a derivative is right, or a RuleError with a code, the rule and the
 * slot. Each case is an attack that once gave a silent zero or a quietly wrong number on some
 * engine; every adapter is held to it.
 */

const reverse = { group: 'reverse mode', needs: ['reverse'] } as const;
const forward = { group: 'forward mode', needs: ['forward'] } as const;

/** A class instance holding a value in a public field. */
class Holder {
  constructor(readonly held: unknown) {}
}

/** `x` under `levels` nested records. */
const deep = (x: unknown, levels: number): unknown => (levels === 0 ? x : { inner: deep(x, levels - 1) });

/** Containers an engine array can hide in, where a scan that looks only at the value, at lists and at plain records does not look. */
export const HIDING_PLACES: readonly (readonly [string, (x: unknown) => unknown])[] = [
  ['new Map([["w", x]])', (x) => new Map([['w', x]])],
  ['new Set([x])', (x) => new Set([x])],
  ['an instance of a class holding x', (x) => new Holder(x)],
  ['x under 40 nested records', (x) => deep(x, 40)],
];

/** Containers that cannot be searched to the end. */
const SEALED: readonly (readonly [string, (x: unknown) => unknown])[] = [
  ['x under 70 nested records', (x) => deep(x, 70)],
  ['a WeakMap holding x', (x) => new WeakMap([[{}, x]])],
];

/** Asserts a RuleError `code` from `run`, with the rule and the slot. */
function refused<A>(t: CaseContext<A>, run: () => unknown, code: string, rule: string, slot: string, what: string): void {
  t.expectRuleError(t.expectThrow(run, what), code, rule, slot, what);
}

/** The control characters an error's text must never carry raw. */
// eslint-disable-next-line no-control-regex -- the control characters are what it finds
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

export const strictCases: readonly ConformanceCase[] = [
  {
    ...reverse,
    id: 'hidden-in-static',
    title: "an engine array hidden in a static option (in a Map, a Set, a class instance, deep records) under grads is 'differentiable-in-static'; what cannot be searched is 'unsearchable'",
    run(t) {
      const { tagged } = t.rules;
      for (const [shown, hide] of HIDING_PLACES) {
        const what = `grads of tagged(y, { mode: ${shown} })`;
        refused(t, () => t.grad((y, x) => tagged(y, { mode: hide(x) }), [1, 2]), 'differentiable-in-static', 'tagged', 'kwargs.mode', what);
        // The hidden array alone must still reach the adapter, which refuses it.
        const alone = `grads of tagged(1, { mode: ${shown} }) + x (the hidden array is the call's only engine value)`;
        refused(t, () => t.grad((x, z) => t.xp.add(z, tagged(1, { mode: hide(x) })), [2, 1]), 'differentiable-in-static', 'tagged', 'kwargs.mode', alone);
      }
      for (const [shown, hide] of SEALED) {
        refused(t, () => t.grad((y, x) => tagged(y, { mode: hide(x) }), [1, 2]), 'unsearchable', 'tagged', 'kwargs.mode', `grads of tagged(y, { mode: ${shown} })`);
      }
      t.expectCounts('tagged', { pullback: 0 }, 'no pullback ran');
    },
  },
  {
    ...reverse,
    id: 'hidden-in-argument',
    title: "an engine array hidden in a positional container (a Map, a Set, a class instance) under grads is a RuleError for that slot, never a silent zero; under deep records it is a leaf the rule differentiates",
    run(t) {
      const { bagged } = t.rules;
      for (const [shown, hide] of HIDING_PLACES.filter(([, hide]) => !isContainer(hide(0)))) {
        const what = `grads of bagged(y, ${shown})`;
        const error = t.expectThrow(() => t.grad((y, x) => bagged(y, hide(x)), [1, 2]), what);
        t.expectRuleError(error, 'unsupported', 'bagged', 'args[1]', what);
      }
      for (const [shown, hide] of SEALED) {
        refused(t, () => t.grad((y, x) => bagged(y, hide(x)), [1, 2]), 'unsearchable', 'bagged', 'args[1]', `grads of bagged(y, ${shown})`);
      }
      // Records and lists are trees: their leaves are the rule's to differentiate (bagged's is zero).
      t.rules.reset();
      const nested = t.grad((y, x) => bagged(y, deep(x, 40)), [1, 2]);
      t.expectValues(nested[0], 2, 'grads of bagged(y, x under 40 nested records): ȳ');
      t.expectValues(nested[1], 0, 'grads of bagged(y, x under 40 nested records): x̄ (the rule says zero)');
      t.expectRuleRan('bagged', 'x under 40 nested records');
      t.rules.reset();
      const g = t.grad((y) => bagged(y, new Map([['w', 3]])), [1.5]);
      t.expectValues(g[0], 2, 'then, with a Map of plain numbers: ȳ');
      t.expectRuleRan('bagged', 'a Map of plain numbers');
    },
  },
  {
    ...reverse,
    id: 'static-argument',
    title: "a positional count the rule declares static (staticArgs): NoTangent there, and an engine array in its place under grads is 'differentiable-in-static'",
    run(t) {
      const { picked } = t.rules;
      t.expectValues(t.grad((x) => picked(x, 3), [1.5])[0], 3, 'd/dx of picked(x, 3) = 3x');
      t.expectRuleRan('picked', 'picked(x, 3)');
      t.rules.reset();
      refused(t, () => t.grad((x, n) => picked(x, n as never), [1.5, 3]), 'differentiable-in-static', 'picked', 'args[1]', 'grads of picked(x, n) with n an engine array');
      t.expectCounts('picked', { pullback: 0 }, 'no pullback ran');
    },
  },
  {
    ...reverse,
    id: 'broadcast-up',
    title: "a cotangent smaller than its value (a scalar or [1] for a [3] argument, a scalar for a [3] option) is 'wrong-shape', never broadcast up",
    run(t) {
      const { squash } = t.rules;
      const { xp } = t;
      for (const [how, slot] of [['arg-scalar', 'args[0]'], ['arg-one', 'args[0]'], ['option-scalar', 'kwargs.c']] as const) {
        const what = `grads of Σ squash(x, { c, how: '${how}' }) for x and c of shape [3]`;
        refused(t, () => t.grad((x, c) => xp.sum(squash(x, { c, how })), [[1, 2, 3], [0.5, -1, 2]]), 'wrong-shape', 'squash', slot, what);
      }
      t.rules.reset();
      const g = t.grad((x, c) => xp.sum(squash(x, { c, how: 'fine' })), [[1, 2, 3], [0.5, -1, 2]]);
      t.expectGrads(g, [[0.5, -1, 2], [1, 2, 3]], "then, how: 'fine'");
      t.expectRuleRan('squash', "how: 'fine'");
    },
  },
  {
    ...reverse,
    id: 'no-tangent-for-derivative',
    title: "NoTangent (bare or in a thunk) for an argument or an option the engine differentiates is 'missing-tangent', never a zero gradient",
    run(t) {
      const { hollow } = t.rules;
      for (const [how, slot] of [['arg', 'args[1]'], ['thunk', 'args[1]'], ['option', 'kwargs.c']] as const) {
        refused(t, () => t.grad((x, y, c) => hollow(x, y, { c, how }), [2, 3, 0.5]), 'missing-tangent', 'hollow', slot, `grads of hollow(x, y, { c, how: '${how}' })`);
      }
    },
  },
  {
    ...reverse,
    id: 'options-every-path',
    title: "a misspelt option is 'unknown-option' on every path (under grads, outside it on engine arrays, on plain numbers); a getter is read once and a non-enumerable option seen by rule and plain function alike",
    run(t) {
      const { foo } = t.rules;
      const typo = { c: 2, cutof: 1 } as never;
      refused(t, () => t.grad((a, b) => foo(a, b, typo), [2, 3]), 'unknown-option', 'foo', 'kwargs.cutof', 'grads of foo(a, b, { c: 2, cutof: 1 })');
      const lent = (value: number) => t.ref(t.arr(value));
      refused(t, () => foo(lent(2), lent(3), typo), 'unknown-option', 'foo', 'kwargs.cutof', 'foo(2, 3, { c: 2, cutof: 1 }) on engine arrays, outside any differentiation');
      refused(t, () => foo(2, 3, typo), 'unknown-option', 'foo', 'kwargs.cutof', 'foo(2, 3, { c: 2, cutof: 1 }) on plain numbers');
      t.expectCounts('foo', { impl: 0, rrule: 0, frule: 0 }, 'neither the rule nor the plain function ran');
      let reads = 0;
      const g = t.grad(
        (a, b, c) =>
          foo(a, b, {
            get c() {
              reads++;
              return c;
            },
          }),
        [2, 3, 3],
      );
      t.expectGrads(g, [9, 6, 6], 'grads of foo(a, b, { get c() }) (a getter)');
      expect(reads, 'the getter is read once').toBe(1);
      t.expectRuleRan('foo', 'a getter option');
      t.rules.reset();
      const h = t.grad((a, b, c) => foo(a, b, Object.defineProperty({}, 'c', { value: c, enumerable: false })), [2, 3, 3]);
      t.expectGrads(h, [9, 6, 6], 'grads of foo(a, b, options) with c a non-enumerable own field (not the default 42)');
      t.expectRuleRan('foo', 'a non-enumerable option');
    },
  },
  {
    ...reverse,
    id: 'escaped-errors',
    title: 'an option key with control characters reaches an error’s message and slot escaped, never raw',
    run(t) {
      const { foo } = t.rules;
      const key = '\u001b[2J\nERROR forged\u202e';
      const error = t.expectThrow(() => t.grad((a, b) => foo(a, b, { [key]: 1 } as never), [2, 3]), 'grads of foo(a, b, { "\\u001b[2J\\nERROR forged\\u202e": 1 })');
      t.expectRuleError(error, 'unknown-option', 'foo', undefined, 'a key with control characters');
      let found: unknown = error;
      while (!isRuleError(found) && found instanceof Error) found = found.cause;
      const { message, slot } = found as { message: string; slot: string };
      expect(UNSAFE.test(message), `the message carries no raw control character: ${JSON.stringify(message)}`).toBe(false);
      expect(UNSAFE.test(slot), `the slot carries no raw control character: ${JSON.stringify(slot)}`).toBe(false);
      expect(slot, 'the slot shows the key escaped').toBe('kwargs.\\u001b[2J\\u000aERROR forged\\u202e');
    },
  },
  {
    ...forward,
    id: 'forward-no-tangent-output',
    title: "an frule giving NoTangent as ẏ while its input moves is 'missing-tangent' under jvp, never a zero",
    run(t) {
      const { flat } = t.rules;
      refused(t, () => t.jvp((x) => flat(x), [1.5], [1]), 'missing-tangent', 'flat', 'output', 'jvp of flat(x) (frule ẏ = NoTangent)');
    },
  },
  {
    ...forward,
    id: 'forward-hidden-in-static',
    title: "an engine array with a tangent hidden in a static option (Map, Set, class instance, deep records) under jvp is 'differentiable-in-static'",
    run(t) {
      const { tagged } = t.rules;
      for (const [shown, hide] of HIDING_PLACES) {
        const what = `jvp of tagged(y, { mode: ${shown} })`;
        refused(t, () => t.jvp((y, x) => tagged(y, { mode: hide(x) }), [1, 2], [1, 1]), 'differentiable-in-static', 'tagged', 'kwargs.mode', what);
      }
    },
  },
];
