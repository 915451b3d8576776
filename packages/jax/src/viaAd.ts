/*
 * `cfg.rruleViaAd` / `cfg.fruleViaAd` under jax-js: a rule (a solver's) asks jax-js for the
 * pullback, or the pushforward, of a function it was handed, through jax-js's own `vjp` and
 * `jvp`. Every jax-js array and every number among the arguments (records, lists and a trailing
 * options object searched) is differentiated; strings and flags get `NoTangent`. Like the
 * rules' `xp`, both borrow their arguments, and what they make is recorded in the rule's scope
 * (disposed when the rule returns, but for what it returns). Outside a rule, the caller owns the
 * results, and the pullback's `dispose()` frees what jax-js keeps for it.
 */
import { jvp, numpy as np, vjp } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { NoTangent, RuleError, ZeroTangent, isZero, unthunk } from '@chainrules/core';
import { argumentInputs, findValue, leafTangents, treeLeaves, treeWith } from '@chainrules/core/adapter';
import type { ArgumentInputs } from '@chainrules/core/adapter';
import { isJaxValue } from './jaxApi';
import { isTracer, levelOf } from './internals';
import { scopeOpen, scoped, track } from './scope';

type AnyFunction = (...args: never[]) => unknown;

interface Split extends ArgumentInputs<JaxArray | number> {
  /** `f` as a function of the list of its inputs (the other leaves fixed). */
  readonly ofInputs: (xs: JaxArray[]) => unknown;
}

function split(f: AnyFunction, args: readonly unknown[], rule: string): Split {
  const call = f as (...input: unknown[]) => unknown;
  const leaves = argumentInputs(args, (value): value is JaxArray | number => isJaxValue(value) || typeof value === 'number', rule);
  // What jax-js traces: the function borrows (as a rule's code does) in a scope of its own, which
  // frees its temporaries and hands its output to jax-js; the traced inputs are consumed, as
  // jax-js expects of the functions it transforms.
  const ofInputs = (xs: JaxArray[]): unknown => {
    const out = scoped(
      () => call(...leaves.withValues(xs)),
      (y) => treeLeaves(y).map((leaf) => leaf.value),
    );
    for (const x of xs) x.dispose();
    return out;
  };
  return { ...leaves, ofInputs };
}

/** A borrowed input as jax-js takes it (jax-js consumes what it is handed). */
const lend = (value: JaxArray | number): JaxArray => (typeof value === 'number' ? np.array(value) : value.ref);

/** The highest trace level among the values' tracers (0: none). */
function topLevel(values: readonly unknown[]): number {
  let top = 0;
  for (const value of values) {
    const found = findValue(value, isTracer);
    if (found !== undefined) top = Math.max(top, ...treeLeaves(value).filter((leaf) => isTracer(leaf.value)).map((leaf) => levelOf(leaf.value)));
  }
  return top;
}

/**
 * Refuses a function that closed over a value an enclosing jax-js transformation differentiates:
 * its output is traced at a level none of its arguments is, so the rule would treat that value
 * as a constant and its derivative would be lost.
 */
function refuseClosure(y: unknown, args: readonly unknown[], rule: string): void {
  const outLevel = topLevel([y]);
  if (outLevel === 0 || outLevel <= topLevel(args)) return;
  throw new RuleError('differentiable-in-static', {
    rule,
    slot: 'self',
    message: 'the function handed to the engine closes over a value that jax-js is differentiating (its output is traced at a level none of its arguments is): the rule would treat that value as a constant, and its derivative would be lost.',
    fix: "Pass the value through the function's arguments (a solver's params option), not through its closure.",
  });
}

/** The cotangent of `like` from `w` (a zero gives zeros; a number is spread over the shape), as an array jax-js may consume. */
function cotangentFor(w: unknown, like: JaxArray): JaxArray {
  const v = unthunk(w);
  if (isZero(v) || v === undefined) return np.zerosLike(like.ref);
  if (typeof v === 'number') return np.multiply(np.onesLike(like.ref), v);
  return (v as JaxArray).ref;
}

