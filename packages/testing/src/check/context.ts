import { Tangent, ZeroTangent, isRuleError, kwcall, ruleCallOf } from '@chainrules/core';
import type { AnyFunction, RuleCall, RuleConfig } from '@chainrules/core';
import { derivative } from './finiteDifferences';
import type { FiniteDifference } from './finiteDifferences';
import { Random } from './random';
import { RuleCheckError } from './ruleCheckError';
import type { RuleCheckKind } from './ruleCheckError';
import { axpy, describeShort, formatNumber, leavesOf, pairing, pathName, randomLike, replaceAt, sameShape, shapeOf, snapshot, changedAt } from './tree';
import type { Leaf, LeafAt, Path } from './tree';

/** Options every rule check takes. */
export interface RuleCheckOptions {
  /** The trailing options object (keyword arguments) of the call. */
  readonly kwargs?: Readonly<Record<string, unknown>> | undefined;
  /** Relative tolerance of derivative comparisons (default `1e-6`). */
  readonly rtol?: number | undefined;
  /** Absolute tolerance of derivative comparisons (default `1e-8`). */
  readonly atol?: number | undefined;
  /** Seed of the random directions and cotangents (default `1`); failures print it. */
  readonly seed?: number | undefined;
  /**
   * The first finite-difference step (default `1e-2`), scaled by the largest magnitude of the
   * input perturbed; Richardson extrapolation then shrinks it. Lower it for inputs close to the
   * edge of the function's domain.
   */
  readonly step?: number | undefined;
  /** Positional arguments that are numbers but have no derivative (a count): their tangent must be `NoTangent`. */
  readonly nonDifferentiable?: readonly number[] | undefined;
  /** The `RuleConfig` to run the rule with; by default core picks the one of the values' engine. */
  readonly config?: RuleConfig | undefined;
}

/** What a check verified, for logs and for tests of the checks. */
export interface RuleCheckReport {
  /** The rule's name. */
  readonly rule: string;
  /** One line per property verified: `cotangent args[0]`, `NoTangent self`, `duality`, … */
  readonly checks: readonly string[];
}

/** One differentiable input: a positional argument or one differentiable option leaf. */
export interface Input {
  /** `args[0]` or `kwargs.prior.mu`. */
  readonly slot: string;
  readonly kind: 'arg' | 'kwarg';
  /** The argument's index, for `arg`. */
  readonly index: number;
  /** The option's path below the options object, for `kwarg`. */
  readonly path: Path;
  /** The differentiable leaves below the input, with paths relative to it. */
  readonly leaves: readonly LeafAt[];
}

/** A direction for an input: one leaf per entry of `input.leaves`. */
export type Direction = readonly Leaf[];

type Contract = 'testRrule' | 'testFrule' | 'testScalar';

/** What every check of one call shares: the call, its inputs, tolerances, messages. */
export class CheckContext {
  readonly f: AnyFunction;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>> | undefined;
  readonly name: string;
  readonly call: RuleCall;
  readonly inputs: readonly Input[];
  /** Positional arguments with no derivative: strings, flags, `nonDifferentiable` ones. */
  readonly staticArgs: readonly number[];
  readonly random: Random;
  readonly checks: string[] = [];
  readonly #contract: Contract;
  readonly #rtol: number;
  readonly #atol: number;
  readonly #seed: number;
  readonly #step: number;
  readonly #config: RuleConfig | undefined;
  readonly #before: unknown;

