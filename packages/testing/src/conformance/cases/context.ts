import { expect } from 'vitest';
import { isRuleError } from '@chainrules/core';
import type { AnyFunction, ArrayApi } from '@chainrules/core';
import { isContainer, treeLeaves } from '@chainrules/core/adapter';
import type { ArrayTree, ConformanceCapability, ConformanceEngine } from '../engine';
import type { RuleCounts, SuiteRuleName } from './counts';
import type { SuiteRules } from './rules';
import { derivative } from '../../check/finiteDifferences';

const SLOTS = ['ā', 'b̄', 'c̄', 'd̄'];

/** A function of engine arrays or plain numbers (the suite's rules are rule-aware: they take either). */
export type AnyFn = AnyFunction;

/** Expected values: a number (shape `[]`) or nested lists of numbers (shape `[n]`, `[m, n]`, …; rectangular). */
export type Expected = number | readonly Expected[];

/** Expected values of a tree: `Expected` at the leaves, records and lists (`tuple`) as containers. */
export type ExpectedTree = Expected | { readonly [key: string]: ExpectedTree } | ExpectedTuple;

/** A list of a tree (a tuple of outputs, a list argument), told apart from a vector's values by its brand. */
export interface ExpectedTuple {
  readonly tuple: readonly ExpectedTree[];
}

/** `items` as a list of a tree in expected values (a plain list there is one array's values). */
export const tuple = (...items: ExpectedTree[]): ExpectedTuple => ({ tuple: items });

/** What a case body gets: the engine, the suite's rules and assertion helpers. */
export interface CaseContext<A> {
  readonly engine: ConformanceEngine<A>;
  /** The adapter's namespace: the loss around a rule-aware call is written with it. */
  readonly xp: ArrayApi<A, unknown>;
  readonly rules: SuiteRules;
  readonly cannot: ReadonlySet<ConformanceCapability>;
  /** A fresh engine array (the suite never reuses an array across engine calls), disposed at the end of the case. */
  arr(value: Expected): A;
  /**
   * One more reference to `x` (the engine's `ref` hook; `x` itself without one): what the suite
   * hands a rule-aware function when it keeps `x` or hands it more than once.
   */
  ref<T>(x: T): T;
  /** The engine's `grads` hook, for nesting inside another transform: its results are the engine's intermediates, not disposed. */
  grads(f: (...xs: A[]) => A): (...xs: A[]) => A[];
  /** `engine.grads(f)` applied to fresh arrays of `at`; the gradients are disposed at the end of the case. */
  grad(f: (...xs: A[]) => A, at: readonly Expected[]): A[];
  /** `engine.jvp(f, …)` with fresh arrays of `primals` and `tangents`; both outputs are disposed at the end of the case. */
  jvp(f: (...xs: A[]) => A, primals: readonly Expected[], tangents: readonly Expected[]): [A, A];
  /**
   * `engine.gradTree(f)(tree)` for a tree of the case's arrays (made with `arr`): the gradient,
   * which must be shaped like `tree` (checked here); its arrays are disposed at the end of the case.
   */
  gradTree(f: (tree: ArrayTree<A>) => A, tree: ArrayTree<A>): ArrayTree<A>;
  /** `engine.jvpTree(f, primals, tangents)` for trees of the case's arrays; the arrays of both outputs are disposed at the end of the case. */
  jvpTree(f: (tree: ArrayTree<A>) => ArrayTree<A>, primals: ArrayTree<A>, tangents: ArrayTree<A>): [ArrayTree<A>, ArrayTree<A>];
  /**
   * Asserts that `actual` is a tree (plain records and lists) with `expected`'s structure —
   * the same keys, the same lengths — whose leaves hold `expected`'s leaves (as `expectValues`);
   * a leaf of `expected` is a number or nested lists of numbers where `actual` has an array.
   */
  expectTree(actual: unknown, expected: ExpectedTree, what: string): void;
  /**
   * Asserts that `actual` (an engine array or a number) has `expected`'s shape and values
   * (within rtol/atol). An engine array is read once here and disposed at the end of the case.
   */
  expectValues(actual: unknown, expected: Expected, what: string): void;
  /** Asserts a rule's counters: exact numbers, or predicates of them. */
  expectCounts(rule: SuiteRuleName, expected: { readonly [K in keyof RuleCounts]?: number | ((n: number, all: RuleCounts) => boolean) }, what: string): void;
  /**
   * Asserts that the rule of `rule`, and never its plain function, served one differentiated
   * call: either its rrule ran once or twice (TF.js runs it in the forward pass and again in
   * the gradient function) with one pullback at least (none allowed with
   * `pullbackMayBeSkipped`) and at most one per rrule, or its frule ran once and no rrule
   * (an engine that transposes the frule for reverse mode).
   */
  expectRuleRan(rule: SuiteRuleName, what: string, options?: { readonly pullbackMayBeSkipped?: boolean }): void;
  /** Asserts that the adapter does not say it is still differentiating (after an error, say). */
  expectIdle(what: string): void;
  /** Asserts each gradient (`ā`, `b̄`, … in messages) against its expected value. */
  expectGrads(actual: readonly unknown[], expected: readonly Expected[], what: string): void;
  /** Finite differences (central, Richardson-extrapolated), in float64, of `f` (a rule-aware function called with plain numbers: the plain function). */
  fd(f: (...xs: number[]) => number, at: readonly number[]): number[];
  /** Asserts that `f()` throws, and returns what it threw. */
  expectThrow(f: () => unknown, what: string): unknown;
  /** Asserts that `error` is `original`, or a RuleError whose `cause` (at any depth) is. */
  expectCausedBy(error: unknown, original: unknown, what: string): void;
  /** Asserts that `error` is a RuleError with `code`, the rule's name and the slot, or an error caused (at any depth) by one. */
  expectRuleError(error: unknown, code: string, rule: string, slot: string | undefined, what: string): void;
}

