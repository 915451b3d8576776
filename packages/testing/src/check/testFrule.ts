import { isZero, unthunk } from '@chainrules/core';
import type { AnyFunction } from '@chainrules/core';
import { withReferenceAdapter } from '../reference/adapter';
import { CheckContext, ELEMENTWISE_LIMIT } from './context';
import type { Direction, Input, RuleCheckOptions, RuleCheckReport } from './context';
import { dots, forward, nameSlots, outputPairing, readTangents, reverse } from './contracts';
import { checkDuality } from './testRrule';
import { fruleThroughEngine } from './throughEngine';
import { describeShort, formatNumber, leavesOf, oneHot, randomTangent, unravel } from './tree';

/**
 * Checks the forward rule of `f` at `args` (and `options.kwargs`) in float64, the way
 * ChainRulesTestUtils' `test_frule` does, and throws a {@link RuleCheckError} naming the slot
 * at the first problem:
 *
 * - the rule's primal output equals the function's, at every call;
 * - for each differentiable number or array (records included) and each differentiable
 *   option leaf, with a random tangent on that input alone, ẏ matches ∂/∂t f(x + t·ẋ) by
 *   central differences with Richardson extrapolation (compared through a random weighting
 *   of the output) — and, for arrays of up to 32 elements, every element on its own; so do
 *   all tangents at once;
 * - zero tangents give a zero ẏ; thunked tangents (thunked fields too) give the same ẏ;
 * - ẏ has the output's kind, shape and structure (never `NoTangent` for a differentiable output);
 * - with an rrule too, ⟨ȳ, ẏ⟩ = Σ⟨x̄ᵢ, ẋᵢ⟩, kwargs included;
 * - neither the inputs nor the tangents are mutated.
 *
 * With `engine` (e.g. `jaxEngine` of `@chainrules/jax/testing`) the rule is checked through that
 * engine's forward mode instead: its `jvp` of the call on float32 arrays, with a tangent on
 * each differentiable positional and option leaf in turn (and on all at once), is compared with
 * float64 finite differences (rtol and atol `1e-3` by default), and core's run counters must
 * show the engine ran the rule. An engine without forward mode (TF.js) is an `engine` failure
 * that says so.
 *
 * @example
 * ```ts
 * testFrule(foo, [2, 3], { kwargs: { c: 4 } });
 * testFrule(foo, [2, 3], { kwargs: { c: 4 }, engine: jaxEngine }); // through jax-js's jvp
 * ```
 */
export function testFrule<A = unknown>(f: AnyFunction, args: readonly unknown[], options: RuleCheckOptions<A> = {}): RuleCheckReport {
  return withReferenceAdapter(() => (options.engine === undefined ? checkFrule(f, args, options as RuleCheckOptions) : fruleThroughEngine(f, args, options)));
}

function checkFrule(f: AnyFunction, args: readonly unknown[], options: RuleCheckOptions): RuleCheckReport {
  const ctx: CheckContext = new CheckContext('testFrule', f, args, options);
  const plain = ctx.primal();
  if (leavesOf(plain).length === 0) ctx.fail('primal', 'y', `the output ${describeShort(plain)} has no differentiable part to push forward.`);
  const weights = randomTangent(plain, ctx.random);
  const directions = new Map<Input, Direction>(ctx.inputs.map((input) => [input, ctx.directionFor(input)]));

  const [, zeroOut] = forward(ctx, plain, new Map());
  const zeroDot = outputPairing(ctx, weights, zeroOut, plain);
  if (!isZero(unthunk(zeroOut)) && zeroDot !== 0) {
    ctx.fail('tangent', undefined, `zero input tangents gave the output tangent ${describeShort(zeroOut)}; expected zero.`);
  }
  ctx.checks.push('zero tangents give a zero output tangent');

  const pushed = (tangents: ReadonlyMap<Input, Direction>, lazy = false): number => outputPairing(ctx, weights, forward(ctx, plain, tangents, lazy)[1], plain);
  for (const input of ctx.inputs) {
    const direction = directions.get(input)!;
    const alone = new Map([[input, direction]]);
    ctx.compare('tangent', input.slot, alone, weights, pushed(alone), [
      ctx.describeInput(input, direction, 'tangent ẋ'),
      `output weights w = ${describeShort(weights)} (compared: ⟨w, ẏ⟩)`,
    ]);
    const value = input.value;
    if (typeof value !== 'number' && value.data.length > 1 && value.data.length <= ELEMENTWISE_LIMIT) {
      for (let i = 0; i < value.data.length; i++) {
        const unit = new Map([[input, oneHot(value, i)]]);
        const slot = `${input.slot}${unravel(i, value.shape)}`;
        ctx.compare('tangent', slot, unit, weights, pushed(unit), [`at ${slot} = ${formatNumber(value.data[i]!)}, tangent 1 there`]);
      }
    }
    ctx.checks.push(`tangent ${input.slot}`);
  }

  if (ctx.inputs.length > 0) {
    const joint = pushed(directions);
    ctx.compare('tangent', 'all inputs', directions, weights, joint, ['every input moved at once along its tangent']);
    const lazyDot = pushed(directions, true);
    if (!ctx.close(joint, lazyDot, 1e-12 * Math.max(1, Math.abs(joint)))) {
      ctx.fail('thunk', undefined, `thunked tangents gave ⟨w, ẏ⟩ = ${formatNumber(lazyDot)}, plain ones ${formatNumber(joint)}.`, joint, lazyDot);
    }
    ctx.checks.push('all tangents at once', 'thunked tangents');
  }

  if (ctx.call.hasReverse) {
    const [, pullback] = reverse(ctx, plain);
    const slots = nameSlots(ctx, ctx.guard(() => pullback(weights), undefined));
    checkDuality(ctx, plain, directions, weights, dots(readTangents(ctx, slots, 'cotangent'), directions));
  }
  ctx.checkUnchanged();
  ctx.checks.push('no input mutated');
  return { rule: ctx.name, checks: ctx.checks };
}
