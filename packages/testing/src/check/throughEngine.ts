import { installAdapter, installedAdapters, ruleRuns } from '@chainrules/core';
import type { Adapter, AnyFunction, ArrayApi, RuleRuns } from '@chainrules/core';
import type { ArrayTree, ConformanceEngine } from '../conformance/engine';
import { f64, isF64Array, toNested } from '../reference/f64Array';
import { CheckContext, ELEMENTWISE_LIMIT } from './context';
import type { Direction, Input, RuleCheckOptions, RuleCheckReport } from './context';
import { describeShort, formatNumber, isAllZero, isPlainRecord, leavesOf, oneHot, pairing, pathName, randomTangent, sameShape, shapeOf, tangentAtPath, unravel } from './tree';
import type { Leaf, Path } from './tree';

/*
 * The checks through a real engine (the `engine` option of testRrule / testFrule): the inputs
 * become the engine's arrays, the engine differentiates the call, and what it gives is compared
 * with the float64 finite differences of the plain function that the reference checks use.
 */

/** The tolerances of a float32 engine, where the caller gives none. */
const ENGINE_RTOL = 1e-3;
const ENGINE_ATOL = 1e-3;

type Engine = ConformanceEngine<unknown>;

/** One run through an engine: the arrays it made (disposed at the end) and the check's context. */
class EngineRun {
  readonly engine: Engine;
  readonly ctx: CheckContext;
  readonly xp: ArrayApi<unknown, unknown>;
  readonly #made: unknown[] = [];
  readonly #inputKeys: Map<string, number>;

  constructor(ctx: CheckContext, engine: Engine) {
    this.ctx = ctx;
    this.engine = engine;
    this.xp = engine.adapter.xp as ArrayApi<unknown, unknown>;
    this.#inputKeys = new Map(ctx.inputs.map((input, k) => [keyOf(input.kind, input.index, input.path), k]));
  }

  get name(): string {
    return this.engine.adapter.name;
  }

  /** A new engine array of a float64 leaf, disposed at the end of the run. */
  array(leaf: Leaf): unknown {
    const value = this.ctx.guard(() => this.engine.array(typeof leaf === 'number' ? leaf : (toNested(leaf) as number | unknown[])), undefined, 'engine');
    this.#made.push(value);
    return value;
  }

  /** An array to hand a function that consumes its arguments (jax-js), kept alive for the run. */
  lend(x: unknown): unknown {
    return this.engine.ref !== undefined && this.engine.adapter.owns(x) ? this.engine.ref(x) : x;
  }

  /** Marks arrays the engine returned (and their tree's leaves) for disposal at the end. */
  own(tree: unknown): void {
    walk(tree, (leaf) => {
      if (this.engine.adapter.owns(leaf)) this.#made.push(leaf);
    });
  }

  /** The float64 value of an engine array shaped like `like` (a number or an `F64Array`), or a failure at `slot`. */
  read(value: unknown, like: Leaf, slot: string, what: string): Leaf {
    if (typeof value === 'number') {
      if (typeof like === 'number' || like.shape.length === 0) return typeof like === 'number' ? value : f64(value);
      this.ctx.fail('tangent-kind', slot, `the engine '${this.name}' gave a number for ${what} of shape [${like.shape.join(', ')}].`);
    }
    if (!this.engine.adapter.owns(value)) this.ctx.fail('tangent-kind', slot, `the engine '${this.name}' gave ${describeShort(value)} for ${what}, not one of its arrays.`);
    const { shape, data } = this.ctx.guard(() => this.engine.read(value), slot, 'engine');
    if (!sameShape(shape, shapeOf(like))) this.ctx.fail('tangent-kind', slot, `the engine '${this.name}' gave ${what} of shape [${shape.join(', ')}] for a value of shape [${shapeOf(like).join(', ')}].`);
    return typeof like === 'number' ? data[0]! : f64(Float64Array.from(data), shape);
  }

