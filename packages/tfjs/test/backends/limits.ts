/*
 * What each TF.js backend cannot do, as the suites declare it: named `cannot` keys (their cases
 * are reported as skipped, with the key in the title) and tolerances, each with its reason.
 * docs/engine-matrix.md gives the same table (the types: tools/backends/limits.ts).
 */
import type { ConformanceCapability } from '@chainrules/testing/conformance';
import { limitsIn } from '../../../../tools/backends/limits';
import type { BackendLimits, Limit } from '../../../../tools/backends/limits';

const noForward: Limit<ConformanceCapability> = { key: 'forward', why: 'TF.js has no forward mode (no jvp)' };
const smallX: Limit<string> = { key: 'small-x', why: 'log1p and expm1 are computed as log(1 + x) and exp(x) − 1: 0 at |x| = 1e-10' };
const conformance = { cannot: [noForward], rtol: 1e-4, atol: 1e-5 };
/**
 * The GPU backends' conformance tolerance: atol 2e-4. The tuple-output case's gradient
 * 9·cos(2) + 4 = 0.2547 cancels, and the GPU's cos is off by 1.4e-4 there (TF.js's own
 * autodiff of the same formula gives the same value).
 */
const gpuConformance = { cannot: [noForward], rtol: 1e-4, atol: 2e-4 };

export const LIMITS: Readonly<Record<string, BackendLimits>> = {
  cpu: { arrayApi: { cannot: [], rtol: 1e-5, atol: 1e-5 }, conformance },
  wasm: {
    arrayApi: {
      cannot: [
        { key: 'zero-size', why: 'a sum over an axis of length 0 reads uninitialised memory (3.6e-41, not 0)' },
        smallX,
        { key: 'nan', why: 'Maximum, Minimum, Max and Min drop a NaN operand' },
      ],
      rtol: 1e-5,
      atol: 1e-5,
    },
    conformance,
  },
  webgl: {
    arrayApi: {
      cannot: [{ key: 'zero-size', why: 'reductions over an axis of length 0 throw (a reshape to NaN)' }, smallX],
      rtol: 1e-4,
      atol: 1e-5,
      tolerance: 'the GPU\'s sin is accurate to 2.3e-5 relative (sin 1 = 0.8414900)',
    },
    conformance: gpuConformance,
  },
  webgpu: {
    arrayApi: {
      cannot: [{ key: 'zero-size', why: 'reductions over an axis of length 0 throw (a buffer size that is not a number)' }, smallX],
      rtol: 1e-4,
      atol: 1e-5,
      tolerance: 'the GPU\'s sin is accurate to 2.3e-5 relative (sin 1 = 0.8414900)',
    },
    conformance: gpuConformance,
  },
};

/** The limits of the backend a run uses. */
export const limitsOf = (backend: string): BackendLimits => limitsIn(LIMITS, 'TF.js', backend);