/**
 * `rruleViaAd(f, ...args)` → `[f(...args), pullback]` by jax-js's `vjp`; `pullback(ȳ)` →
 * `[NoTangent, ...x̄]` (a `Tangent` of its fields for a record, a list or an options object). The
 * pullback can be called any number of times; `pullback.dispose()` frees what jax-js keeps for it
 * (inside a rule run by the adapter, that happens when the rule returns).
 *
 * @example
 * ```ts
 * const [y, pullback] = jaxRruleViaAd((x, o) => jaxApi.multiply(x, o.c), np.array(2), { c: np.array(3) });
 * pullback(np.array(1)); // [NoTangent, 3, Tangent { c: 2 }]
 * ```
 */
export function jaxRruleViaAd(f: AnyFunction, ...args: unknown[]): readonly [unknown, ((cotangent: unknown) => unknown[]) & { dispose(): void }] {
  const rule = 'rruleViaAd';
  const { inputs, tangents, ofInputs } = split(f, args, rule);
  const [y, back] = vjp((xs: JaxArray[]) => ofInputs(xs) as JaxArray, [inputs.map(({ value }) => lend(value))]);
  refuseClosure(y, args, rule);
  const outputs = treeLeaves(y, { rule, slot: 'output' }).map((leaf) => leaf.value as JaxArray);
  let disposed = false;
  const release = (): void => {
    if (disposed) return;
    disposed = true;
    back.dispose();
  };
  const pullback = Object.assign(
    (cotangent: unknown): unknown[] => {
      const weights = leafTangents(y, cotangent, { rule, slot: 'output' });
      const ybar = treeWith(y, outputs.map((out, k) => cotangentFor(weights[k], out)));
      const [grads] = back(ybar as never) as unknown as [JaxArray[]];
      return [NoTangent, ...tangents(grads.map((g) => track(g)))];
    },
    { dispose: release },
  );
  // Inside a rule, the scope frees the pullback with the rule's other temporaries.
  if (scopeOpen()) track({ get ref() { return this; }, dispose: release });
  return [trackTree(y), pullback] as const;
}

/** Records every array of a tree in the open scope. */
function trackTree<T>(tree: T): T {
  for (const { value } of treeLeaves(tree)) if (isJaxValue(value)) track(value);
  return tree;
}

/**
 * `fruleViaAd([ḟ, ...ẋ], f, ...args)` → `[y, ẏ]` by jax-js's `jvp`: each input's tangent is read
 * from its argument's tangent (zeros where there is none; `ḟ` is ignored: a closure has no
 * tangent here).
 *
 * @example
 * ```ts
 * jaxFruleViaAd([NoTangent, np.array(1)], (x) => jaxApi.sin(x), np.array(0)); // [0, 1]
 * ```
 */
export function jaxFruleViaAd(tangents: readonly unknown[], f: AnyFunction, ...args: unknown[]): readonly [unknown, unknown] {
  const rule = 'fruleViaAd';
  if (!Array.isArray(tangents) || tangents.length !== args.length + 1) {
    throw new RuleError('wrong-slot-count', {
      rule,
      message: `fruleViaAd takes one tangent per argument, the function's first: ${args.length + 1} for ${args.length} argument(s), got ${Array.isArray(tangents) ? tangents.length : typeof tangents}.`,
      fix: 'Pass [NoTangent, ẋ₁, ẋ₂, …].',
    });
  }
  const { inputs, ofInputs } = split(f, args, rule);
  const perArg = args.map((arg, i) => leafTangents(arg, tangents[i + 1], { rule, slot: `args[${i}]` }));
  const primals = inputs.map(({ value }) => lend(value));
  const dots = inputs.map(({ arg, leaf }, k) => {
    const t = unthunk(perArg[arg]![leaf]);
    if (t === undefined || isZero(t)) return np.zerosLike(primals[k]!.ref);
    return typeof t === 'number' ? np.multiply(np.onesLike(primals[k]!.ref), t) : (t as JaxArray).ref;
  });
  const [y, ydot] = jvp((xs: JaxArray[]) => ofInputs(xs) as JaxArray, [primals], [dots]);
  refuseClosure(y, args, rule);
  return [trackTree(y), inputs.length === 0 ? ZeroTangent : trackTree(ydot)] as const;
}