  /**
   * The call's arguments and options with each input replaced by `leaves[k]` (the k-th input's
   * engine value) and every other float64 array by a constant engine array; numbers that are
   * not inputs (marked non-differentiable) stay numbers.
   */
  callWith(leaves: readonly unknown[]): unknown[] {
    const swap = (kind: 'arg' | 'kwarg', index: number) => (value: unknown, path: Path): unknown => {
      const k = this.#inputKeys.get(keyOf(kind, index, path));
      if (k !== undefined) return leaves[k];
      return isF64Array(value) ? this.lend(this.array(value)) : value;
    };
    const args = this.ctx.args.map((arg, index) => mapLeaves(arg, swap('arg', index)));
    return this.ctx.callArgs(args, this.ctx.kwargs === undefined ? undefined : mapLeaves(this.ctx.kwargs, swap('kwarg', -1)));
  }

  /** Runs `f` on the engine's values, turning what it throws into a `rule-error`. */
  call(leaves: readonly unknown[]): unknown {
    const args = this.callWith(leaves);
    return this.ctx.guard(() => this.ctx.f(...args), undefined);
  }

  /** The engine's output, read back into float64 and shaped like the plain function's output `plain`. */
  readTree(output: unknown, plain: unknown, what: string): unknown {
    const at = (root: unknown, path: Path): unknown => path.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], root);
    let read = plain;
    for (const { path, value } of leavesOf(plain)) {
      const slot = pathName('y', path);
      const got = at(output, path);
      if (got === undefined) this.ctx.fail('tangent-kind', slot, `the engine '${this.name}' gave no ${what} at ${slot}.`);
      read = replaceLeaf(read, path, this.read(got, value, slot, `the ${what} ${slot}`));
    }
    return read;
  }

  /** Fails unless the engine's (float32) output matches the plain function's float64 output. */
  checkPrimal(output: unknown, plain: unknown, rtol: number, atol: number): void {
    const read = leavesOf(this.readTree(output, plain, 'output'));
    leavesOf(plain).forEach(({ path, value }, i) => {
      const got = read[i]!.value;
      const want = typeof value === 'number' ? [value] : Array.from(value.data);
      const have = typeof got === 'number' ? [got] : Array.from(got.data);
      const j = want.findIndex((v, k) => !(Math.abs(v - have[k]!) <= atol + rtol * Math.max(Math.abs(v), Math.abs(have[k]!))));
      if (j >= 0) {
        const slot = pathName('y', path);
        this.ctx.fail('primal', slot, `under the engine '${this.name}' the output ${slot}${shapeOf(value).length > 0 ? unravel(j, shapeOf(value)) : ''} is ${formatNumber(have[j]!)}; the plain function gives ${formatNumber(want[j]!)} in float64 (rtol ${rtol}, atol ${atol}).`, want[j], have[j]);
      }
    });
    this.ctx.checks.push(`primal output under ${this.name}`);
  }

  /** Disposes every array made or returned during the run (once each). */
  dispose(): void {
    const seen = new Set<unknown>();
    for (const x of this.#made) {
      if (seen.has(x)) continue;
      seen.add(x);
      this.engine.dispose?.(x);
    }
    this.#made.length = 0;
  }
}

function keyOf(kind: 'arg' | 'kwarg', index: number, path: Path): string {
  return JSON.stringify([kind, index, path]);
}

/** A copy of `value` with each number or float64 array (at its path) replaced by `swap`'s result. */
function mapLeaves(value: unknown, swap: (leaf: unknown, path: Path) => unknown, path: Path = []): unknown {
  if (typeof value === 'number' || isF64Array(value)) return swap(value, path);
  if (Array.isArray(value)) return value.map((item: unknown, i) => mapLeaves(item, swap, [...path, i]));
  if (isPlainRecord(value)) return Object.fromEntries(Object.keys(value).map((key) => [key, mapLeaves(value[key], swap, [...path, key])]));
  return value;
}

function walk(tree: unknown, visit: (leaf: unknown) => void): void {
  if (Array.isArray(tree)) tree.forEach((item: unknown) => walk(item, visit));
  else if (isPlainRecord(tree)) Object.values(tree).forEach((item) => walk(item, visit));
  else visit(tree);
}

function replaceLeaf(root: unknown, path: Path, leaf: Leaf): unknown {
  if (path.length === 0) return leaf;
  const [key, ...rest] = path;
  const copy = (Array.isArray(root) ? [...(root as unknown[])] : { ...(root as Record<string, unknown>) }) as Record<string | number, unknown>;
  copy[key!] = replaceLeaf(copy[key!], rest, leaf);
  return copy;
}

