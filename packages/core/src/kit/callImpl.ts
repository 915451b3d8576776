import type { RuleConfig } from '../engines/config';
import { findValue } from '../engines/search';
import { RuleError } from '../errors';
import { isPlainObject } from '../internal/records';
import { passedLeaves, replaceLeaves, staticLeaves, tangentAt } from '../options/leaves';
import { parseOptions, snapshotOptions } from '../options/parse';
import type { ParsedOptions } from '../options/parse';
import { checkCotangent } from '../rules/checks';
import { optedOut, recordOf } from '../rules/record';
import type { RuleRecord } from '../rules/record';
import { joinCall, splitCall } from '../rules/slots';
import type { SplitCall } from '../rules/slots';
import type { AnyFunction } from '../rules/types';
import { describe } from '../tangents/describe';
import { beginUndispatched, fellBack, noteTangents, observing, ranUncounted } from '../trace/observer';
import type { CallEntry, Observer } from '../trace/observer';
import type { FallbackCode } from '../trace/reasons';
import { Tangent } from '../tangents/tangent';
import { NoTangent } from '../tangents/zeros';
import type { CallLeaf, OptionLeaf, RuleCall } from './ruleCall';
import { isContainer, leafTangents, pathName, treeLeaves, treeTangent, treeWith } from './tree';

/** A leaf of a call; its slot's name is built when read (errors and tools read it, most calls never do). */
class Leaf implements CallLeaf {
  constructor(
    readonly value: unknown,
    readonly arg: number | undefined,
    readonly path: readonly (string | number)[],
    readonly isStatic: boolean,
  ) {}

  get slot(): string {
    return pathName(this.arg !== undefined ? `args[${this.arg}]` : 'kwargs', this.path);
  }
}

