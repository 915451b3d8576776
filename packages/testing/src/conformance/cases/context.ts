import { expect } from 'vitest';
import { isRuleError } from '@chainrules/core';
import type { ArrayApi } from '@chainrules/core';
import type { ConformanceCapability, ConformanceEngine } from '../adapter';
import type { RuleCounts, SuiteRuleName, SuiteRules } from './rules';
import { derivative } from '../../check/finiteDifferences';

const SLOTS = ['ā', 'b̄', 'c̄', 'd̄'];

/** A function of engine arrays or plain numbers (the suite's rules are rule-aware: they take either). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFn = (...xs: any[]) => any;

/** Expected values: a number (shape `[]`) or a list of numbers (shape `[n]`). */
export type Expected = number | readonly number[];

/** What a case body gets: the engine, the suite's rules and assertion helpers. */
export interface CaseContext<A> {
  readonly engine: ConformanceEngine<A>;
  /** The adapter's namespace: the loss around a rule-aware call is written with it. */
  readonly xp: ArrayApi<A, unknown>;
  readonly rules: SuiteRules;
  readonly cannot: ReadonlySet<ConformanceCapability>;
  /** A fresh engine array (the suite never reuses an array across engine calls). */
  arr(value: number | readonly number[]): A;
  /** The engine's `grads` hook (for nesting). */
  grads(f: (...xs: A[]) => A): (...xs: A[]) => A[];
  /** `engine.grads(f)` applied to fresh arrays of `at`. */
  grad(f: (...xs: A[]) => A, at: readonly Expected[]): A[];
  /** `engine.jvp(f, …)` with fresh arrays of `primals` and `tangents`. */
  jvp(f: (...xs: A[]) => A, primals: readonly Expected[], tangents: readonly Expected[]): [A, A];
  /** Asserts that `actual` (an engine array or a number) has `expected`'s shape and values (within rtol/atol). */
  expectValues(actual: unknown, expected: Expected, what: string): void;
  /** Asserts a rule's counters: exact numbers, or predicates of them. */
  expectCounts(rule: SuiteRuleName, expected: { readonly [K in keyof RuleCounts]?: number | ((n: number, all: RuleCounts) => boolean) }, what: string): void;
  /** Asserts that the rule of `rule` ran exactly once (its rrule or its frule), its plain function never, and each pullback at most once per rrule. */
  expectRuleRanOnce(rule: SuiteRuleName, what: string, options?: { readonly pullbackMayBeSkipped?: boolean }): void;
  /** Asserts each gradient (`ā`, `b̄`, … in messages) against its expected value. */
  expectGrads(actual: readonly unknown[], expected: readonly Expected[], what: string): void;
  /** Finite differences (central, Richardson-extrapolated), in float64, of `f` (a rule-aware function called with plain numbers: the plain function). */
  fd(f: (...xs: number[]) => number, at: readonly number[]): number[];
  /** Asserts that `f()` throws, and returns what it threw. */
  expectThrow(f: () => unknown, what: string): unknown;
  /** Asserts that `error` is `original`, or a RuleError whose `cause` (at any depth) is. */
  expectCausedBy(error: unknown, original: unknown, what: string): void;
  /** Asserts that `error` is a RuleError with `code`, the rule's name and the slot. */
  expectRuleError(error: unknown, code: string, rule: string, slot: string | undefined, what: string): void;
}

/** Fails with `message` unless `ok`: vitest's report then shows the message alone. */
const check = (ok: boolean, message: string): void => {
  if (!ok) expect.fail(message);
};

const show = (c: RuleCounts): string => `{ impl: ${c.impl}, rrule: ${c.rrule}, pullback: ${c.pullback}, frule: ${c.frule} }`;

/** Builds the context of one case. */
export function caseContext<A>(engine: ConformanceEngine<A>, rules: SuiteRules, cannot: ReadonlySet<ConformanceCapability>, rtol: number, atol: number): CaseContext<A> {
  const arr = (value: number | readonly number[]): A => engine.array(value);
  const hook = <K extends 'grads' | 'jvp'>(name: K): NonNullable<ConformanceEngine<A>[K]> => {
    const f = engine[name];
    if (f === undefined) throw new Error(`conformance: the engine has no '${name}' hook; declare what it cannot do in options.cannot.`);
    return f.bind(engine) as NonNullable<ConformanceEngine<A>[K]>;
  };
  const readOf = (actual: unknown, what: string): { shape: readonly number[]; data: readonly number[] } => {
    if (typeof actual === 'number') return { shape: [], data: [actual] };
    check(engine.adapter.owns(actual), `${what}: expected an array of engine '${engine.adapter.name}', got ${String(actual)}`);
    return engine.read(actual as A);
  };
  const ctx: CaseContext<A> = {
    engine,
    xp: engine.adapter.xp,
    rules,
    cannot,
    arr,
    grads: (f) => hook('grads')(f),
    grad: (f, at) => {
      const out = hook('grads')(f)(...at.map(arr));
      expect(out, 'grads returns one gradient per input').toHaveLength(at.length);
      return out;
    },
    jvp: (f, primals, tangents) => {
      const out = hook('jvp')(f, primals.map(arr), tangents.map(arr));
      expect(out, 'jvp returns [y, ẏ]').toHaveLength(2);
      return out;
    },
    expectValues(actual, expected, what) {
      const { shape, data } = readOf(actual, what);
      const want = typeof expected === 'number' ? [expected] : expected;
      expect([...shape], `${what}: shape`).toEqual(typeof expected === 'number' ? [] : [expected.length]);
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
    expectRuleRanOnce(rule, what, options = {}) {
      ctx.expectCounts(
        rule,
        {
          impl: 0,
          rrule: (_, c) => c.rrule + c.frule === 1,
          pullback: (n, c) => (options.pullbackMayBeSkipped === true ? n <= c.rrule : n === c.rrule),
        },
        `${what} (the rule runs once, rrule or frule; the plain function not at all${options.pullbackMayBeSkipped === true ? '' : '; each rrule’s pullback once'})`,
      );
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
      check(isRuleError(error), `${what}: expected a RuleError, got ${String(error)}`);
      expect(error, what).toMatchObject({ code, rule, ...(slot === undefined ? {} : { slot }) });
    },
  };
  return ctx;
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