/** ⟨leaf, direction⟩ in float64. */
function dot(leaf: Leaf, direction: Direction): number {
  if (typeof leaf === 'number') return leaf * (typeof direction === 'number' ? direction : direction.data[0]!);
  let sum = 0;
  for (let i = 0; i < leaf.data.length; i++) sum += leaf.data[i]! * (typeof direction === 'number' ? direction : direction.data[i]!);
  return sum;
}

/**
 * Runs a check through `engine`: its adapter (and the float64 reference, by the caller)
 * installed for the check, the engine's leak check (`around`) around it, and every array the
 * check made or got back disposed before that leak check runs.
 */
function throughEngine<A>(contract: 'testRrule' | 'testFrule', f: AnyFunction, args: readonly unknown[], options: RuleCheckOptions<A>, check: (run: EngineRun, rtol: number, atol: number) => void): RuleCheckReport {
  const engine = options.engine as unknown as Engine;
  const rtol = options.rtol ?? ENGINE_RTOL;
  const atol = options.atol ?? ENGINE_ATOL;
  const ctx = new CheckContext(contract, f, args, { ...(options as RuleCheckOptions), rtol, atol });
  const adapter = engine.adapter as Adapter;
  const uninstall = installedAdapters().includes(adapter) ? undefined : ctx.guard(() => installAdapter(adapter), undefined, 'engine');
  const run = new EngineRun(ctx, engine);
  let leakCheck: (() => void | Promise<void>) | void = undefined;
  let failed = false;
  let failure: unknown;
  try {
    leakCheck = ctx.guard(() => engine.around?.(), undefined, 'engine');
    check(run, rtol, atol);
  } catch (error) {
    [failed, failure] = [true, error];
  }
  // Cleaning up runs after a failure too (a TF.js scope must close); its own error is reported only when the check passed.
  const afterwards: unknown[] = [];
  try {
    run.dispose();
  } catch (error) {
    afterwards.push(error);
  }
  try {
    const pending = leakCheck?.();
    if (pending instanceof Promise) {
      void pending.catch(() => undefined);
      throw new Error('its around() check is asynchronous, and the rule checks are synchronous: give an engine whose around() check returns nothing');
    }
  } catch (error) {
    afterwards.push(error);
  } finally {
    uninstall?.();
  }
  if (failed) throw failure;
  const [problem] = afterwards;
  if (afterwards.length > 0) {
    ctx.fail('engine', undefined, `the engine '${run.name}' failed after the check, disposing its arrays or in its leak check (around): ${problem instanceof Error ? problem.message : String(problem)}`, undefined, undefined, problem);
  }
  return { rule: ctx.name, checks: [`through the engine '${run.name}'`, ...ctx.checks] };
}

/** The runs of `f`'s rule since `before`, or a `not-run` failure when the engine ran none of it. */
function expectRuleRan(run: EngineRun, before: RuleRuns | undefined, what: string): void {
  const ctx: CheckContext = run.ctx;
  const now = ruleRuns(ctx.f);
  if (before === undefined || now === undefined) {
    ctx.fail('not-run', undefined, `core counts no runs of a rule of ${ctx.name} (a function made by nonDifferentiable, or none of defineRule's), so nothing proves the engine '${run.name}' used a rule; check a function that defineRule returned.`);
  }
  const runs = { rrule: now.rrule - before.rrule, pullback: now.pullback - before.pullback, frule: now.frule - before.frule };
  if (runs.rrule + runs.frule === 0) {
    ctx.fail('not-run', undefined, [
      `the engine '${run.name}' never ran the rule of ${ctx.name} for ${what}: core's run counters show no rrule and no frule run, so its derivative came from differentiating the plain function (or from nowhere), and the rule was not checked.`,
      `  Is '${run.name}' the engine whose adapter routes ${ctx.name}'s calls (installed, the function called with its arrays)? Does an optOut predicate opt these inputs out?`,
    ].join('\n'));
  }
  ctx.checks.push(`the engine ran the rule (rrule ${runs.rrule}, pullback ${runs.pullback}, frule ${runs.frule})`);
}