/** A case's context and what ends it: `release` disposes every array the case made or received. */
export interface CaseScope<A> {
  readonly context: CaseContext<A>;
  /** Disposes (once each, in the order they came) the arrays the case made or received; throws what `dispose` threw. */
  release(): void;
}

/** Fails with `message` unless `ok`: vitest's report then shows the message alone. */
const check = (ok: boolean, message: string): void => {
  if (!ok) expect.fail(message);
};

/** Names a value for a message without converting it (an engine array may be consumed by that). */
const describeValue = (value: unknown): string =>
  value === null || (typeof value !== 'object' && typeof value !== 'function') ? String(value) : `a ${(value as object).constructor?.name ?? 'null-prototype object'}`;

const show = (c: RuleCounts): string => `{ impl: ${c.impl}, rrule: ${c.rrule}, pullback: ${c.pullback}, frule: ${c.frule} }`;

/** The shape and the row-major values of expected values; ragged lists are the suite's own bug. */
function flatten(expected: Expected): { shape: number[]; data: number[] } {
  if (typeof expected === 'number') return { shape: [], data: [expected] };
  const rows = expected.map(flatten);
  const inner = rows[0]?.shape ?? [];
  if (rows.some((row) => row.shape.join() !== inner.join())) throw new TypeError(`conformance: ragged expected values ${JSON.stringify(expected)}`);
  return { shape: [expected.length, ...inner], data: rows.flatMap((row) => row.data) };
}

const isTuple = (e: ExpectedTree): e is ExpectedTuple => typeof e === 'object' && !Array.isArray(e) && Array.isArray((e as ExpectedTuple).tuple);
const isExpectedRecord = (e: ExpectedTree): e is { readonly [key: string]: ExpectedTree } => typeof e === 'object' && !Array.isArray(e) && !isTuple(e);
const isExpectedContainer = (e: ExpectedTree): boolean => isTuple(e) || isExpectedRecord(e);

/** A tree's structure, its leaves replaced by `'leaf'`: what two trees must share. */
function shapeOfTree(tree: unknown): unknown {
  if (Array.isArray(tree)) return tree.map(shapeOfTree);
  if (isContainer(tree)) return Object.fromEntries(Object.entries(tree).map(([key, value]) => [key, shapeOfTree(value)]));
  return 'leaf';
}

/** The RuleError in `error`'s cause chain (itself first), if any. */
function ruleErrorIn(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++, current = current.cause) if (isRuleError(current)) return current;
  return undefined;
}

