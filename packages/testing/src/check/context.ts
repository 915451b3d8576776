import { Tangent, ZeroTangent, escapeText, hasRule, isRuleError, kwcall, numberConfig } from '@chainrules/core';
import type { AnyFunction, RuleConfig } from '@chainrules/core';
import { ruleCallOf } from '@chainrules/core/adapter';
import type { RuleCall } from '@chainrules/core/adapter';
import { derivative } from './finiteDifferences';
import type { FiniteDifference } from './finiteDifferences';
import { referenceConfig } from '../reference/adapter';
import { isF64Array } from '../reference/f64Array';
import { withFiniteDifferenceAd } from '../reference/viaAd';
import type { FiniteDifferenceSettings } from '../reference/viaAd';
import { Random } from './random';
import { RuleCheckError } from './ruleCheckError';
import type { RuleCheckKind } from './ruleCheckError';
import type { ConformanceEngine } from '../conformance/engine';
import { axpy, changedAt, describeShort, formatNumber, isLeaf, leavesOf, outline, pairingDelta, pathName, randomLike, replaceAt, sameShape, shapeOf, snapshot } from './tree';
import type { Leaf, LeafAt, Path } from './tree';

/** Options every rule check takes; `A` is the array type of the `engine` checked through, if any. */
export interface RuleCheckOptions<A = unknown> {
  /** The trailing options object (keyword arguments) of the call. */
  readonly kwargs?: Readonly<Record<string, unknown>> | undefined;
  /** Relative tolerance of derivative comparisons (default `1e-6`). */
  readonly rtol?: number | undefined;
  /**
   * Absolute tolerance of derivative comparisons. By default it follows the finite-difference
   * error estimate, between `1e-12` and `1e-8` and never below the round-off of the values that
   * moved, so that small derivatives are checked too; set it for functions whose derivatives
   * are all far smaller (tiny units).
   */
  readonly atol?: number | undefined;
  /** Seed of the random directions and cotangents (default `1`); failures print it. */
  readonly seed?: number | undefined;
  /**
   * The first finite-difference step (default `1e-2`); Richardson extrapolation then shrinks
   * it. Lower it for inputs close to the edge of the function's domain or for functions that
   * vary on a finer scale.
   */
  readonly step?: number | undefined;
  /**
   * Numbers with no derivative (a count): a positional argument's index, or the path of a
   * field inside a record argument (`[0, 'n']`). Their tangent must be `NoTangent` (or absent
   * in a record's `Tangent`).
   */
  readonly nonDifferentiable?: readonly (number | readonly (string | number)[])[] | undefined;
  /**
   * The `RuleConfig` to run the rule with. By default the config of the values' engine
   * (`numberConfig` for plain numbers, `referenceConfig` with an `F64Array` among them) with
   * `rruleViaAd` / `fruleViaAd` by finite differences, set by {@link RuleCheckOptions.viaAd}.
   */
  readonly config?: RuleConfig | undefined;
  /**
   * The finite differences behind `cfg.rruleViaAd` / `cfg.fruleViaAd` for rules that call back
   * into the engine (a solver's rule differentiating its function): the stencil's `step`
   * (default `1e-3`) and `order` (default `6`). Ignored when `config` is given.
   */
  readonly viaAd?: FiniteDifferenceSettings | undefined;
  /**
   * Check the rule through a real engine instead of the float64 reference: the inputs become
   * the engine's (float32) arrays, the engine differentiates the call, and its gradient
   * (`testRrule`: `gradTree` or `grads`) or tangent (`testFrule`: `jvpTree` or `jvp`) is compared
   * with float64 finite differences of the plain function, for every differentiable positional
   * and option leaf. Core's run counters must show that the engine ran the rule. The tolerances
   * then default to `rtol` and `atol` `1e-3`; `config` and `viaAd` are the engine's own and
   * ignored. Each adapter publishes its engine (`tfjsEngine` of `@chainrules/tfjs/testing`,
   * `jaxEngine` of `@chainrules/jax/testing`); an engine that needs setting up (jax-js:
   * `await init('wasm')`) must be set up first.
   *
   * @example
   * ```ts
   * import { tfjsEngine } from '@chainrules/tfjs/testing';
   * testRrule(huber, [f64([-2, 0.3, 1.5])], { kwargs: { delta: 1 }, engine: tfjsEngine });
   * ```
   */
  readonly engine?: ConformanceEngine<A> | undefined;
}

