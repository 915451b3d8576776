import { Tangent, ZeroTangent, add, isTangent, isZero, rrule, scale, thunk, unthunk } from '@chainrules/core';
import type { AnyFunction } from '@chainrules/core';
import { withReferenceAdapter } from '../reference/adapter';
import { CheckContext, ELEMENTWISE_LIMIT } from './context';
import { isRuleCheckError } from './ruleCheckError';
import { rruleThroughEngine } from './throughEngine';
import type { Direction, Input, RuleCheckOptions, RuleCheckReport } from './context';
import { dots, forward, nameSlots, outputPairing, readTangents, reverse, setAsideNotImplemented } from './contracts';
import type { NamedSlots } from './contracts';
import { describeShort, formatNumber, isAllZero, leavesOf, oneHot, pairing, randomTangent, snapshot, unravel } from './tree';

/** Options of {@link testRrule}: those of every check, and the output cotangent to pull back. */
export interface RruleCheckOptions<A = unknown> extends RuleCheckOptions<A> {
  /** The cotangent ȳ to pull back (default: random, of the output's shape). */
  readonly cotangent?: unknown;
}

/**
 * Checks the reverse rule of `f` at `args` (and `options.kwargs`, the trailing options) in
 * float64, the way ChainRulesTestUtils' `test_rrule` does, and throws a
 * {@link RuleCheckError} naming the slot at the first problem:
 *
 * - the rule's primal output equals the function's;
 * - for each differentiable number or array in the arguments (records included) and each
 *   differentiable option leaf the caller passed, ⟨x̄, v⟩ for a random direction v equals
 *   ∂/∂t ⟨ȳ, f(x + t·v)⟩ by central differences with Richardson extrapolation — and, for
 *   arrays of up to 32 elements, every element on its own; a kink at the point is reported,
 *   not compared;
 * - the raw tuple has one slot per argument in order; `NoTangent` for the function itself,
 *   static values and static options (`ZeroTangent` there is the wrong kind), never
 *   `NoTangent` where a derivative exists; records get `Tangent`s of their own fields; a
 *   cotangent has its input's shape;
 * - the pullback is linear in ȳ, reads no state a later `rrule` call changes, and gives the
 *   same result for a thunked cotangent (thunked fields too); a zero cotangent gives zeros;
 * - core's `add` accumulates each tangent (x̄ + x̄ = 2x̄, 0 + x̄ = x̄);
 * - the keyword form and the options-last form agree;
 * - with an frule too, ⟨ȳ, ẏ⟩ = Σ⟨x̄ᵢ, ẋᵢ⟩, kwargs included;
 * - neither the inputs nor the cotangent are mutated.
 *
 * Inputs are plain numbers or float64 reference arrays ({@link f64}); the reference adapter is
 * installed for the check when it is not already. Works under any test runner or none.
 *
 * With `engine` (an adapter's published engine, e.g. `tfjsEngine` of `@chainrules/tfjs/testing`)
 * the rule is checked where it will run instead: the inputs become the engine's float32 arrays,
 * the engine takes the gradient of ⟨ȳ, f(args…, kwargs)⟩ with respect to every differentiable
 * positional and option leaf, and each gradient is compared with float64 finite differences of
 * the plain function (rtol and atol `1e-3` by default); the engine's output must match the
 * function's, and core's run counters must show that the engine ran the rule (a `not-run`
 * failure otherwise). An engine that turns the frule into its reverse mode (jax-js) checks the
 * gradient it gets from that. Every array the check makes is disposed, and the engine's leak
 * check (`around`) runs after it.
 *
 * @example
 * ```ts
 * testRrule(foo, [2, 3], { kwargs: { c: 4 } });
 * testRrule(foo, [f64([1, 2]), f64([3, 4])], { kwargs: { c: f64([0.5, 2]) } });
 * testRrule(foo, [f64([1, 2]), 3], { kwargs: { c: 4 }, engine: tfjsEngine }); // through TF.js
 * ```
 */
export function testRrule<A = unknown>(f: AnyFunction, args: readonly unknown[], options: RruleCheckOptions<A> = {}): RuleCheckReport {
  return withReferenceAdapter(() => (options.engine === undefined ? checkRrule(f, args, options as RruleCheckOptions) : rruleThroughEngine(f, args, options)));
}

