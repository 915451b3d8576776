import { describe, expectTypeOf, it } from 'vitest';
import { traceRules } from '../../src/index';
import type { FallbackCode, RuleTrace, TracedCall } from '../../src/index';

describe('traceRules types', () => {
  it('returns the function’s result with its type, and the trace', () => {
    const traced = traceRules(() => 1 as const);
    expectTypeOf(traced.result).toEqualTypeOf<1>();
    expectTypeOf(traced.trace).toEqualTypeOf<RuleTrace>();
  });

  it('types a call’s reason as a FallbackCode, and no other string', () => {
    expectTypeOf<NonNullable<TracedCall['fallback']>['code']>().toEqualTypeOf<FallbackCode>();
    // @ts-expect-error: not a fallback code
    const code: FallbackCode = 'no-rule';
    void code;
  });
});
