import { joinCall, splitCall } from './callForm';
import { RuleError } from './errors';
import type { SplitCall } from './callForm';
import { parseOptions, passedLeaves, replaceLeaves, snapshotOptions, staticLeaves, tangentAt } from './options';
import { isPlainObject } from './records';
import { registry } from './registry';
import { NoTangent, Tangent, describe } from './tangents';
import { findValue } from './search';
import type { OptionLeaf, ParsedOptions } from './options';
import type { AnyFunction, RuleRecord } from './ruleRecord';

export type { OptionLeaf } from './options';

/**
 * A call of a rule-aware function whose values an installed adapter owns, as the adapter's
 * `invoke` receives it. It tells the adapter what it needs to hand the call to its engine:
 * the positional arguments, the options and which of their leaves are differentiable, and
 * how to rebuild the call with the engine's own input values.
 *
 * The adapter then runs the rule through the raw contract:
 * `rrule(cfg, call.fn, ...call.rebuild(args, optionValues))` returns `[y, pullback]` whose
 * slots are `[f̄, ...ā, k̄w]` (the options' tangent last when options were passed).
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
   * are checked against the schema when the adapter first reads `differentiableOptions`, or runs
   * `primal()` or `rebuild(…)`: a refusal (`unknown-option`, …) is thrown inside `invoke`.
   */
  readonly options: Readonly<Record<string, unknown>> | undefined;
  /** The rule has a reverse rule (`rrule` will not return `undefined` unless opted out). */
  readonly hasReverse: boolean;
  /** The rule has a forward rule. */
  readonly hasForward: boolean;
  /**
   * The differentiable option leaves the caller passed, in a stable order, with their paths
   * (`['c']`, `['prior', 'mu']`). Checks the options on first access.
   */
  readonly differentiableOptions: readonly OptionLeaf[];
  /** The static option leaves the caller passed (not defaults), for the adapter to vet. */
  readonly staticOptions: readonly OptionLeaf[];
  /**
   * The positional arguments the rule declares static (`staticArgs` in `defineRule`): they have
   * no derivative, and their tangent is `NoTangent`.
   */
  readonly staticArgs: readonly number[];
  /** Runs the plain function with the original arguments. */
  primal(): unknown;
  /**
   * The call's arguments (options last, when the call passed options) with the positional
   * arguments replaced by `args` and the differentiable option leaves by `optionValues`, in
   * the order of {@link RuleCall.differentiableOptions}. Nothing is mutated.
   */
  rebuild(args: readonly unknown[], optionValues: readonly unknown[]): unknown[];
  /** The tangent of each differentiable option leaf in an options tangent, in order (zeros where absent). */
  optionTangents(optionsTangent: unknown): unknown[];
  /**
   * The inverse of {@link RuleCall.optionTangents}: the options tangent (a `Tangent`, nested
   * like the options) whose differentiable leaves take `leafTangents`, in the order of
   * {@link RuleCall.differentiableOptions} — what a forward-mode adapter passes to `frule`.
   * `NoTangent` when the call passed no options.
   */
  optionsTangent(leafTangents: readonly unknown[]): unknown;
  /**
   * Refuses the call when a value the engine would differentiate stands where the rule gives no
   * derivative: in a static option the caller passed, or in a positional argument the rule
   * declares static — the value itself, or one held inside it (lists, records, class instances,
   * Maps, Sets, at any depth; see {@link findValue}) — with a `RuleError`
   * (`differentiable-in-static`, slot `kwargs.<path>` or `args[i]`), because that value would
   * silently get no derivative; a static value that cannot be searched to the end is
   * `unsearchable`. Adapters call it before running a rule under differentiation;
   * `isDifferentiable` says what their engine differentiates (its float tensors, its tracers),
   * and `fix` replaces the default advice.
   */
  guardStatic(isDifferentiable: (value: unknown) => boolean, fix?: string): void;
}

/** The {@link RuleCall} core builds for an adapter. */
export class RuleCallImpl implements RuleCall {
  readonly fn: AnyFunction;
  readonly name: string;
  readonly args: readonly unknown[];
  readonly options: Readonly<Record<string, unknown>> | undefined;
  readonly hasReverse: boolean;
  readonly hasForward: boolean;
  readonly #record: RuleRecord;
  readonly #split: SplitCall;
  readonly #self: unknown;
  #parsed: ParsedOptions | undefined;
  #leaves: readonly OptionLeaf[] | undefined;

  /** `split.kw`: the options as read once (`snapshotOptions`); they are checked on first use. */
  constructor(record: RuleRecord, split: SplitCall, self: unknown) {
    this.#record = record;
    this.#split = split;
    this.#self = self;
    this.fn = record.fn;
    this.name = record.name;
    this.args = split.args;
    this.options = split.form !== 'plain' && isPlainObject(split.kw) ? split.kw : undefined;
    this.hasReverse = record.reverse !== undefined;
    this.hasForward = record.forward !== undefined;
  }

  get staticArgs(): readonly number[] {
    return this.#record.staticArgs ?? NO_STATIC_ARGS;
  }

  /** The options checked against the schema (once): a call with none is checked too, for a required option. */
  #parse(): ParsedOptions | undefined {
    const plan = this.#record.options;
    if (plan === undefined) return undefined;
    return (this.#parsed ??= parseOptions(plan, this.#split.form === 'plain' ? undefined : this.#split.kw, this.name));
  }

