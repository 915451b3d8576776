import { ZeroTangent, add, isZero, rrule, thunk, unthunk } from '@chainrules/core';
import type { AnyFunction } from '@chainrules/core';
import { withReferenceAdapter } from '../reference/adapter';
import { CheckContext } from './context';
import type { Direction, Input, RuleCheckOptions, RuleCheckReport } from './context';
import { forward, nameSlots, outputPairing, readSlots, reverse } from './contracts';
import { describeShort, formatNumber, leavesOf, randomTangent } from './tree';

/** Options of {@link testRrule}: those of every check, and the output cotangent to pull back. */
export interface RruleCheckOptions extends RuleCheckOptions {
  /** The cotangent ȳ to pull back (default: random, of the output's shape). */
  readonly cotangent?: unknown;
}

/**
 * Checks the reverse rule of `f` at `args` (and `options.kwargs`, the trailing options) in
 * float64, the way ChainRulesTestUtils' `test_rrule` does, and throws a
 * {@link RuleCheckError} naming the slot at the first problem:
 *
 * - the rule's primal output equals the function's;
 * - for each differentiable argument and each differentiable option leaf the caller passed,
 *   ⟨x̄, v⟩ for a random direction v equals ∂/∂t ⟨ȳ, f(x + t·v)⟩ by central differences with
 *   Richardson extrapolation (nested option records and record arguments included);
 * - the raw tuple has one slot per argument in order; `NoTangent` for the function itself,
 *   static arguments and static options (`ZeroTangent` there is the wrong kind), never
 *   `NoTangent` where a derivative exists;
 * - a thunked cotangent gives the same result, a zero cotangent gives zeros;
 * - core's `add` accumulates each tangent (x̄ + x̄ = 2x̄, 0 + x̄ = x̄);
 * - the keyword form and the options-last form agree;
 * - with an frule too, ⟨ȳ, ẏ⟩ = Σ⟨x̄ᵢ, ẋᵢ⟩, kwargs included;
 * - no input is mutated.
 *
 * Inputs are plain numbers or float64 reference arrays ({@link f64}); the reference adapter is
 * installed for the check when it is not already. Works under any test runner or none.
 *
 * @example
 * ```ts
 * testRrule(foo, [2, 3], { kwargs: { c: 4 } });
 * testRrule(foo, [f64([1, 2]), f64([3, 4])], { kwargs: { c: 0.5 } });
 * ```
 */
export function testRrule(f: AnyFunction, args: readonly unknown[], options: RruleCheckOptions = {}): RuleCheckReport {
  return withReferenceAdapter(() => checkRrule(f, args, options));
}

function checkRrule(f: AnyFunction, args: readonly unknown[], options: RruleCheckOptions): RuleCheckReport {
  const ctx: CheckContext = new CheckContext('testRrule', f, args, options);
  const plain = ctx.primal();
  const [y, pullback] = reverse(ctx);
  ctx.checkUnchanged();
  ctx.checkPrimal(y, plain);
  if (leavesOf(plain).length === 0) ctx.fail('primal', 'y', `the output ${describeShort(plain)} has no differentiable part to pull back.`);
  const cotangent = options.cotangent ?? randomTangent(plain, ctx.random);
  const directions = new Map<Input, Direction>(ctx.inputs.map((input) => [input, ctx.directionFor(input)]));

  const raw = ctx.guard(() => pullback(cotangent), undefined);
  ctx.checkUnchanged();
  const slots = nameSlots(ctx, raw);
  const dots = readSlots(ctx, slots, directions, 'cotangent');
  ctx.checks.push('slot count and order', 'NoTangent for self', ...ctx.staticArgs.map((i) => `NoTangent args[${i}]`));

  for (const input of ctx.inputs) {
    const direction = directions.get(input)!;
    const fd = ctx.finiteDifference(new Map([[input, direction]]), cotangent);
    ctx.compare('cotangent', input.slot, fd, dots.get(input)!, [...ctx.describeInput(input, direction, 'direction v'), `cotangent ȳ = ${describeShort(cotangent)}`]);
    ctx.checks.push(`cotangent ${input.slot}`);
  }

  const lazy = readSlots(ctx, nameSlots(ctx, ctx.guard(() => pullback(thunk(() => cotangent)), undefined)), directions, 'cotangent');
  agree(ctx, 'thunk', dots, lazy, 'a thunked cotangent gave');
  const zeros = ctx.guard(() => pullback(ZeroTangent), undefined);
  const nonzero = zeros.findIndex((slot) => !isZero(unthunk(slot)));
  if (nonzero >= 0) ctx.fail('thunk', `slot ${nonzero}`, `a ZeroTangent cotangent gave ${describeShort(zeros[nonzero])}; expected zeros.`);
  ctx.checks.push('thunked cotangent', 'zero cotangent');

  if (ctx.kwargs !== undefined) {
    const result = ctx.guard(() => (rrule as (...input: unknown[]) => ReturnType<typeof rrule>)(...ctx.configArgs, f, ...args, ctx.kwargs), undefined);
    if (result === undefined) ctx.fail('no-rule', undefined, 'the options-last form rrule(f, ...args, kw) found no rule where the keyword form did.');
    const [, trailingPullback] = result;
    const trailing = readSlots(ctx, nameSlots(ctx, ctx.guard(() => trailingPullback(cotangent), undefined), true), directions, 'cotangent');
    agree(ctx, 'cotangent', dots, trailing, 'the options-last form rrule(f, ...args, kw) gave');
    ctx.checks.push('keyword and options-last forms agree');
  }

  checkAccumulation(ctx, slots, directions, dots);
  if (ctx.call.hasForward) checkDuality(ctx, directions, cotangent, plain, dots);
  ctx.checkUnchanged();
  ctx.checks.push('no input mutated');
  return { rule: ctx.name, checks: ctx.checks };
}