  constructor(contract: Contract, f: AnyFunction, args: readonly unknown[], options: RuleCheckOptions) {
    this.#contract = contract;
    this.f = f;
    this.args = args;
    this.kwargs = options.kwargs;
    this.#rtol = options.rtol ?? 1e-6;
    this.#atol = options.atol ?? 1e-8;
    this.#seed = options.seed ?? 1;
    this.#step = options.step ?? 1e-2;
    this.#config = options.config;
    this.random = new Random(this.#seed);
    this.name = typeof f === 'function' && f.name !== '' ? f.name : 'anonymous';
    if (!Array.isArray(args)) this.fail('rule-error', undefined, `the arguments must be an array, got ${describeShort(args)}.`);
    this.call = this.guard(() => ruleCallOf(f, ...this.callArgs(args, options.kwargs)), undefined, 'no-rule');
    this.name = this.call.name;
    const marked = new Set(options.nonDifferentiable ?? []);
    const inputs: Input[] = [];
    const staticArgs: number[] = [];
    args.forEach((arg, index) => {
      const leaves = marked.has(index) ? [] : leavesOf(arg);
      if (leaves.length === 0) staticArgs.push(index);
      else inputs.push({ slot: `args[${index}]`, kind: 'arg', index, path: [], leaves });
    });
    const options_ = this.guard(() => this.call.differentiableOptions, 'kwargs');
    for (const leaf of options_) {
      inputs.push({ slot: pathName('kwargs', leaf.path), kind: 'kwarg', index: -1, path: leaf.path, leaves: leavesOf(leaf.value) });
    }
    this.inputs = inputs;
    this.staticArgs = staticArgs;
    this.#before = snapshot([args, options.kwargs]);
  }

  /** The config argument for the contracts: the caller's, or none (core picks). */
  get configArgs(): unknown[] {
    return this.#config === undefined ? [] : [this.#config];
  }

  /** The call's arguments, options last when there are any. */
  callArgs(args: readonly unknown[], kwargs: unknown): unknown[] {
    return kwargs === undefined ? [...args] : [...args, kwargs];
  }

  /** The arguments of the contracts' keyword form (`kwcall, kw, f, ...args`), or the plain form. */
  contractArgs(): unknown[] {
    return this.kwargs === undefined ? [this.f, ...this.args] : [kwcall, this.kwargs, this.f, ...this.args];
  }

  /** Runs the function with each input moved by `t` along its direction. */
  evaluate(moves: ReadonlyMap<Input, Direction>, t: number): unknown {
    let args: unknown[] = [...this.args];
    let kwargs: unknown = this.kwargs;
    for (const [input, direction] of moves) {
      input.leaves.forEach((leaf, k) => {
        const moved = axpy(leaf.value, t, direction[k]!);
        if (input.kind === 'arg') args[input.index] = replaceAt(args[input.index], leaf.path, moved);
        else kwargs = replaceAt(kwargs, [...input.path, ...leaf.path], moved);
      });
    }
    args = this.callArgs(args, kwargs);
    return this.guard(() => this.f(...args), undefined);
  }

  /** The plain function's output at the inputs. */
  primal(): unknown {
    return this.evaluate(new Map(), 0);
  }

  /** A random direction for an input. */
  directionFor(input: Input): Direction {
    return input.leaves.map((leaf) => randomLike(leaf.value, this.random));
  }

  /** ∂/∂t ⟨ȳ, f(x + t·v)⟩ at 0 by finite differences. */
  finiteDifference(moves: ReadonlyMap<Input, Direction>, cotangent: unknown): FiniteDifference {
    let scale = 1;
    for (const input of moves.keys()) for (const leaf of input.leaves) scale = Math.max(scale, maxAbs(leaf.value));
    return derivative((t) => pairing(cotangent, this.evaluate(moves, t)), this.#step * scale);
  }

  close(expected: number, got: number): boolean {
    return Math.abs(expected - got) <= this.#atol + this.#rtol * Math.max(Math.abs(expected), Math.abs(got));
  }

  /** Fails unless `got` matches the finite-difference estimate. */
  compare(kind: 'cotangent' | 'tangent', slot: string, fd: FiniteDifference, got: number, context: readonly string[]): void {
    if (this.close(fd.value, got)) return;
    const tolerance = this.#atol + this.#rtol * Math.max(Math.abs(fd.value), Math.abs(got));
    const unreliable = fd.error > tolerance
      ? `\n  note: the finite-difference error estimate (${formatNumber(fd.error)}) exceeds the tolerance: the function may not be smooth here; try another point or a smaller step.`
      : '';
    const [what, quantity, source] = kind === 'cotangent'
      ? [`the cotangent of ${slot}`, '⟨x̄, v⟩', 'the pullback']
      : [`the tangent output for a tangent on ${slot}`, '⟨w, ẏ⟩', 'the frule'];
    this.fail(kind, slot, [
      `${what} disagrees with finite differences.`,
      `  expected ${quantity} = ${formatNumber(fd.value)} (central differences with Richardson extrapolation, step ${formatNumber(fd.initialStep)} → ${formatNumber(fd.finalStep)}, error estimate ${formatNumber(fd.error)})`,
      `  got      ${quantity} = ${formatNumber(got)} from ${source}`,
      `  difference ${formatNumber(Math.abs(fd.value - got))} > tolerance ${formatNumber(tolerance)} (rtol ${this.#rtol.toExponential()}, atol ${this.#atol.toExponential()})`,
      ...context.map((line) => `  ${line}`),
      `  seed ${this.#seed}`,
    ].join('\n') + unreliable, fd.value, got);
  }

  /** `slot = value` lines describing an input and its direction, for messages. */
  describeInput(input: Input, direction: Direction, label: string): string[] {
    return input.leaves.map((leaf, k) => {
      const where = pathName(input.slot, leaf.path);
      return `at ${where} = ${describeShort(leaf.value)}, ${label} ${describeShort(direction[k])}`;
    });
  }

  /** Fails if a rule changed any input since the check began. */
  checkUnchanged(): void {
    const changed = changedAt(this.#before, [this.args, this.kwargs]);
    if (changed !== undefined) {
      const [part, ...rest] = changed;
      const where = part === 0 ? pathName('args', rest) : pathName('kwargs', rest);
      this.fail('mutation', where, `the rule changed its input ${where}: a rule must leave its arguments as they were.`);
    }
  }

  /** Runs `run`, turning an error it throws into a `RuleCheckError` of kind `rule-error`. */
  guard<T>(run: () => T, slot: string | undefined, kind: RuleCheckKind = 'rule-error'): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof RuleCheckError) throw error;
      if (isRuleError(error)) {
        // A RuleError's message already names its code, the rule, the slot and the fix.
        this.fail(kind, error.slot ?? slot, `core refused the rule's result: ${error.message}`, undefined, undefined, error);
      }
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.fail('rule-error', slot, `the rule threw ${message}`, undefined, undefined, error);
    }
  }

