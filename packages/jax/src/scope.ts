/*
 * Ownership scopes: how the adapter hides jax-js's reference counting from rule authors. Every
 * array an `xp` operation makes while a scope is open is recorded in it; when the scope closes,
 * what the rule returned is handed on (its references moved to the caller) and everything else
 * it made is disposed. Scopes nest: what an inner scope keeps is not recorded in the outer one;
 * the caller records the value it finally returns with {@link track}.
 */

import { isArrayOrTracer, isTracer } from './internals';
import { pytreeArrays } from './pytree';

/** A jax-js value with move-semantics reference counting (an `Array` or a tracer). */
export interface Counted {
  readonly ref: Counted;
  dispose(): void;
}

let open: Counted[] | undefined;

/**
 * True while a scope is open: the code running is a rule, a pullback or a rule-aware
 * function's plain function, which borrow their arrays (the engine-neutral convention) — so a
 * rule-aware call made there borrows its arguments too, where one made by jax-js code consumes them.
 */
export function scopeOpen(): boolean {
  return open !== undefined;
}

/** Records `x` as made in the open scope (if any) and returns it. */
export function track<T>(x: T): T {
  if (open !== undefined) open.push(x as unknown as Counted);
  return x;
}

/**
 * Runs `body` in a fresh scope. `keep(result)` lists the values the result holds: each gets
 * one reference owned by the caller (taken from the scope when the scope made it, added with
 * `.ref` otherwise, e.g. an input returned as is). The rest of what the scope made is disposed,
 * also when `body` throws.
 */
export function scoped<R>(body: () => R, keep: (result: R) => readonly unknown[]): R {
  return run(body, keep).result;
}

/** {@link scoped}, also saying which of the kept values the scope made (moved, not given a `.ref`). */
function run<R>(body: () => R, keep: (result: R) => readonly unknown[]): { result: R; moved: Counted[] } {
  const outer = open;
  const made: Counted[] = [];
  const moved: Counted[] = [];
  open = made;
  let result: R;
  try {
    result = body();
  } catch (error) {
    open = outer;
    disposeAll(made);
    throw error;
  }
  open = outer;
  try {
    for (const value of keep(result)) {
      if (!isArrayOrTracer(value)) continue;
      const at = made.indexOf(value as Counted);
      if (at >= 0) moved.push(...made.splice(at, 1));
      else void (value as Counted).ref;
    }
  } finally {
    disposeAll(made);
  }
  return { result, moved };
}

/**
 * `xp.scope(body)`: runs `body` in a fresh scope, hands the value it returns on to the enclosing
 * scope (as {@link handedOn} does), and gives a `release()` that disposes, and takes back from
 * the enclosing scope, the arrays of that value the body made — not an array it returned as it
 * was handed, whose extra reference stays with the enclosing scope, nor a tracer (a value under
 * `grad`'s linearisation or `jit`), which jax-js records in what it traces: those are freed
 * with the enclosing scope, as before.
 */
export function releasable<R>(body: () => R): { value: R; release(): void } {
  const { result, moved } = run(body, (value) => pytreeArrays(value));
  const home = open;
  const rest = [...moved];
  for (const value of pytreeArrays(result)) {
    const at = rest.indexOf(value as unknown as Counted);
    if (at >= 0) rest.splice(at, 1);
    // Outside any scope the caller owns what it is handed: an array handed as it came needs no extra reference.
    else if (home === undefined) disposeAll([value as unknown as Counted]);
    track(value);
  }
  // A tracer stays with the enclosing scope: jax-js records it in the computation it traces.
  let owned = moved.filter((value) => !isTracer(value));
  return {
    value: result,
    release: () => {
      for (const value of owned) {
        const at = home === undefined ? -1 : home.lastIndexOf(value);
        if (at >= 0) home!.splice(at, 1);
        disposeAll([value]);
      }
      owned = [];
    },
  };
}

/**
 * Runs `body` in a fresh scope and hands the value it returns on to the enclosing one: an
 * array, or the arrays of a tuple or a record of outputs (read as a jax-js pytree).
 */
export function handedOn(body: () => unknown): unknown {
  const y = scoped(body, (result) => pytreeArrays(result));
  for (const value of pytreeArrays(y)) track(value);
  return y;
}

function disposeAll(values: readonly Counted[]): void {
  for (let i = values.length - 1; i >= 0; i--) {
    try {
      values[i]!.dispose();
    } catch {
      // Already freed by the engine (a value it consumed): nothing left to release.
    }
  }
}