function checkRrule(f: AnyFunction, args: readonly unknown[], options: RruleCheckOptions): RuleCheckReport {
  const ctx: CheckContext = new CheckContext('testRrule', f, args, options);
  const plain = ctx.primal();
  if (leavesOf(plain).length === 0) ctx.fail('primal', 'y', `the output ${describeShort(plain)} has no differentiable part to pull back.`);
  const [, pullback] = reverse(ctx, plain);
  const cotangent = options.cotangent ?? randomTangent(plain, ctx.random);
  try {
    pairing(cotangent, plain);
  } catch (error) {
    ctx.fail('tangent-kind', 'ȳ', `the cotangent ${describeShort(cotangent)} does not fit the output ${describeShort(plain)}: ${error instanceof Error ? error.message : String(error)}.`);
  }
  if (isAllZero(cotangent, plain)) ctx.fail('tangent-kind', 'ȳ', 'the cotangent is zero, so the pullback would be checked against nothing; leave cotangent out for a random one.');
  const directions = new Map<Input, Direction>(ctx.inputs.map((input) => [input, ctx.directionFor(input)]));

  // Another rrule call, elsewhere, before the first pullback runs: a pullback must not read
  // state it changes. Nearer points are tried where the rule refuses the first (a domain edge).
  for (const t of [ctx.step, ctx.step / 16, ctx.step / 256]) {
    try {
      reverse(ctx, plain, ctx.moved(directions, t));
      break;
    } catch (error) {
      if (!isRuleCheckError(error) || error.kind !== 'rule-error') throw error;
    }
  }
  const pull = (seed: unknown, trailing = false, pb = pullback): NamedSlots => {
    const before = snapshot(seed);
    const raw = ctx.guard(() => pb(seed), undefined);
    ctx.checkUnchanged();
    ctx.checkKept(before, seed, 'ȳ', 'cotangent');
    return nameSlots(ctx, raw, trailing);
  };
  const slots = pull(cotangent);
  setAsideNotImplemented(ctx, slots, directions);
  const tangents = readTangents(ctx, slots, 'cotangent');
  const projected = dots(tangents, directions);
  ctx.checks.push('slot count and order', 'NoTangent for self', 'tangent kinds and structure');

  for (const input of ctx.inputs) {
    const direction = directions.get(input)!;
    ctx.compare('cotangent', input.slot, new Map([[input, direction]]), cotangent, projected.get(input)!, [ctx.describeInput(input, direction, 'direction v'), `cotangent ȳ = ${describeShort(cotangent)}`]);
    const value = input.value;
    if (typeof value !== 'number' && value.data.length > 1 && value.data.length <= ELEMENTWISE_LIMIT) {
      for (let i = 0; i < value.data.length; i++) {
        const unit = oneHot(value, i);
        const slot = `${input.slot}${unravel(i, value.shape)}`;
        const got = dots(tangents, new Map([[input, unit]])).get(input)!;
        ctx.compare('cotangent', slot, new Map([[input, unit]]), cotangent, got, [`at ${slot} = ${formatNumber(value.data[i]!)}`, `cotangent ȳ = ${describeShort(cotangent)}`]);
      }
    }
    ctx.checks.push(`cotangent ${input.slot}`);
  }

  agree(ctx, 'cotangent', scaled(projected, -2.5), dots(readTangents(ctx, pull(scale(-2.5, cotangent)), 'cotangent'), directions), 'pulling back -2.5·ȳ gave');
  agree(ctx, 'thunk', projected, dots(readTangents(ctx, pull(lazily(cotangent)), 'cotangent'), directions), 'a thunked cotangent gave');
  const zeros = ctx.guard(() => pullback(ZeroTangent), undefined);
  const nonzero = zeros.findIndex((slot) => !isZero(unthunk(slot)));
  if (nonzero >= 0) ctx.fail('thunk', `slot ${nonzero}`, `a ZeroTangent cotangent gave ${describeShort(zeros[nonzero])}; expected zeros.`);
  ctx.checks.push('linear in the cotangent', 'no state shared between calls', 'thunked cotangent', 'zero cotangent');

  if (ctx.kwargs !== undefined) {
    const result = ctx.guard(() => (rrule as (...input: unknown[]) => ReturnType<typeof rrule>)(...ctx.configArgs, f, ...args, ctx.kwargs), undefined);
    if (result === undefined) ctx.fail('no-rule', undefined, 'the options-last form rrule(f, ...args, kw) found no rule where the keyword form did.');
    const [y, trailingPullback] = result;
    ctx.checkPrimal(y, plain);
    agree(ctx, 'cotangent', projected, dots(readTangents(ctx, pull(cotangent, true, trailingPullback), 'cotangent'), directions), 'the options-last form rrule(f, ...args, kw) gave');
    ctx.checks.push('keyword and options-last forms agree');
  }

  checkAccumulation(ctx, slots, directions, projected);
  if (ctx.call.hasForward) checkDuality(ctx, plain, directions, cotangent, projected);
  ctx.checkUnchanged();
  ctx.checks.push('no input mutated');
  return { rule: ctx.name, checks: ctx.checks };
}