const ROOT: readonly (string | number)[] = Object.freeze([]);

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
  #optionLeaves: readonly OptionLeaf[] | undefined;
  #leaves: readonly CallLeaf[] | undefined;
  /** Per positional argument, how many leaves it spreads into (a record or a list), or -1 when it is one leaf. */
  #spans: number[] = [];
  /** How many leaves the positional arguments make (the option leaves follow). */
  #argLeaves = 0;
  /** The call's entry in the rule trace, while one observes (see `trace/observer.ts`). */
  #entry: CallEntry | undefined;

  /**
   * `split.kw`: the options as read once (`snapshotOptions`); they are checked on first use.
   * `entry`: the call's trace entry, when a dispatch made it while a trace or the watch mode is on.
   */
  constructor(record: RuleRecord, split: SplitCall, self: unknown, entry?: CallEntry) {
    this.#record = record;
    this.#entry = entry;
    this.#split = split;
    this.#self = self;
    this.fn = record.fn;
    this.name = record.name;
    this.args = split.args;
    this.options = split.form !== 'plain' && isPlainObject(split.kw) ? split.kw : undefined;
    this.hasReverse = record.reverse !== undefined;
    this.hasForward = record.forward !== undefined;
  }

  /** The options checked against the schema (once): a call with none is checked too, for a required option. */
  #parse(): ParsedOptions | undefined {
    const plan = this.#record.plan;
    if (plan === undefined) return undefined;
    return (this.#parsed ??= parseOptions(plan, this.#split.form === 'plain' ? undefined : this.#split.kw, this.name));
  }

  /** The differentiable option leaves the caller passed, in the schema's order. */
  #options(): readonly OptionLeaf[] {
    if (this.#optionLeaves === undefined) {
      const parsed = this.#parse();
      this.#optionLeaves = parsed === undefined || this.options === undefined ? [] : passedLeaves(this.#record.plan!, parsed.passed, parsed.values);
    }
    return this.#optionLeaves;
  }

  get leaves(): readonly CallLeaf[] {
    if (this.#leaves === undefined) {
      const statics = this.#record.staticArgs;
      const leaves: CallLeaf[] = [];
      this.args.forEach((value, i) => {
        const isStatic = statics.includes(i);
        if (isStatic || !isContainer(value)) {
          this.#spans.push(-1);
          leaves.push(new Leaf(value, i, ROOT, isStatic));
          return;
        }
        const inner = treeLeaves(value, { rule: this.name, slot: `args[${i}]` });
        this.#spans.push(inner.length);
        for (const leaf of inner) leaves.push(new Leaf(leaf.value, i, leaf.path, false));
      });
      this.#argLeaves = leaves.length;
      for (const leaf of this.#options()) leaves.push(new Leaf(leaf.value, undefined, leaf.path, false));
      this.#leaves = Object.freeze(leaves);
    }
    return this.#leaves;
  }

  get staticOptions(): readonly OptionLeaf[] {
    const plan = this.#record.plan;
    return plan === undefined || this.options === undefined ? [] : staticLeaves(plan, this.options);
  }

  /** The call's trace entry, made now for a call no dispatch recorded (an adapter's explicit form). */
  #entryIn(observer: Observer, engine: string | undefined): CallEntry {
    return (this.#entry ??= beginUndispatched(observer, this.name, engine));
  }

  /** The option leaves' slots and values, for the trace's record of the slots that received tangents. */
  #optionSlots(): { slot: string; value: unknown }[] {
    return this.#options().map((leaf) => ({ slot: pathName('kwargs', leaf.path), value: leaf.value }));
  }

  primal(reason?: FallbackCode): unknown {
    this.#parse();
    const observer = observing();
    if (observer !== undefined) {
      const entry = this.#entryIn(observer, undefined);
      fellBack(observer, entry, reason ?? (entry.optedOut ? 'opted-out' : 'unreported'));
    }
    return this.#record.impl.apply(this.#self, joinCall(this.#split));
  }

  /** The positional arguments and the options (leaves replaced) for `values`, one per leaf. */
  #at(values: readonly unknown[], what: string): { args: unknown[]; kw: Record<string, unknown> | undefined } {
    const leaves = this.leaves;
    if (!Array.isArray(values) || values.length !== leaves.length) {
      throw new RuleError('wrong-slot-count', {
        rule: this.name,
        slot: 'leaves',
        message: `${what} got ${Array.isArray(values) ? values.length : describe(values)} values for a call with ${leaves.length} leaves.`,
        fix: 'Pass one value per entry of call.leaves, in its order.',
      });
    }
    const args: unknown[] = [];
    let k = 0;
    this.#spans.forEach((span, i) => {
      if (span < 0) {
        args.push(values[k++]);
        return;
      }
      const part = values.slice(k, k + span);
      // A record or a list whose leaves are its own: itself (nothing copied).
      args.push(part.every((value, j) => value === leaves[k + j]!.value) ? this.args[i] : treeWith(this.args[i], part));
      k += span;
    });
    if (this.options === undefined) return { args, kw: undefined };
    const options = this.#options();
    // The options' own values: the options as they are (nothing to replace).
    if (options.every((leaf, i) => leaf.value === values[k + i])) return { args, kw: this.options };
    return { args, kw: replaceLeaves(this.options, options.map((leaf, i) => ({ path: leaf.path, value: values[k + i] }))) };
  }

  /** The parse of this call with the differentiable leaves' values swapped for `values` (already checked: not parsed again). */
  #parsedAt(values: readonly unknown[]): ParsedOptions | undefined {
    const parsed = this.#parse();
    if (parsed === undefined) return undefined;
    const k = this.#argLeaves;
    const options = this.#options();
    if (options.every((leaf, i) => leaf.value === values[k + i])) return parsed;
    return { values: replaceLeaves(parsed.values, options.map((leaf, i) => ({ path: leaf.path, value: values[k + i] }))), passed: parsed.passed };
  }

  #values(values: readonly unknown[] | undefined): readonly unknown[] {
    return values ?? this.leaves.map((leaf) => leaf.value);
  }

  rebuild(values: readonly unknown[]): unknown[] {
    this.#parse();
    const { args, kw } = this.#at(values, 'rebuild');
    return kw === undefined ? args : [...args, kw];
  }

  redispatch(values: readonly unknown[]): unknown {
    if (this.#entry !== undefined) this.#entry.handedOn = true; // the call made again is recorded on its own
    return (this.fn as (...args: unknown[]) => unknown).apply(this.#self, this.rebuild(values));
  }

  rrule(cfg: RuleConfig, values?: readonly unknown[]): readonly [unknown, (cotangent: unknown) => unknown[]] | undefined {
    const reverse = this.#record.reverse;
    if (reverse === undefined) return undefined;
    const at = this.#values(values);
    const { args, kw } = this.#at(at, 'rrule');
    const observer = observing();
    const entry = observer === undefined ? undefined : this.#entryIn(observer, cfg.engine);
    if (optedOut(this.#record, kw === undefined ? args : [...args, kw])) {
      if (entry !== undefined) entry.optedOut = true;
      return undefined;
    }
    if (observer !== undefined) observer.current = entry;
    const before = entry?.ran.length ?? 0;
    let result: ReturnType<typeof reverse>;
    try {
      result = reverse(cfg, kw === undefined ? 'plain' : 'trailing', kw, args, this.#parsedAt(at));
      if (entry !== undefined) ranUncounted(entry, 'rrule', before);
    } finally {
      if (observer !== undefined) observer.current = undefined;
    }
    const [y, pullback] = result;
    const options = this.#options();
    return [
      y,
      (cotangent) => {
        const slots = pullback(cotangent);
        const leaves: unknown[] = [];
        this.#spans.forEach((span, i) => {
          if (span < 0) leaves.push(slots[1 + i]);
          else leaves.push(...this.#argLeafCotangents(i, slots[1 + i]));
        });
        if (options.length > 0) {
          const kwSlot = slots[1 + args.length];
          for (const leaf of options) leaves.push(tangentAt(kwSlot, leaf.path));
          if (entry !== undefined) noteTangents(entry, this.#optionSlots(), leaves.slice(leaves.length - options.length));
        }
        return leaves;
      },
    ];
  }

  /**
   * The cotangent of each leaf of record or list argument `i`, read from the rule's `Tangent`
   * for it and checked leaf by leaf (never `NoTangent` for a derivative, never smaller than its
   * value); a leaf the `Tangent` leaves out is `missing-tangent` when an engine reads it.
   */
  #argLeafCotangents(i: number, cotangent: unknown): unknown[] {
    const slot = `args[${i}]`;
    const tree = this.args[i];
    const cotangents = leafTangents(tree, cotangent, { rule: this.name, slot, absent: 'missing' });
    return treeLeaves(tree).map((leaf, j) => {
      const parent = pathName(slot, leaf.path.slice(0, -1));
      return checkCotangent(leaf.value, cotangents[j], this.name, parent, leaf.path[leaf.path.length - 1]!);
    });
  }

  frule(cfg: RuleConfig, tangents: readonly unknown[], values?: readonly unknown[]): readonly [unknown, unknown] | undefined {
    const forward = this.#record.forward;
    if (forward === undefined) return undefined;
    const at = this.#values(values);
    const { args, kw } = this.#at(at, 'frule');
    const observer = observing();
    const entry = observer === undefined ? undefined : this.#entryIn(observer, cfg.engine);
    if (optedOut(this.#record, kw === undefined ? args : [...args, kw])) {
      if (entry !== undefined) entry.optedOut = true;
      return undefined;
    }
    if (!Array.isArray(tangents) || tangents.length !== at.length) {
      throw new RuleError('wrong-slot-count', {
        rule: this.name,
        slot: 'leaves',
        message: `frule got ${Array.isArray(tangents) ? tangents.length : describe(tangents)} tangents for a call with ${at.length} leaves.`,
        fix: 'Pass one tangent per entry of call.leaves, in its order (a zero where a leaf does not move).',
      });
    }
    const raw: unknown[] = [NoTangent];
    let k = 0;
    this.#spans.forEach((span, i) => {
      if (span < 0) raw.push(tangents[k++]);
      else {
        raw.push(treeTangent(this.args[i], tangents.slice(k, k + span)));
        k += span;
      }
    });
    if (kw !== undefined) raw.push(this.#optionsTangent(tangents.slice(k)));
    if (observer === undefined) return forward(cfg, raw, kw === undefined ? 'plain' : 'trailing', kw, args, this.#parsedAt(at));
    if (kw !== undefined) noteTangents(entry!, this.#optionSlots(), tangents.slice(k));
    observer.current = entry;
    const before = entry!.ran.length;
    try {
      const result = forward(cfg, raw, kw === undefined ? 'plain' : 'trailing', kw, args, this.#parsedAt(at));
      ranUncounted(entry!, 'frule', before);
      return result;
    } finally {
      observer.current = undefined;
    }
  }

  /** The options' tangent (a `Tangent`, nested like the options) whose differentiable leaves take `leafTangents`. */
  #optionsTangent(leafTangents: readonly unknown[]): Tangent {
    // Built on prototype-less records, then wrapped: no field can reach a prototype.
    const root: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    this.#options().forEach((leaf, i) => {
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
    for (const index of this.#record.staticArgs) {
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

/**
 * The {@link RuleCall} of `f(...callArgs)` for a rule-aware function `f` (options last, as the
 * user passes them) — what an adapter's `invoke` receives, built on request: for an adapter's
 * explicit `wrap(f)` form, and for test tools. The options are read once and checked now. A
 * function with no rule is a `RuleError` (`invalid-rule`).
 *
 * @example
 * ```ts
 * const call = ruleCallOf(foo, 2, 3, { c: 4 });
 * call.leaves.map((leaf) => leaf.slot); // ['args[0]', 'args[1]', 'kwargs.c']
 * ```
 */
export function ruleCallOf(f: AnyFunction, ...callArgs: unknown[]): RuleCall {
  const record = recordOf(f);
  if (record === undefined) {
    throw new RuleError('invalid-rule', {
      message: `ruleCallOf takes a function with a rule, got ${describe(f)}.`,
      fix: 'Pass the function defineRule returned (or the plain function it was given).',
    });
  }
  const split = splitCall(record, callArgs);
  const plan = record.plan;
  const kw = plan !== undefined && isPlainObject(split.kw) ? snapshotOptions(plan, split.kw) : split.kw;
  const call = new RuleCallImpl(record, { ...split, kw }, undefined);
  void call.leaves;
  return call;
}