  fail(kind: RuleCheckKind, slot: string | undefined, message: string, expected?: unknown, got?: unknown, cause?: unknown): never {
    const where = slot === undefined ? '' : ` [${slot}]`;
    throw new RuleCheckError({ kind, rule: this.name, slot, message: `${this.#contract}(${this.name})${where}: ${message}`, expected, got, cause });
  }

  /** Fails unless two outputs (rule vs function) agree leaf by leaf. */
  checkPrimal(fromRule: unknown, plain: unknown): void {
    const a = leavesOf(fromRule);
    const b = leavesOf(plain);
    const mismatch = a.length !== b.length
      ? `the rule returned ${describeShort(fromRule)}, the function ${describeShort(plain)}`
      : a.map((leaf, i) => {
          const other = b[i]!.value;
          if (!sameShape(shapeOf(leaf.value), shapeOf(other))) return `${pathName('y', leaf.path)} has shape [${shapeOf(leaf.value).join(', ')}], the function's [${shapeOf(other).join(', ')}]`;
          const x = typeof leaf.value === 'number' ? [leaf.value] : Array.from(leaf.value.data);
          const y = typeof other === 'number' ? [other] : Array.from(other.data);
          const j = x.findIndex((v, k) => !this.close(y[k]!, v) && !(Number.isNaN(v) && Number.isNaN(y[k]!)));
          return j < 0 ? undefined : `${pathName('y', leaf.path)}[${j}] is ${formatNumber(x[j]!)}, the function gives ${formatNumber(y[j]!)}`;
        }).find((problem) => problem !== undefined);
    if (mismatch !== undefined) this.fail('primal', 'y', `the rule's primal output differs from the function's: ${mismatch}.`, plain, fromRule);
    this.checks.push('primal output');
  }
}

function maxAbs(leaf: Leaf): number {
  if (typeof leaf === 'number') return Math.abs(leaf);
  let m = 0;
  for (const v of leaf.data) m = Math.max(m, Math.abs(v));
  return m;
}

/** Tangent values at leaf paths, assembled into the nested `Tangent` of a record or tuple input. */
export function tangentFrom(leaves: readonly LeafAt[], values: readonly unknown[]): unknown {
  if (leaves.length === 1 && leaves[0]!.path.length === 0) return values[0];
  // Containers built here have no prototype, so they are never confused with a value (the
  // zero singletons are plain objects).
  const root = Object.create(null) as Record<string | number, unknown>;
  leaves.forEach((leaf, k) => {
    let node = root;
    leaf.path.forEach((key, depth) => {
      if (depth === leaf.path.length - 1) node[key] = values[k];
      else node = (node[key] ??= typeof leaf.path[depth + 1] === 'number' ? [] : Object.create(null)) as Record<string | number, unknown>;
    });
  });
  return wrap(root);
}

function wrap(node: unknown): unknown {
  if (Array.isArray(node)) return new Tangent(Array.from(node as unknown[], (item) => (item === undefined ? ZeroTangent : wrap(item))) as never);
  if (typeof node === 'object' && node !== null && Object.getPrototypeOf(node) === null) {
    return new Tangent(Object.fromEntries(Object.entries(node).map(([key, value]) => [key, wrap(value)])));
  }
  return node;
}