/** Builds the context of one case, and what releases its arrays. */
export function caseContext<A>(engine: ConformanceEngine<A>, rules: SuiteRules, cannot: ReadonlySet<ConformanceCapability>, rtol: number, atol: number): CaseScope<A> {
  /** Every engine array the case made or received, to dispose once at its end. */
  const owned = new Set<A>();
  const own = <T>(x: T): T => {
    if (engine.adapter.owns(x)) owned.add(x);
    return x;
  };
  const arr = (value: Expected): A => own(engine.array(value));
  const ownTree = (tree: unknown): void => {
    for (const leaf of treeLeaves(tree)) own(leaf.value);
  };
  const hook = <K extends 'grads' | 'jvp' | 'gradTree' | 'jvpTree'>(name: K): NonNullable<ConformanceEngine<A>[K]> => {
    const f = engine[name];
    if (f === undefined) throw new Error(`conformance: the engine has no '${name}' hook; declare what it cannot do in options.cannot.`);
    return f.bind(engine) as NonNullable<ConformanceEngine<A>[K]>;
  };
  const readOf = (actual: unknown, what: string): { shape: readonly number[]; data: readonly number[] } => {
    if (typeof actual === 'number') return { shape: [], data: [actual] };
    // The message is built only on failure: stringifying an engine value can read (and, with
    // move semantics, consume) it.
    if (!engine.adapter.owns(actual)) expect.fail(`${what}: expected an array of engine '${engine.adapter.name}', got ${describeValue(actual)}`);
    return engine.read(actual as A);
  };
  const ctx: CaseContext<A> = {
    engine,
    xp: engine.adapter.xp,
    rules,
    cannot,
    arr,
    ref: (x) => (engine.ref !== undefined && engine.adapter.owns(x) ? (engine.ref(x as A) as typeof x) : x),
    grads: (f) => hook('grads')(f),
    grad: (f, at) => {
      const out = hook('grads')(f)(...at.map(arr));
      out.forEach(own);
      expect(out, 'grads returns one gradient per input').toHaveLength(at.length);
      return out;
    },
    jvp: (f, primals, tangents) => {
      const out = hook('jvp')(f, primals.map(arr), tangents.map(arr));
      out.forEach(own);
      expect(out, 'jvp returns [y, ẏ]').toHaveLength(2);
      return out;
    },
    gradTree: (f, tree) => {
      const out = hook('gradTree')(f)(tree);
      ownTree(out);
      expect(shapeOfTree(out), 'gradTree returns a gradient shaped like its argument').toEqual(shapeOfTree(tree));
      return out;
    },
    jvpTree: (f, primals, tangents) => {
      const out = hook('jvpTree')(f, primals, tangents);
      expect(Array.isArray(out) && out.length === 2, 'jvpTree returns [y, ẏ]').toBe(true);
      out.forEach(ownTree);
      expect(shapeOfTree(out[1]), 'jvpTree: ẏ is shaped like y').toEqual(shapeOfTree(out[0]));
      return out;
    },
    expectTree(actual, expected, what) {
      const walk = (a: unknown, e: ExpectedTree, path: string): void => {
        const here = `${what}${path}`;
        if (!isContainer(a)) {
          check(!isExpectedContainer(e), `${here}: expected a record or a list, got ${describeValue(a)}`);
          this.expectValues(a, e as Expected, here);
          return;
        }
        if (Array.isArray(a)) {
          check(isTuple(e) && e.tuple.length === a.length, `${here}: got a list of ${a.length}, expected ${isTuple(e) ? `a list of ${e.tuple.length}` : 'no list'}`);
          a.forEach((item, i) => walk(item, (e as ExpectedTuple).tuple[i]!, `${path}[${i}]`));
          return;
        }
        const keys = Object.keys(a);
        const want = isExpectedRecord(e) ? Object.keys(e) : undefined;
        check(want !== undefined && [...keys].sort().join() === [...want].sort().join(), `${here}: got a record with keys [${keys.join(', ')}], expected ${want === undefined ? 'no record' : `keys [${want.join(', ')}]`}`);
        for (const key of keys) walk((a as Record<string, unknown>)[key], (e as Record<string, ExpectedTree>)[key]!, `${path}.${key}`);
      };
      walk(actual, expected, '');
    },
    expectValues(actual, expected, what) {
      const { shape, data } = readOf(own(actual), what);
      const { shape: wantShape, data: want } = flatten(expected);
      expect([...shape], `${what}: shape`).toEqual(wantShape);
      const bad = want.findIndex((e, i) => {
        const a = data[i];
        return a === undefined || !(Math.abs(a - e) <= atol + rtol * Math.abs(e));
      });
      check(bad === -1, `${what}: got [${data.join(', ')}], expected [${want.join(', ')}] (rtol ${rtol}, atol ${atol})`);
    },
    expectCounts(rule, expected, what) {
      const c = rules.counts[rule];
      for (const key of Object.keys(expected) as (keyof RuleCounts)[]) {
        const want = expected[key]!;
        const ok = typeof want === 'number' ? c[key] === want : want(c[key], c);
        check(ok, `${what}: counters of '${rule}' are ${show(c)}; expected ${key} ${typeof want === 'number' ? `= ${want}` : `to satisfy ${want.toString()}`}`);
      }
    },
    expectRuleRan(rule, what, options = {}) {
      const c = rules.counts[rule];
      const least = options.pullbackMayBeSkipped === true ? 0 : 1;
      const viaRrule = c.frule === 0 && c.rrule >= 1 && c.rrule <= 2 && c.pullback >= least && c.pullback <= c.rrule;
      const viaFrule = c.frule === 1 && c.rrule === 0 && c.pullback === 0;
      check(
        c.impl === 0 && (viaRrule || viaFrule),
        `${what}: counters of '${rule}' are ${show(c)}; expected impl = 0 and either rrule 1 or 2 (a recompute) with ${least}..rrule pullbacks and no frule, or frule 1 and nothing else`,
      );
    },
    expectIdle(what) {
      check(engine.adapter.isDifferentiating?.() !== true, `${what}: the adapter still says it is differentiating (isDifferentiating() is true)`);
    },
    fd(f, at) {
      return at.map((x, i) => derivative((d) => f(...at.map((v, j) => (j === i ? v + d : v))), 1e-2 * Math.max(1, Math.abs(x))).value);
    },
    expectGrads(actual, expected, what) {
      expected.forEach((e, i) => this.expectValues(actual[i], e, `${what}: ${SLOTS[i] ?? `slot ${i}`}`));
    },
    expectThrow(f, what) {
      try {
        f();
      } catch (error) {
        return error;
      }
      return expect.fail(`${what}: expected an error, but none was thrown`);
    },
    expectCausedBy(error, original, what) {
      expect(original, `${what}: the rule ran and threw`).toBeInstanceOf(Error);
      let current = error;
      for (let depth = 0; depth < 8 && current !== original && isRuleError(current); depth++) current = current.cause;
      check(current === original, `${what}: expected the rule's error or a RuleError caused by it, got ${String(error)}`);
    },
    expectRuleError(error, code, rule, slot, what) {
      const found = ruleErrorIn(error);
      check(found !== undefined, `${what}: expected a RuleError (or an error caused by one), got ${String(error)}`);
      expect(found, what).toMatchObject({ code, rule, ...(slot === undefined ? {} : { slot }) });
    },
  };
  const release = (): void => {
    const failures: unknown[] = [];
    for (const x of owned) {
      try {
        engine.dispose?.(x);
      } catch (error) {
        failures.push(error);
      }
    }
    owned.clear();
    if (failures.length > 0) throw new AggregateError(failures, `dispose threw for ${failures.length} of the case's arrays: ${failures.map(String).join('; ')}`);
  };
  return { context: ctx, release };
}

/** The groups the suite's cases are described in. */
export type CaseGroup = 'basics' | 'reverse mode' | 'forward mode' | 'second order' | 'third order';

/** One case of the suite: a stable id, a title, the capabilities it needs, and its body (throws on failure). */
export interface ConformanceCase {
  readonly id: string;
  readonly group: CaseGroup;
  readonly title: string;
  readonly needs: readonly ConformanceCapability[];
  run<A>(t: CaseContext<A>): void | Promise<void>;
}