/** What a check verified, for logs and for tests of the checks. */
export interface RuleCheckReport {
  /** The rule's name. */
  readonly rule: string;
  /** One line per property verified: `cotangent args[0]`, `NoTangent self`, `duality`, … */
  readonly checks: readonly string[];
}

/** One differentiable leaf: a number or an array in a positional argument or in the options. */
export interface Input {
  /** `args[0]`, `args[1].mu` or `kwargs.prior.mu`. */
  readonly slot: string;
  readonly kind: 'arg' | 'kwarg';
  /** The argument's index, for `arg`. */
  readonly index: number;
  /** The leaf's path below its argument, or below the options object for `kwarg`. */
  readonly path: Path;
  readonly value: Leaf;
}

/** A direction (or a tangent) for an input: a leaf of its shape. */
export type Direction = Leaf;

type Contract = 'testRrule' | 'testFrule' | 'testScalar';

/** True when an {@link F64Array} is somewhere in `value` (records and tuples searched). */
function hasArray(value: unknown, depth = 0): boolean {
  if (isF64Array(value)) return true;
  if (depth > 32 || typeof value !== 'object' || value === null) return false;
  return Object.values(value).some((item) => hasArray(item, depth + 1));
}

/** Arrays this small are also checked element by element, so no element hides behind another. */
export const ELEMENTWISE_LIMIT = 32;

/** What every check of one call shares: the call, its inputs, tolerances, messages. */
export class CheckContext {
  readonly f: AnyFunction;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>> | undefined;
  readonly name: string;
  readonly call: RuleCall;
  /** The inputs checked; an input whose derivative the rule leaves unimplemented is set aside. */
  inputs: readonly Input[];
  /** The inputs set aside (their derivative left unimplemented by the rule). */
  readonly setAsideInputs: Input[] = [];
  /** Paths (below `args`) of numbers marked `nonDifferentiable`: their tangent must be `NoTangent`. */
  readonly marked: readonly Path[];
  readonly random: Random;
  readonly checks: string[] = [];
  readonly #contract: Contract;
  readonly #rtol: number;
  readonly #atol: number | undefined;
  readonly #seed: number;
  readonly #step: number;
  readonly #config: RuleConfig;
  readonly #before: unknown;
  /** The function's output at the unmoved inputs, which every finite difference starts from. */
  #base: unknown;

