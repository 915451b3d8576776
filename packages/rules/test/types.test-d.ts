import { describe, expectTypeOf, it } from 'vitest';
import type { F64Array } from '@chainrules/testing';
import { findRoot, fixedPoint, gaussian, gaussianNd, huber, layerNorm, logit, logsumexp, sigmoid, softmax, softplus } from '../src/index';
import type { GaussianOptions, SoftmaxOptions } from '../src/index';
// @ts-expect-error Widen moved to @chainrules/core, with no alias left here
import type { Widen } from '../src/index';
import type { AbstractArray, Widen as CoreWiden } from '@chainrules/core';

declare const a: F64Array;

// An engine whose arrays have subtypes by rank, as TF.js's do (Tensor1D extends Tensor).
declare class RankedBase {
  readonly rankedBrand: true;
  readonly rank: number;
}
declare class RankedVector extends RankedBase {
  readonly rank: 1;
}
declare module '@chainrules/core' {
  interface ArrayTypes {
    rankedForTypeTests: RankedBase;
  }
}
declare const vector: RankedVector;
declare const scalar: RankedBase;

describe('types', () => {
  it('returns the type of the input: a number for a number, an engine array for an engine array', () => {
    expectTypeOf(gaussian(1, { pos: 0.5 })).toEqualTypeOf<number>();
    expectTypeOf(gaussian(a, { pos: a, sigma: 2 })).toEqualTypeOf<F64Array>();
    expectTypeOf(gaussianNd(a, { pos: a })).toEqualTypeOf<F64Array>();
    expectTypeOf(logsumexp(a, { axis: 0, temperature: 2 })).toEqualTypeOf<F64Array>();
    expectTypeOf(softmax(3)).toEqualTypeOf<number>();
    expectTypeOf(huber(a, { delta: a })).toEqualTypeOf<F64Array>();
    expectTypeOf(layerNorm(a, { gamma: a, beta: 0, eps: 1e-3, axis: [0, 1] })).toEqualTypeOf<F64Array>();
    expectTypeOf(softplus(2)).toEqualTypeOf<number>();
    expectTypeOf(sigmoid(a)).toEqualTypeOf<F64Array>();
    expectTypeOf(logit(0.3)).toEqualTypeOf<number>();
  });

  it('takes Widen from core', () => {
    expectTypeOf<CoreWiden<RankedVector>>().toEqualTypeOf<RankedBase>();
    expectTypeOf<CoreWiden<AbstractArray>>().toEqualTypeOf<AbstractArray>();
    expectTypeOf<Widen<1>>().toBeAny();
  });

  it('widens a subtype of an engine array to the engine’s array type, so a 1-d input takes scalar options', () => {
    expectTypeOf(gaussian(vector, { pos: scalar, sigma: scalar, amplitude: 2 })).toEqualTypeOf<RankedBase>();
    expectTypeOf(softmax(vector, { temperature: scalar })).toEqualTypeOf<RankedBase>();
  });

  it('types the options: numbers or arrays of the input’s type for differentiable ones, settings for static ones', () => {
    expectTypeOf<GaussianOptions<number>['pos']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<SoftmaxOptions['axis']>().toEqualTypeOf<number | null | undefined>();
    // @ts-expect-error: a string is no centre
    gaussian(1, { pos: 'middle' });
    // @ts-expect-error: axis is a number (or null), not a list, for softmax
    softmax(a, { axis: [0, 1] });
    // @ts-expect-error: an unknown option
    huber(1, { width: 2 });
  });

  it('the solvers: params typed by the function, a record or a list too', () => {
    expectTypeOf(fixedPoint((x: number, p: { w: number; b: number }) => p.w * Math.cos(x) + p.b, 0, { params: { w: 0.5, b: 1 } })).toEqualTypeOf<number>();
    expectTypeOf(findRoot((_x: F64Array, [s]: readonly [F64Array]) => s, a, { params: [a] as const })).toEqualTypeOf<F64Array>();
    // @ts-expect-error params must fit what the function takes
    fixedPoint((x: number, p: { w: number }) => p.w * x, 0, { params: { v: 1 } });
    // @ts-expect-error a string is not a differentiable leaf
    fixedPoint((x: number, _p: { w: string }) => x, 0, { params: { w: 'a' } });
  });
});

