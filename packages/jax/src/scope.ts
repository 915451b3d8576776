/*
 * Ownership scopes: how the adapter hides jax-js's reference counting from rule authors. Every
 * array an `xp` operation makes while a scope is open is recorded in it; when the scope closes,
 * what the rule returned is handed on (its references moved to the caller) and everything else
 * it made is disposed. Scopes nest: what an inner scope keeps is not recorded in the outer one;
 * the caller records the value it finally returns with {@link track}.
 */

import { isArrayOrTracer } from './internals';
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
  const outer = open;
  const made: Counted[] = [];
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
      if (at >= 0) made.splice(at, 1);
      else void (value as Counted).ref;
    }
  } finally {
    disposeAll(made);
  }
  return result;
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
