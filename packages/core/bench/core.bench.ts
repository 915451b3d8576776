/**
 * `npm run bench -w @chainrules/core`: the cost of chainrules-ts on plain numbers, as ratios
 * against hand-written code measured in the same run.
 *
 * 1. Dispatch: a rule-aware function called with plain numbers and no differentiation active,
 *    against the plain function — with no adapter installed (goal ≤ 1.3×), and with one whose
 *    engine is idle (goal ≤ 3×); both check the call's options, as every path does; and, for
 *    scale, while the engine differentiates (the values are scanned).
 * 1d. The watch mode: with the engine idle, dispatch after the watch mode was turned on and off
 *    again, against dispatch with no setting ever made (goal ≤ 1.0×: off costs nothing).
 * 2. Reverse rule: `rrule(kwcall, { c }, foo, a, b)` plus `pullback(1)` for the seed case,
 *    against the closed form written by hand (goal ≤ 10×), and against the closed form that
 *    returns the same tuple (a `Tangent` for the options) as the contract does.
 * 3. For scale, last: dispatch with the watch mode on, and inside an open rule trace.
 */
import { z } from 'zod';
import { NoTangent, Tangent, defineRule, installAdapter, kw, kwcall, numberApi, rrule, ruleConfig, traceRules, watchRules } from '../src/index';
import { compare, report } from '../../../tools/measure';

function fooImpl(a: number, b: number, { c = 42 }: { c?: number } = {}): number {
  return a * b * c;
}

const foo = defineRule(fooImpl, {
  name: 'foo',
  kwargs: z.object({ c: kw.diff<number>().default(42) }),
  rrule: (_cfg, { c }, a, b) => [a * b * c, (dy) => ({ args: [dy * b * c, dy * a * c], kwargs: new Tangent({ c: dy * a * b }) })],
});

/** The derivatives written by hand: no registry, no options parsing, no checks. */
function closedForm(a: number, b: number, c: number): [number, (dy: number) => [number, number, number]] {
  return [a * b * c, (dy) => [dy * b * c, dy * a * c, dy * a * b]];
}

/** The same, returning what the contract returns: the kwcall tuple with a Tangent for the options. */
function closedFormTuple(a: number, b: number, c: number): [number, (dy: number) => unknown[]] {
  return [a * b * c, (dy) => [NoTangent, new Tangent({ c: dy * a * b }), NoTangent, dy * b * c, dy * a * c]];
}

const dispatchRows = () =>
  compare([
    {
      name: 'plain function fooImpl(a, b, { c })',
      run: (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += fooImpl(i, 3, { c: 2 });
        return s;
      },
    },
    {
      name: 'rule-aware foo(a, b, { c })',
      run: (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += foo(i, 3, { c: 2 });
        return s;
      },
    },
  ]);

console.log(`@chainrules/core benchmarks — Node ${process.version}, ${new Date().toISOString()}`);

report('1a. Dispatch with plain numbers, no adapter installed', dispatchRows(), { 'rule-aware foo(a, b, { c })': 1.3 });

class Elsewhere {}
let differentiating = false;
const uninstall = installAdapter({
  name: 'bench-engine',
  xp: numberApi,
  config: ruleConfig({ xp: numberApi, engine: 'bench-engine', canReverse: true, canForward: false }),
  owns: (value): value is never => value instanceof Elsewhere,
  isDifferentiating: () => differentiating,
  invoke: (call) => call.primal(),
});
report('1b. Dispatch with plain numbers, an adapter installed, its engine idle', dispatchRows(), { 'rule-aware foo(a, b, { c })': 3 });
const loop = (n: number): number => {
  let s = 0;
  for (let i = 0; i < n; i++) s += foo(i, 3, { c: 2 });
  return s;
};
/** The dispatch loop after `prepare`, once per round: both rows below are made by it, so they differ only in `prepare`. */
const after = (prepare: () => void) => (n: number): number => {
  prepare();
  return loop(n);
};
report(
  '1d. Dispatch with plain numbers, engine idle: the watch mode turned off again, against no setting',
  compare([
    { name: 'rule-aware foo, no watch setting ever made', run: after(() => {}) },
    { name: 'rule-aware foo, watch mode turned on and off before', run: after(() => watchRules({ warn: () => {} })()) },
  ], { shuffle: true }),
  { 'rule-aware foo, watch mode turned on and off before': 1.0 },
);
differentiating = true;
report('1c. Dispatch with plain numbers while the engine differentiates (values scanned, none owned)', dispatchRows());
uninstall();

report(
  '2. Reverse rule and pullback for the seed case, c passed as a keyword argument',
  compare([
    {
      name: 'closed form by hand: [y, pb] = closedForm(a, b, c); pb(1)',
      run: (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const [y, pullback] = closedForm(i, 3, 2);
          const [da, db, dc] = pullback(1);
          s += y + da + db + dc;
        }
        return s;
      },
    },
    {
      name: 'closed form, kwcall tuple with a Tangent for c',
      run: (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const [y, pullback] = closedFormTuple(i, 3, 2);
          const slots = pullback(1);
          s += y + (slots[3] as number) + (slots[4] as number) + ((slots[1] as Tangent<{ c: number }>).get('c') as number);
        }
        return s;
      },
    },
    {
      name: 'rrule(kwcall, { c }, foo, a, b); pullback(1)',
      run: (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const [y, pullback] = rrule(kwcall, { c: 2 }, foo, i, 3)!;
          const slots = pullback(1);
          s += (y as number) + (slots[3] as number) + (slots[4] as number) + ((slots[1] as Tangent<{ c: number }>).get('c') as number);
        }
        return s;
      },
    },
  ]),
  { 'rrule(kwcall, { c }, foo, a, b); pullback(1)': 10 },
);

// Last, so that the garbage a trace leaves (one record per call) does not fall on the rows above.
differentiating = false;
const reinstalled = installAdapter({
  name: 'bench-engine',
  xp: numberApi,
  config: ruleConfig({ xp: numberApi, engine: 'bench-engine', canReverse: true, canForward: false }),
  owns: (value): value is never => value instanceof Elsewhere,
  isDifferentiating: () => differentiating,
  invoke: (call) => call.primal(),
});
report(
  '3. For scale: dispatch with plain numbers, engine idle, with the watch mode on and inside an open trace',
  compare([
    { name: 'rule-aware foo, nothing observing', run: loop },
    {
      name: 'rule-aware foo, watch mode on',
      run: (n) => {
        const stop = watchRules({ warn: () => {} });
        try {
          return loop(n);
        } finally {
          stop();
        }
      },
    },
    { name: 'rule-aware foo inside traceRules (a record per call)', run: (n) => traceRules(() => loop(n)).result },
  ]),
);
reinstalled();
