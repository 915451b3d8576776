import type { RuleConfig } from '../engines/config';
import type { FallbackCode } from '../trace/reasons';
import type { AnyFunction } from '../rules/types';

/** One leaf of a call's options, with its path below the options object. */
export interface OptionLeaf {
  /** Keys below the options object; a number indexes a list inside a `kw.tree()` option. */
  readonly path: readonly (string | number)[];
  readonly value: unknown;
}

/**
 * One value of a call that a derivative can flow through: a positional argument, a leaf of a
 * positional record or list (`params.w` of `predict(params, x)`), or a differentiable option
 * leaf (`kw.diff()`) the caller passed.
 */
export interface CallLeaf {
  /** The value as the caller passed it. */
  readonly value: unknown;
  /** Where it stands, for errors: `args[1]`, `args[0].w`, `args[2][1]`, `kwargs.prior.mu`. */
  readonly slot: string;
  /** The positional index of the argument it is, or stands in; `undefined` for an option leaf. */
  readonly arg: number | undefined;
  /**
   * Its path: inside its positional argument (`[]` for the argument itself, `['w']` for a field
   * of a record argument, `[1]` for an entry of a list), or below the options for an option
   * leaf (`['prior', 'mu']`).
   */
  readonly path: readonly (string | number)[];
  /** The rule declares its argument static (`staticArgs`): it has no derivative, its tangent is `NoTangent`. */
  readonly isStatic: boolean;
}

/**
 * A call of a rule-aware function whose values an installed adapter owns, as the adapter's
 * `invoke` receives it — the adapter kit's centre. It speaks in **leaves**: every positional
 * argument, then every differentiable option leaf the caller passed, in a stable order (see
 * {@link RuleCall.leaves}). An adapter hands the engine's own values for the leaves and gets
 * back one cotangent (or tangent) per leaf; the call's layout (where options stand, the raw
 * tuples of `rrule` and `frule`, the options' `Tangent`) stays core's business.
 *
 * @example
 * ```ts
 * invoke(call) {
 *   if (!engineIsRecording()) return call.primal('not-differentiating');
 *   call.guardStatic(isEngineArray);
 *   const [y, pullback] = call.rrule(myConfig)!;     // opted out: undefined
 *   record(call.leaves.map((leaf) => leaf.value), y, (dy) => pullback(dy)); // one cotangent per leaf
 *   return y;
 * }
 * ```
 */
export interface RuleCall {
  /** The rule-aware function (the identity `rrule`/`frule` look up). */
  readonly fn: AnyFunction;
  /** The rule's name, for errors. */
  readonly name: string;
  /** The positional arguments. */
  readonly args: readonly unknown[];
  /**
   * The options as passed — read once, each own field copied, so that the plain function, the
   * adapter and the rule see the same values — or `undefined` when the call passed none. They
   * are checked against the schema the first time the adapter reads `leaves` or runs the call
   * (`primal`, `rrule`, `frule`, `rebuild`, `redispatch`): a refusal (`unknown-option`, …) is
   * thrown inside `invoke`, where the adapter can clean up.
   */
  readonly options: Readonly<Record<string, unknown>> | undefined;
  /** The rule has a reverse rule. */
  readonly hasReverse: boolean;
  /** The rule has a forward rule. */
  readonly hasForward: boolean;
  /**
   * The call's leaves: each positional argument — or, for a plain record or list, each of its
   * leaves (records in their key order, lists by index, nested; see `treeLeaves`), so that an
   * engine sees the arrays of `predict(params, x)` one by one; an argument the rule declares
   * static stays one leaf (`isStatic`) — then each differentiable option leaf the caller passed,
   * in the schema's order (not the caller's key order). Checks the options on first access.
   */
  readonly leaves: readonly CallLeaf[];
  /** The static option leaves the caller passed (not defaults), for the adapter to vet. */
  readonly staticOptions: readonly OptionLeaf[];
  /**
   * Runs the plain function with the call's own arguments and `this`. `reason` says why the
   * adapter runs it instead of the rule — for the rule trace (`traceRules`) and the watch mode
   * (`watchRules`); it costs nothing while neither is on. Left out, the reason is `opted-out`
   * when `rrule`/`frule` returned `undefined` for an `optOut` predicate, `unreported` otherwise.
   */
  primal(reason?: FallbackCode): unknown;
  /**
   * The call's arguments as a caller passes them (options last, when the call passed options)
   * with leaf `k`'s value replaced by `values[k]`. Nothing is mutated.
   */
  rebuild(values: readonly unknown[]): unknown[];
  /**
   * Calls the rule-aware function again, with leaf values `values` and the call's own `this`:
   * how an adapter hands a call on to an enclosing differentiation (a value replaced by what it
   * stands for).
   */
  redispatch(values: readonly unknown[]): unknown;
  /**
   * The reverse rule at `values` (default: the leaves' own values), under `cfg`:
   * `[y, pullback]`, where `pullback(ȳ)` returns one cotangent per leaf, in the order of
   * {@link RuleCall.leaves} (`NoTangent` for a static argument; core has checked each:
   * never `NoTangent` for a derivative, never smaller than its value; a field the rule's
   * `Tangent` leaves out of a record argument is a thunk that raises `missing-tangent` when
   * read). `y` may be a tree — a tuple or a record of outputs — and then `ȳ` is its `Tangent`
   * (build it with `treeTangent` from one cotangent per output leaf). `undefined` when the
   * rule has no rrule or the call is opted out: the engine differentiates the plain function.
   * The options are those this call checked: they are not parsed again.
   */
  rrule(cfg: RuleConfig, values?: readonly unknown[]): readonly [unknown, (cotangent: unknown) => unknown[]] | undefined;
  /**
   * The forward rule at `values` (default: the leaves' own values) with one tangent per leaf
   * (a zero for a leaf that does not move): `[y, ẏ]`, or `undefined` as for
   * {@link RuleCall.rrule}. For a tree `y`, `ẏ` is its `Tangent`: `leafTangents(y, ẏ)` reads
   * one tangent per output leaf.
   */
  frule(cfg: RuleConfig, tangents: readonly unknown[], values?: readonly unknown[]): readonly [unknown, unknown] | undefined;
  /**
   * Refuses the call when a value the engine would differentiate stands where the rule gives no
   * derivative: in a static option the caller passed, or in a positional argument the rule
   * declares static — the value itself, or one held inside it (lists, records, class instances,
   * Maps, Sets, at any depth; see `findValue`) — with a `RuleError`
   * (`differentiable-in-static`, slot `kwargs.<path>` or `args[i]`), because that value would
   * silently get no derivative; a static value that cannot be searched to the end is
   * `unsearchable`. Adapters call it before running a rule under differentiation;
   * `isDifferentiable` says what their engine differentiates (its float tensors, its tracers),
   * and `fix` replaces the default advice.
   */
  guardStatic(isDifferentiable: (value: unknown) => boolean, fix?: string): void;
}