/** Fails unless two readings of the same cotangents agree. */
export function agree(ctx: CheckContext, kind: 'thunk' | 'cotangent' | 'tangent' | 'accumulation', expected: ReadonlyMap<Input, number>, got: ReadonlyMap<Input, number>, what: string): void {
  for (const [input, value] of expected) {
    const other = got.get(input)!;
    if (!ctx.close(value, other)) {
      ctx.fail(kind, input.slot, `${what} ${formatNumber(other)} for ⟨${input.slot}, v⟩, where the plain call gave ${formatNumber(value)}.`, value, other);
    }
  }
}

function checkAccumulation(ctx: CheckContext, slots: ReturnType<typeof nameSlots>, directions: ReadonlyMap<Input, Direction>, dots: ReadonlyMap<Input, number>): void {
  const sum = (a: unknown, b: unknown, slot: string): unknown => ctx.guard(() => add(a, b), slot, 'accumulation');
  const doubled = {
    self: slots.self,
    args: slots.args.map((slot, i) => sum(slot, slot, `args[${i}]`)),
    kwargs: sum(slots.kwargs ?? ZeroTangent, slots.kwargs ?? ZeroTangent, 'kwargs'),
  };
  const twice = readSlots(ctx, doubled, directions, 'cotangent');
  agree(ctx, 'accumulation', new Map([...dots].map(([input, value]) => [input, 2 * value])), twice, 'add(x̄, x̄) gave');
  const fromZero = {
    self: slots.self,
    args: slots.args.map((slot, i) => (ctx.staticArgs.includes(i) ? slot : sum(ZeroTangent, slot, `args[${i}]`))),
    kwargs: sum(ZeroTangent, slots.kwargs ?? ZeroTangent, 'kwargs'),
  };
  agree(ctx, 'accumulation', dots, readSlots(ctx, fromZero, directions, 'cotangent'), 'add(ZeroTangent, x̄) gave');
  ctx.checks.push('add accumulates the tangents');
}

/** ⟨ȳ, ẏ⟩ = Σ⟨x̄ᵢ, ẋᵢ⟩ with the frule driven by the same directions the cotangents were read with. */
export function checkDuality(ctx: CheckContext, directions: ReadonlyMap<Input, Direction>, cotangent: unknown, y: unknown, dots: ReadonlyMap<Input, number>): void {
  const [, ydot] = forward(ctx, directions);
  const left = outputPairing(ctx, cotangent, ydot, y);
  let right = 0;
  for (const value of dots.values()) right += value;
  if (!ctx.close(left, right)) {
    ctx.fail('duality', undefined, [
      'frule and rrule disagree: ⟨ȳ, ẏ⟩ ≠ Σ⟨x̄ᵢ, ẋᵢ⟩ (the dot-product identity, kwargs included).',
      `  ⟨ȳ, ẏ⟩ from the frule    = ${formatNumber(left)}`,
      `  Σ⟨x̄ᵢ, ẋᵢ⟩ from the rrule = ${formatNumber(right)}`,
      `  per input: ${[...dots].map(([input, value]) => `${input.slot} ${formatNumber(value)}`).join(', ')}`,
    ].join('\n'), right, left);
  }
  ctx.checks.push('frule and rrule agree (dot-product identity)');
}
