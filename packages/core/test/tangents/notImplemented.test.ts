import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NoTangent, Tangent, ZeroTangent, add, defineRule, frule, isNotImplemented, kw, kwcall, notImplemented, numberApi, projectTo, rrule, scale } from '../../src/index';
import { expectRuleError } from '../support/ruleErrors';

/** solve(x, { tol }) = x: the rule leaves the derivative with respect to tol unimplemented. */
const solve = defineRule((x: number, _o: { tol?: number } = {}) => x, {
  name: 'solve',
  kwargs: z.object({ tol: kw.diff<number>().default(1e-6) }),
  rrule: (_cfg, _opts, x) => [x, (dy) => ({ args: [dy], kwargs: new Tangent({ tol: notImplemented('the result does not depend on tol to first order') }) })],
  frule: (_cfg, { args: [dx], kwargs }, _opts, x) => [x, kwargs.get('tol') === ZeroTangent ? dx : notImplemented('ẏ along tol')],
});

describe('NotImplemented', () => {
  it('is allowed in a pullback slot, and reaches the caller as it is', () => {
    const slots = rrule(kwcall, { tol: 1e-3 }, solve, 2)![1](1);
    const tol = (slots[1] as Tangent<{ tol: number }>).get('tol');
    expect(isNotImplemented(tol)).toBe(true);
    expect(slots.slice(2)).toEqual([NoTangent, 1]);
  });

  it('is an error with the rule, the slot and the reason only when an engine needs it (projecting it onto an input)', () => {
    const slots = rrule(kwcall, { tol: 1e-3 }, solve, 2)![1](1);
    const tol = (slots[1] as Tangent<{ tol: number }>).get('tol');
    const error = expectRuleError(() => projectTo(numberApi, tol, 1e-3, { rule: 'solve', slot: 'kwargs.tol' }), 'not-implemented', { rule: 'solve', slot: 'kwargs.tol' });
    expect(error.message).toContain('the result does not depend on tol to first order');
  });

  it('is carried along by add and scale', () => {
    const ni = notImplemented('why');
    expect(add(ni, 3)).toBe(ni);
    expect(add(ZeroTangent, ni)).toBe(ni);
    expect(scale(2, ni)).toBe(ni);
  });

  it('as an frule’s ẏ: allowed while the inputs it stands for do not move, not-implemented when they do', () => {
    expect(frule([NoTangent, ZeroTangent, NoTangent, 1], kwcall, { tol: 1e-3 }, solve, 2)).toEqual([2, 1]);
    expectRuleError(() => frule([NoTangent, new Tangent({ tol: 1 }), NoTangent, 0], kwcall, { tol: 1e-3 }, solve, 2), 'not-implemented', { rule: 'solve', slot: 'output' });
  });

  it('for a positional argument: accepted by core’s checks (it is not NoTangent), an error when projected', () => {
    const half = defineRule((x: number, n: number) => x / n, { name: 'half', rrule: (_c, _o, x, n) => [x / n, (dy) => ({ args: [dy / n, notImplemented('n is a count here')] })] });
    const slots = rrule(half, 2, 4)![1](1);
    expect(isNotImplemented(slots[2])).toBe(true);
    expectRuleError(() => projectTo(numberApi, slots[2], 4, { rule: 'half', slot: 'args[1]' }), 'not-implemented', { slot: 'args[1]' });
  });
});