/** testRrule through an engine: the engine's gradient of ⟨ȳ, f(args…, kwargs)⟩ against finite differences. */
export function rruleThroughEngine<A>(f: AnyFunction, args: readonly unknown[], options: RuleCheckOptions<A> & { readonly cotangent?: unknown }): RuleCheckReport {
  return throughEngine('testRrule', f, args, options, (run, rtol, atol) => {
    const ctx: CheckContext = run.ctx;
    const { engine, xp } = run;
    const reverse = engine.gradTree ?? (engine.grads === undefined ? undefined : (g: (tree: ArrayTree<unknown>) => unknown) => (tree: ArrayTree<unknown>) => engine.grads!((...xs) => g(xs))(...(tree as unknown[])));
    if (reverse === undefined) ctx.fail('engine', undefined, `the engine '${run.name}' has no reverse mode (no gradTree or grads hook), so testRrule cannot run through it.`);
    const plain = ctx.primal();
    if (leavesOf(plain).length === 0) ctx.fail('primal', 'y', `the output ${describeShort(plain)} has no differentiable part to pull back.`);
    const cotangent = options.cotangent ?? randomTangent(plain, ctx.random);
    try {
      pairing(cotangent, plain);
    } catch (error) {
      ctx.fail('tangent-kind', 'ȳ', `the cotangent ${describeShort(cotangent)} does not fit the output ${describeShort(plain)}: ${error instanceof Error ? error.message : String(error)}.`);
    }
    if (isAllZero(cotangent, plain)) ctx.fail('tangent-kind', 'ȳ', 'the cotangent is zero, so the gradient would be checked against nothing; leave cotangent out for a random one.');
    if (ctx.inputs.length === 0) ctx.fail('engine', undefined, 'the call has no differentiable number or array (positional or option) to take the engine’s gradient with respect to.');

    const inputs = ctx.inputs.map((input) => run.array(input.value));
    const y = run.call(inputs.map((x) => run.lend(x)));
    run.own(y);
    run.checkPrimal(y, plain, rtol, atol);

    // ⟨ȳ, y⟩ with ȳ as constant engine arrays, summed over the output's differentiable leaves.
    const weights = leavesOf(plain).flatMap(({ path }) => {
      const w = tangentAtPath(cotangent, path);
      return typeof w === 'number' || isF64Array(w) ? [{ path, w: run.array(w) }] : [];
    });
    const loss = (tree: ArrayTree<unknown>): unknown => {
      const y = run.call(tree as unknown[]);
      let total: unknown;
      for (const { path, w } of weights) {
        const leaf = path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], y);
        const term = xp.sum(xp.multiply(w, leaf));
        total = total === undefined ? term : xp.add(total, term);
      }
      return total;
    };
    const before = ruleRuns(ctx.f);
    const grads = ctx.guard(() => reverse(loss as (tree: ArrayTree<unknown>) => unknown)(inputs as ArrayTree<unknown>), undefined);
    run.own(grads);
    expectRuleRan(run, before, 'the gradient');
    if (!Array.isArray(grads) || grads.length !== inputs.length) ctx.fail('engine', undefined, `the engine '${run.name}' gave ${describeShort(grads)} for the gradient of ${inputs.length} inputs.`);
    const gradients = ctx.inputs.map((input, k) => run.read(grads[k], input.value, input.slot, `the gradient of ${input.slot}`));

    const from = `the engine '${run.name}'s gradient`;
    ctx.inputs.forEach((input, k) => {
      const gradient = gradients[k]!;
      const direction = ctx.directionFor(input);
      ctx.compare('cotangent', input.slot, new Map([[input, direction]]), cotangent, dot(gradient, direction), [ctx.describeInput(input, direction, 'direction v'), `cotangent ȳ = ${describeShort(cotangent)}`], from);
      const value = input.value;
      if (typeof value !== 'number' && value.data.length > 1 && value.data.length <= ELEMENTWISE_LIMIT) {
        for (let i = 0; i < value.data.length; i++) {
          const slot = `${input.slot}${unravel(i, value.shape)}`;
          ctx.compare('cotangent', slot, new Map([[input, oneHot(value, i)]]), cotangent, (gradient as typeof value).data[i]!, [`at ${slot} = ${formatNumber(value.data[i]!)}`, `cotangent ȳ = ${describeShort(cotangent)}`], from);
        }
      }
      ctx.checks.push(`cotangent ${input.slot}`);
    });
  });
}

