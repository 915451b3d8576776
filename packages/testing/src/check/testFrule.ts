import { isZero, unthunk } from '@chainrules/core';
import type { AnyFunction } from '@chainrules/core';
import { withReferenceAdapter } from '../reference/adapter';
import { CheckContext } from './context';
import type { Direction, Input, RuleCheckOptions, RuleCheckReport } from './context';
import { forward, nameSlots, outputPairing, readSlots, reverse } from './contracts';
import { checkDuality } from './testRrule';
import { describeShort, formatNumber, leavesOf, randomTangent } from './tree';

/**
 * Checks the forward rule of `f` at `args` (and `options.kwargs`) in float64, the way
 * ChainRulesTestUtils' `test_frule` does, and throws a {@link RuleCheckError} naming the slot
 * at the first problem:
 *
 * - the rule's primal output equals the function's;
 * - for each differentiable argument and each differentiable option leaf, with a random
 *   tangent on that input alone, ẏ matches ∂/∂t f(x + t·ẋ) by central differences with
 *   Richardson extrapolation (compared through a random weighting of the output), and so do
 *   all tangents at once;
 * - zero tangents give a zero ẏ; thunked tangents give the same ẏ;
 * - ẏ has the output's kind and shape (never `NoTangent` for a differentiable output);
 * - with an rrule too, ⟨ȳ, ẏ⟩ = Σ⟨x̄ᵢ, ẋᵢ⟩, kwargs included;
 * - no input is mutated.
 *
 * @example
 * ```ts
 * testFrule(foo, [2, 3], { kwargs: { c: 4 } });
 * ```
 */
export function testFrule(f: AnyFunction, args: readonly unknown[], options: RuleCheckOptions = {}): RuleCheckReport {
  return withReferenceAdapter(() => checkFrule(f, args, options));
}

function checkFrule(f: AnyFunction, args: readonly unknown[], options: RuleCheckOptions): RuleCheckReport {
  const ctx: CheckContext = new CheckContext('testFrule', f, args, options);
  const plain = ctx.primal();
  if (leavesOf(plain).length === 0) ctx.fail('primal', 'y', `the output ${describeShort(plain)} has no differentiable part to push forward.`);
  const weights = randomTangent(plain, ctx.random);
  const directions = new Map<Input, Direction>(ctx.inputs.map((input) => [input, ctx.directionFor(input)]));

  const [y, zeroOut] = forward(ctx, new Map());
  ctx.checkUnchanged();
  ctx.checkPrimal(y, plain);
  const zeroDot = outputPairing(ctx, weights, zeroOut, plain);
  if (!isZero(unthunk(zeroOut)) && !ctx.close(0, zeroDot)) {
    ctx.fail('tangent', undefined, `zero input tangents gave the output tangent ${describeShort(zeroOut)}; expected zero.`);
  }
  ctx.checks.push('primal output', 'zero tangents give a zero output tangent');

  for (const input of ctx.inputs) {
    const direction = directions.get(input)!;
    const alone = new Map([[input, direction]]);
    const [, ydot] = forward(ctx, alone);
    const fd = ctx.finiteDifference(alone, weights);
    ctx.compare('tangent', input.slot, fd, outputPairing(ctx, weights, ydot, plain), [
      ...ctx.describeInput(input, direction, 'tangent ẋ'),
      `output weights w = ${describeShort(weights)} (compared: ⟨w, ẏ⟩)`,
    ]);
    ctx.checks.push(`tangent ${input.slot}`);
  }

  if (ctx.inputs.length > 0) {
    const [, together] = forward(ctx, directions);
    const joint = outputPairing(ctx, weights, together, plain);
    const fd = ctx.finiteDifference(directions, weights);
    ctx.compare('tangent', 'all inputs', fd, joint, ['every input moved at once along its tangent']);
    const [, lazy] = forward(ctx, directions, true);
    const lazyDot = outputPairing(ctx, weights, lazy, plain);
    if (!ctx.close(joint, lazyDot)) {
      ctx.fail('thunk', undefined, `thunked tangents gave ⟨w, ẏ⟩ = ${formatNumber(lazyDot)}, plain ones ${formatNumber(joint)}.`, joint, lazyDot);
    }
    ctx.checks.push('all tangents at once', 'thunked tangents');
  }

  if (ctx.call.hasReverse) {
    const [, pullback] = reverse(ctx);
    const slots = nameSlots(ctx, ctx.guard(() => pullback(weights), undefined));
    checkDuality(ctx, directions, weights, plain, readSlots(ctx, slots, directions, 'cotangent'));
  }
  ctx.checkUnchanged();
  ctx.checks.push('no input mutated');
  return { rule: ctx.name, checks: ctx.checks };
}
