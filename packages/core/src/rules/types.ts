/*
 * The function types every part of core speaks of. No imports: everything may import this.
 */

/** Any function: rule-aware functions keep the call signature of the function they wrap. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rule-aware functions keep any signature
export type AnyFunction = (...args: any[]) => any;

/**
 * How a call passed its options, which fixes where their tangent stands in the raw tuple:
 * - `plain`: no options (`f(a, b)`): `[f̄, ā, b̄]`;
 * - `trailing`: options as the last argument (`f(a, b, kw)`): `[f̄, ā, b̄, k̄w]`;
 * - `kwcall`: through `kwcall(kw, f, a, b)`: `[NoTangent, k̄w, f̄, ā, b̄]`.
 */
export type CallForm = 'plain' | 'trailing' | 'kwcall';

/** A raw pullback: one tangent slot per argument of the call, in the call's order. */
export type Pullback = (cotangent: unknown) => unknown[];

/** Decides, from a call's arguments (options last), that the engine's own AD should be used. */
export type OptOutPredicate = (...callArgs: unknown[]) => boolean;