  constructor(contract: Contract, f: AnyFunction, args: readonly unknown[], options: RuleCheckOptions) {
    this.#contract = contract;
    this.f = f;
    this.args = args;
    this.kwargs = options.kwargs;
    this.#rtol = options.rtol ?? 1e-6;
    this.#atol = options.atol;
    this.#seed = options.seed ?? 1;
    this.#step = options.step ?? 1e-2;
    this.#config = options.config ?? withFiniteDifferenceAd<unknown>(hasArray([args, options.kwargs]) ? referenceConfig : numberConfig, options.viaAd);
    this.random = new Random(this.#seed);
    this.name = escapeText(typeof f === 'function' && f.name !== '' ? f.name : 'anonymous');
    if (!Array.isArray(args)) this.fail('rule-error', undefined, `the arguments must be an array, got ${describeShort(args)}.`);
    const readAsOptions = (): never =>
      this.fail('rule-error', `args[${args.length - 1}]`, `the last argument, ${describeShort(args[args.length - 1])}, is a plain object, which the rule reads as its options (it has a kwargs schema). Pass the options as kwargs (kwargs: {} for none), so that a record argument stays positional.`);
    this.call = this.guard(
      () => {
        try {
          return ruleCallOf(f, ...this.callArgs(args, options.kwargs));
        } catch (error) {
          // A record argument taken for the options fails their check: say why, not what.
          if (options.kwargs === undefined && isRuleError(error) && error.slot?.startsWith('kwargs') === true && hasRule(f)) readAsOptions();
          throw error;
        }
      },
      undefined,
      'no-rule',
    );
    this.name = escapeText(this.call.name);
    if (options.kwargs === undefined && this.call.options !== undefined) readAsOptions();
    // Marked by the caller, or declared static by the rule itself (staticArgs).
    this.marked = [...(options.nonDifferentiable ?? []), ...this.call.leaves.flatMap((leaf) => (leaf.isStatic ? [leaf.arg!] : []))].map((mark) => (typeof mark === 'number' ? [mark] : [...mark]));
    const inputs: Input[] = [];
    args.forEach((arg, index) => {
      for (const leaf of leavesOf(arg)) {
        if (this.isMarked([index, ...leaf.path])) continue;
        inputs.push({ slot: pathName(`args[${index}]`, leaf.path), kind: 'arg', index, path: leaf.path, value: leaf.value });
      }
    });
    for (const leaf of this.guard(() => this.call.leaves, 'kwargs')) {
      if (leaf.arg === undefined && isLeaf(leaf.value)) inputs.push({ slot: pathName('kwargs', leaf.path), kind: 'kwarg', index: -1, path: leaf.path, value: leaf.value });
    }
    this.inputs = inputs;
    this.#before = snapshot([args, options.kwargs]);
  }

  /** Stops checking `input` (its derivative is left unimplemented by the rule), saying so in the report. */
  setAside(input: Input, note: string): void {
    this.inputs = this.inputs.filter((other) => other !== input);
    this.setAsideInputs.push(input);
    this.checks.push(note);
  }

  /** The first finite-difference step. */
  get step(): number {
    return this.#step;
  }

  /** True when the number at `path` (below `args`) is marked `nonDifferentiable`, itself or a record around it. */
  isMarked(path: Path): boolean {
    return this.marked.some((mark) => mark.length <= path.length && mark.every((key, i) => key === path[i]));
  }

  /** The inputs inside positional argument `index`. */
  inputsOf(index: number): Input[] {
    return this.inputs.filter((input) => input.kind === 'arg' && input.index === index);
  }

  /** The config argument for the contracts: the caller's, or the values' engine's with finite-difference `rruleViaAd` / `fruleViaAd`. */
  get configArgs(): unknown[] {
    return [this.#config];
  }

  /** The call's arguments, options last when there are any. */
  callArgs(args: readonly unknown[], kwargs: unknown): unknown[] {
    return kwargs === undefined ? [...args] : [...args, kwargs];
  }

  /** The arguments of the contracts' keyword form (`kwcall, kw, f, ...args`), or the plain form. */
  contractArgs(at: { readonly args: readonly unknown[]; readonly kwargs: unknown } = this): unknown[] {
    return this.kwargs === undefined ? [this.f, ...at.args] : [kwcall, at.kwargs, this.f, ...at.args];
  }

  /** The arguments and options with each input moved by `t` along its direction. */
  moved(moves: ReadonlyMap<Input, Direction>, t: number): { args: unknown[]; kwargs: unknown } {
    const args: unknown[] = [...this.args];
    let kwargs: unknown = this.kwargs;
    for (const [input, direction] of moves) {
      const value = axpy(input.value, t, direction);
      if (input.kind === 'arg') args[input.index] = replaceAt(args[input.index], input.path, value);
      else kwargs = replaceAt(kwargs, input.path, value);
    }
    return { args, kwargs };
  }

  /** Runs the function with each input moved by `t` along its direction. */
  evaluate(moves: ReadonlyMap<Input, Direction>, t: number): unknown {
    const { args, kwargs } = this.moved(moves, t);
    return this.guard(() => this.f(...this.callArgs(args, kwargs)), undefined);
  }

  /** The plain function's output at the inputs (which must leave them as they were). */
  primal(): unknown {
    const y = this.evaluate(new Map(), 0);
    this.checkUnchanged('the function itself');
    return y;
  }

  /** A random direction for an input. */
  directionFor(input: Input): Direction {
    return randomLike(input.value, this.random);
  }

  /**
   * ∂/∂t ⟨ȳ, f(x + t·v)⟩ at 0 by finite differences. The pairing is taken of f(x + t·v) − f(x)
   * element by element, so outputs the move does not touch add exactly 0, and the round-off
   * floor is that of the elements that moved (and of the inputs, which x + t·v rounds).
   */
  finiteDifference(moves: ReadonlyMap<Input, Direction>, cotangent: unknown, step = this.#step): FiniteDifference {
    const base = (this.#base ??= this.evaluate(new Map(), 0));
    let magnitude = 0;
    const fd = derivative((t) => {
      if (t === 0) return 0;
      let moved: unknown;
      try {
        moved = this.evaluate(moves, t);
      } catch {
        return Number.NaN; // outside the function's domain: the step is shrunk
      }
      const delta = pairingDelta(cotangent, moved, base);
      magnitude = Math.max(magnitude, delta.magnitude);
      return delta.value;
    }, step);
    let inputs = 0;
    for (const input of moves.keys()) inputs = Math.max(inputs, maxAbs(input.value));
    const roundoff = (16 * Number.EPSILON * magnitude) / fd.finalStep + (4 * Number.EPSILON * inputs * Math.abs(fd.value)) / fd.finalStep;
    return { ...fd, roundoff };
  }

  /**
   * The absolute tolerance of one comparison: the caller's, or the finite differences' own
   * accuracy (their error estimate, between 1e-12 and 1e-8, and never below their round-off).
   */
  #absolute(fd: FiniteDifference): number {
    return this.#atol ?? Math.max(Math.min(Math.max(8 * fd.error, 1e-12), 1e-8), 8 * fd.roundoff);
  }

  close(expected: number, got: number, atol = this.#atol ?? 1e-8): boolean {
    return Math.abs(expected - got) <= atol + this.#rtol * Math.max(Math.abs(expected), Math.abs(got));
  }

  /**
   * Fails unless `got` matches the finite-difference estimate of ∂/∂t ⟨w, f(x + t·v)⟩ for the
   * moves (and the function is smooth there); `from` names where `got` came from in the message
   * (default: the pullback or the frule). Before failing, the estimate is redone from
   * smaller first steps: a feature finer than the step (a nearby pole, a break in the second
   * derivative) spoils an estimate, not the rule, and a wrong rule disagrees with them all.
   */
  compare(kind: 'cotangent' | 'tangent', slot: string, moves: ReadonlyMap<Input, Direction>, weights: unknown, got: number, context: readonly string[], from?: string): void {
    const [what, quantity, source] = kind === 'cotangent'
      ? [`the cotangent of ${slot}`, '⟨x̄, v⟩', from ?? 'the pullback']
      : [`the tangent output for a tangent on ${slot}`, '⟨w, ẏ⟩', from ?? 'the frule'];
    const fd = this.finiteDifference(moves, weights);
    if (!fd.smooth) {
      this.fail(kind, slot, [
        `the function is not differentiable here at the scale of the finite-difference steps, so ${what} cannot be checked.`,
        `  slope from the left ${formatNumber(fd.left)}, from the right ${formatNumber(fd.right)} (step ${formatNumber(fd.initialStep / 16)})`,
        ...context.map((line) => `  ${line}`),
        '  Check at a point farther from the kink, or with a smaller step.',
      ].join('\n'));
    }
    const atol = this.#absolute(fd);
    if (this.close(fd.value, got, atol)) return;
    for (const shrink of [10, 100, 1000]) {
      const again = this.finiteDifference(moves, weights, this.#step / shrink);
      // A smaller step carries more round-off: it never loosens the tolerance.
      if (again.smooth && Number.isFinite(again.value) && this.close(again.value, got, Math.min(atol, this.#absolute(again)))) return;
    }
    const tolerance = atol + this.#rtol * Math.max(Math.abs(fd.value), Math.abs(got));
    const unresolved = fd.error > tolerance
      ? `\n  note: the finite differences' own error estimate (${formatNumber(fd.error)}) exceeds the tolerance, also from smaller steps: the function may vary on a finer scale than the step here; try a smaller step.`
      : '';
    this.fail(kind, slot, [
      `${what} disagrees with finite differences.`,
      `  expected ${quantity} = ${formatNumber(fd.value)} (central differences with Richardson extrapolation, step ${formatNumber(fd.initialStep)} → ${formatNumber(fd.finalStep)}, error estimate ${formatNumber(fd.error)}; smaller first steps agree with it)`,
      `  got      ${quantity} = ${formatNumber(got)} from ${source}`,
      `  difference ${formatNumber(Math.abs(fd.value - got))} > tolerance ${formatNumber(tolerance)} (rtol ${this.#rtol.toExponential()}, atol ${atol.toExponential(1)})`,
      ...context.map((line) => `  ${line}`),
      `  seed ${this.#seed}`,
    ].join('\n') + unresolved, fd.value, got);
  }

  /** `at slot = value, label direction` for messages. */
  describeInput(input: Input, direction: Direction, label: string): string {
    return `at ${input.slot} = ${describeShort(input.value)}, ${label} ${describeShort(direction)}`;
  }

  /** Fails if the call changed any input since the check began. */
  checkUnchanged(who = 'the rule'): void {
    const changed = changedAt(this.#before, [this.args, this.kwargs]);
    if (changed === undefined) return;
    const [part, ...rest] = changed;
    const where = part === 0 ? pathName('args', rest) : pathName('kwargs', rest);
    this.fail('mutation', where, `${who} changed its input ${where}: a rule (and its function) must leave its arguments as they were.`);
  }

  /** Fails if a rule changed a value the check handed it (a cotangent, a tangent). */
  checkKept(before: unknown, value: unknown, slot: string, what: string): void {
    const changed = changedAt(before, value);
    if (changed !== undefined) this.fail('mutation', slot, `the rule changed the ${what} it was given (at ${pathName(slot, changed)}): engines reuse these buffers, so a rule must not write to them.`);
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

  /** Fails unless a rule's primal output equals the function's: the same outline, the same values. */
  checkPrimal(fromRule: unknown, plain: unknown): void {
    const shapeOfRule = JSON.stringify(outline(fromRule));
    const shapeOfPlain = JSON.stringify(outline(plain));
    let mismatch: string | undefined = shapeOfRule === shapeOfPlain ? undefined : `the rule returned ${shapeOfRule}, the function ${shapeOfPlain}`;
    const a = leavesOf(fromRule);
    const b = leavesOf(plain);
    // Round-off may differ between the rule and the function: compare relative to the output's scale.
    let scale = 0;
    for (const { value } of b) for (const v of typeof value === 'number' ? [value] : value.data) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
    const atol = 1e-12 * scale;
    for (let i = 0; mismatch === undefined && i < a.length; i++) {
      const { path, value } = a[i]!;
      const other = b[i]!.value;
      if (!sameShape(shapeOf(value), shapeOf(other))) mismatch = `${pathName('y', path)} has shape [${shapeOf(value).join(', ')}], the function's [${shapeOf(other).join(', ')}]`;
      const x = typeof value === 'number' ? [value] : Array.from(value.data);
      const y = typeof other === 'number' ? [other] : Array.from(other.data);
      const j = x.findIndex((v, k) => !this.close(y[k]!, v, atol) && !(Number.isNaN(v) && Number.isNaN(y[k]!)));
      if (mismatch === undefined && j >= 0) mismatch = `${pathName('y', path)}[${j}] is ${formatNumber(x[j]!)}, the function gives ${formatNumber(y[j]!)}`;
    }
    if (mismatch !== undefined) this.fail('primal', 'y', `the rule's primal output differs from the function's: ${mismatch}.`, plain, fromRule);
    if (!this.checks.includes('primal output')) this.checks.push('primal output');
  }
}

/** Tangent values at leaf paths, assembled into the nested `Tangent` of a record or tuple input. */
export function tangentFrom(leaves: readonly LeafAt[], values: readonly unknown[]): unknown {
  if (leaves.length === 1 && leaves[0]!.path.length === 0) return values[0];
  // Containers built here have no prototype, so they are never confused with a value.
  const root = (typeof leaves[0]?.path[0] === 'number' ? [] : Object.create(null)) as Record<string | number, unknown>;
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

function maxAbs(leaf: Leaf): number {
  if (typeof leaf === 'number') return Math.abs(leaf);
  let m = 0;
  for (const v of leaf.data) m = Math.max(m, Math.abs(v));
  return m;
}