/** testFrule through an engine: the engine's forward-mode tangent ⟨w, ẏ⟩ against finite differences. */
export function fruleThroughEngine<A>(f: AnyFunction, args: readonly unknown[], options: RuleCheckOptions<A>): RuleCheckReport {
  return throughEngine('testFrule', f, args, options, (run, rtol, atol) => {
    const ctx: CheckContext = run.ctx;
    const { engine } = run;
    const forward =
      engine.jvpTree ??
      (engine.jvp === undefined ? undefined : (g: (tree: ArrayTree<unknown>) => ArrayTree<unknown>, primals: ArrayTree<unknown>, tangents: ArrayTree<unknown>) => engine.jvp!((...xs) => g(xs), primals as unknown[], tangents as unknown[]));
    if (forward === undefined) {
      ctx.fail('engine', undefined, `the engine '${run.name}' has no forward mode (no jvpTree or jvp hook), so testFrule cannot run through it. Check the rrule through it with testRrule(f, args, { engine }), and the frule on the float64 reference with testFrule(f, args).`);
    }
    const plain = ctx.primal();
    if (leavesOf(plain).length === 0) ctx.fail('primal', 'y', `the output ${describeShort(plain)} has no differentiable part to push forward.`);
    if (ctx.inputs.length === 0) ctx.fail('engine', undefined, 'the call has no differentiable number or array (positional or option) to give a tangent.');
    const weights = randomTangent(plain, ctx.random);
    const directions = new Map<Input, Direction>(ctx.inputs.map((input) => [input, ctx.directionFor(input)]));
    const primals = ctx.inputs.map((input) => run.array(input.value));
    const zeros = ctx.inputs.map((input) => run.array(typeof input.value === 'number' ? 0 : f64(new Float64Array(input.value.data.length), input.value.shape)));

    /** ⟨w, ẏ⟩ for tangents on the inputs `moves` names (zero on the others), and the engine's primal output. */
    const pushed = (moves: ReadonlyMap<Input, Direction>): { dot: number; y: unknown } => {
      const tangents = ctx.inputs.map((input, k) => {
        const move = moves.get(input);
        return move === undefined ? zeros[k] : run.array(move);
      });
      const out = ctx.guard(() => forward((tree) => run.call(tree as unknown[]) as ArrayTree<unknown>, primals as ArrayTree<unknown>, tangents as ArrayTree<unknown>), undefined);
      if (!Array.isArray(out) || out.length !== 2) ctx.fail('engine', undefined, `the engine '${run.name}' gave ${describeShort(out)} for [y, ẏ].`);
      run.own(out);
      return { dot: pairing(weights, run.readTree(out[1], plain, 'output tangent')), y: out[0] };
    };

    const before = ruleRuns(ctx.f);
    const joint = pushed(directions);
    expectRuleRan(run, before, 'the tangent');
    run.checkPrimal(joint.y, plain, rtol, atol);
    const from = `the engine '${run.name}'s jvp`;
    for (const input of ctx.inputs) {
      const direction = directions.get(input)!;
      const alone = new Map([[input, direction]]);
      ctx.compare('tangent', input.slot, alone, weights, pushed(alone).dot, [ctx.describeInput(input, direction, 'tangent ẋ'), `output weights w = ${describeShort(weights)} (compared: ⟨w, ẏ⟩)`], from);
      const value = input.value;
      if (typeof value !== 'number' && value.data.length > 1 && value.data.length <= ELEMENTWISE_LIMIT) {
        for (let i = 0; i < value.data.length; i++) {
          const unit = new Map([[input, oneHot(value, i)]]);
          const slot = `${input.slot}${unravel(i, value.shape)}`;
          ctx.compare('tangent', slot, unit, weights, pushed(unit).dot, [`at ${slot} = ${formatNumber(value.data[i]!)}, tangent 1 there`], from);
        }
      }
      ctx.checks.push(`tangent ${input.slot}`);
    }
    ctx.compare('tangent', 'all inputs', directions, weights, joint.dot, ['every input moved at once along its tangent'], from);
    const still = pushed(new Map()).dot;
    if (!(Math.abs(still) <= atol)) ctx.fail('tangent', undefined, `zero input tangents gave ⟨w, ẏ⟩ = ${formatNumber(still)} under the engine '${run.name}'; expected 0.`, 0, still);
    ctx.checks.push('all tangents at once', 'zero tangents give a zero output tangent');
  });
}