  get differentiableOptions(): readonly OptionLeaf[] {
    if (this.#leaves === undefined) {
      const parsed = this.#parse();
      this.#leaves = parsed === undefined ? [] : passedLeaves(this.#record.options!, parsed.passed, parsed.values);
    }
    return this.#leaves;
  }

  get staticOptions(): readonly OptionLeaf[] {
    const plan = this.#record.options;
    return plan === undefined || this.options === undefined ? [] : staticLeaves(plan, this.options);
  }

  primal(): unknown {
    this.#parse();
    return this.#record.impl.apply(this.#self, joinCall(this.#split));
  }

  rebuild(args: readonly unknown[], optionValues: readonly unknown[]): unknown[] {
    this.#parse();
    // No options (or a trailing `undefined`): the rebuilt call has no options slot either.
    if (this.options === undefined) return [...args];
    if (optionValues.length !== this.differentiableOptions.length) {
      throw new RuleError('wrong-slot-count', {
        rule: this.name,
        slot: 'kwargs',
        message: `rebuild got ${optionValues.length} option values for ${this.differentiableOptions.length} differentiable option leaves.`,
        fix: 'Pass one value per entry of call.differentiableOptions, in its order.',
      });
    }
    const leaves = this.differentiableOptions.map((leaf, i) => ({ path: leaf.path, value: optionValues[i] }));
    return [...args, replaceLeaves(this.options, leaves)];
  }

  optionTangents(optionsTangent: unknown): unknown[] {
    return this.differentiableOptions.map((leaf) => tangentAt(optionsTangent, leaf.path));
  }

  optionsTangent(leafTangents: readonly unknown[]): unknown {
    if (this.options === undefined) return NoTangent;
    const leaves = this.differentiableOptions;
    if (leafTangents.length !== leaves.length) {
      throw new RuleError('wrong-slot-count', {
        rule: this.name,
        slot: 'kwargs',
        message: `optionsTangent got ${leafTangents.length} tangents for ${leaves.length} differentiable option leaves.`,
        fix: 'Pass one tangent per entry of call.differentiableOptions, in its order.',
      });
    }
    // Built on prototype-less records, then wrapped: no field can reach a prototype.
    const root: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    leaves.forEach((leaf, i) => {
      let record = root;
      for (const key of leaf.path.slice(0, -1)) record = (record[key] ??= Object.create(null)) as Record<string, unknown>;
      record[leaf.path[leaf.path.length - 1]!] = leafTangents[i];
    });
    const wrap = (record: Record<string, unknown>): Tangent => {
      const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const value = record[key];
        fields[key] = typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === null ? wrap(value as Record<string, unknown>) : value;
      }
      return new Tangent(fields);
    };
    return wrap(root);
  }

  guardStatic(isDifferentiable: (value: unknown) => boolean, fix = 'Mark the option kw.diff() in the schema (or remove the argument from staticArgs), or pass a plain value.'): void {
    const refuse = (slot: string, where: string): never => {
      throw new RuleError('differentiable-in-static', {
        rule: this.name,
        slot,
        message: `a value the engine differentiates${where === '' ? '' : ` (at ${where} inside it)`} reached ${slot.startsWith('args') ? 'an argument the rule declares static' : 'an option the schema marks static'}, where it would get no derivative.`,
        fix,
      });
    };
    for (const index of this.staticArgs) {
      const slot = `args[${index}]`;
      const found = findValue(this.args[index], isDifferentiable, { rule: this.name, slot });
      if (found !== undefined) refuse(slot, found.where);
    }
    for (const leaf of this.staticOptions) {
      const slot = ['kwargs', ...leaf.path].join('.');
      const found = findValue(leaf.value, isDifferentiable, { rule: this.name, slot });
      if (found !== undefined) refuse(slot, found.where);
    }
  }
}

const NO_STATIC_ARGS: readonly number[] = Object.freeze([]);

/**
 * The {@link RuleCall} of `f(...callArgs)` for a rule-aware function `f` (options last, as
 * the user passes them) — what an adapter's `invoke` receives, built on request. Adapters use
 * it for their explicit `wrap(f)` form; test tools use it to find a call's differentiable
 * option leaves. A function with no rule is a `RuleError` (`invalid-rule`).
 *
 * @example
 * ```ts
 * const call = ruleCallOf(foo, 2, 3, { c: 4 });
 * call.differentiableOptions; // [{ path: ['c'], value: 4 }]
 * ```
 */
export function ruleCallOf(f: AnyFunction, ...callArgs: unknown[]): RuleCall {
  const record = typeof f === 'function' ? registry.rules.get(f) : undefined;
  if (record === undefined) {
    throw new RuleError('invalid-rule', {
      message: `ruleCallOf takes a function with a rule, got ${describe(f)}.`,
      fix: 'Pass the function defineRule returned (or the plain function it was given).',
    });
  }
  const split = splitCall(record, callArgs);
  const plan = record.options;
  // Options read once, as a direct call reads them, and checked now.
  const kw = plan !== undefined && isPlainObject(split.kw) ? snapshotOptions(plan, split.kw) : split.kw;
  const call = new RuleCallImpl(record, { ...split, kw }, undefined);
  void call.differentiableOptions;
  return call;
}