function scaled(values: ReadonlyMap<Input, number>, k: number): Map<Input, number> {
  return new Map([...values].map(([input, value]) => [input, k * value]));
}

/** A cotangent as a thunk, with the fields of a `Tangent` thunked too. */
function lazily(cotangent: unknown): unknown {
  const value = unthunk(cotangent);
  if (!isTangent(value)) return thunk(() => value);
  const fields = value.backing as Record<string, unknown>;
  const wrapped = Array.isArray(fields) ? (fields as unknown[]).map(lazily) : Object.fromEntries(value.keys().map((key) => [key, lazily(fields[key])]));
  return thunk(() => new Tangent(wrapped as never));
}

/** Fails unless two readings of the same tangents agree. */
export function agree(ctx: CheckContext, kind: 'thunk' | 'cotangent' | 'tangent' | 'accumulation', expected: ReadonlyMap<Input, number>, got: ReadonlyMap<Input, number>, what: string): void {
  for (const [input, value] of expected) {
    const other = got.get(input)!;
    if (!ctx.close(value, other, 1e-12 * Math.max(1, Math.abs(value)))) {
      ctx.fail(kind, input.slot, `${what} ${formatNumber(other)} for ⟨${input.slot}, v⟩, where it should give ${formatNumber(value)}.`, value, other);
    }
  }
}

function checkAccumulation(ctx: CheckContext, slots: NamedSlots, directions: ReadonlyMap<Input, Direction>, projected: ReadonlyMap<Input, number>): void {
  const sum = (a: unknown, b: unknown, slot: string): unknown => ctx.guard(() => add(a, b), slot, 'accumulation');
  const doubled: NamedSlots = {
    self: slots.self,
    args: slots.args.map((slot, i) => sum(slot, slot, `args[${i}]`)),
    kwargs: sum(slots.kwargs ?? ZeroTangent, slots.kwargs ?? ZeroTangent, 'kwargs'),
  };
  agree(ctx, 'accumulation', scaled(projected, 2), dots(readTangents(ctx, doubled, 'cotangent'), directions), 'add(x̄, x̄) gave');
  const fromZero: NamedSlots = {
    self: slots.self,
    args: slots.args.map((slot, i) => (ctx.inputsOf(i).length === 0 ? slot : sum(ZeroTangent, slot, `args[${i}]`))),
    kwargs: sum(ZeroTangent, slots.kwargs ?? ZeroTangent, 'kwargs'),
  };
  agree(ctx, 'accumulation', projected, dots(readTangents(ctx, fromZero, 'cotangent'), directions), 'add(ZeroTangent, x̄) gave');
  ctx.checks.push('add accumulates the tangents');
}

/** ⟨ȳ, ẏ⟩ = Σ⟨x̄ᵢ, ẋᵢ⟩ with the frule driven by the same directions the cotangents were read with. */
export function checkDuality(ctx: CheckContext, plain: unknown, directions: ReadonlyMap<Input, Direction>, cotangent: unknown, projected: ReadonlyMap<Input, number>): void {
  const [, ydot] = forward(ctx, plain, directions);
  const left = outputPairing(ctx, cotangent, ydot, plain);
  let right = 0;
  for (const value of projected.values()) right += value;
  if (!ctx.close(left, right, 1e-12 * Math.max(1, Math.abs(left)))) {
    ctx.fail('duality', undefined, [
      'frule and rrule disagree: ⟨ȳ, ẏ⟩ ≠ Σ⟨x̄ᵢ, ẋᵢ⟩ (the dot-product identity, kwargs included).',
      `  ⟨ȳ, ẏ⟩ from the frule    = ${formatNumber(left)}`,
      `  Σ⟨x̄ᵢ, ẋᵢ⟩ from the rrule = ${formatNumber(right)}`,
      `  per input: ${[...projected].map(([input, value]) => `${input.slot} ${formatNumber(value)}`).join(', ')}`,
    ].join('\n'), right, left);
  }
  ctx.checks.push('frule and rrule agree (dot-product identity)');
}
