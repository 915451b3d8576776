/*
 * What each TF.js backend cannot do, as the suites declare it: named `cannot` keys (their cases
 * are reported as skipped, with the key in the title) and tolerances, each with its reason.
 * docs/engine-matrix.md gives the same table; test/backends/limits.test.ts holds the two equal.
 */
import type { ConformanceCapability } from '@chainrules/testing/conformance';

/** One thing a backend lacks, and why. */
export interface Limit<K extends string> {
  readonly key: K;
  readonly why: string;
}

/** What one backend declares to each suite. */
export interface BackendLimits {
  readonly arrayApi: { readonly cannot: readonly Limit<string>[]; readonly rtol: number; readonly atol: number; readonly tolerance?: string };
  readonly conformance: { readonly cannot: readonly Limit<ConformanceCapability>[]; readonly rtol: number; readonly atol: number };
}

const noForward: Limit<ConformanceCapability> = { key: 'forward', why: 'TF.js has no forward mode (no jvp)' };
const smallX: Limit<string> = { key: 'small-x', why: 'log1p and expm1 are computed as log(1 + x) and exp(x) − 1: 0 at |x| = 1e-10' };
const conformance = { cannot: [noForward], rtol: 1e-4, atol: 1e-5 };

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
    conformance,
  },
  webgpu: {
    arrayApi: {
      cannot: [{ key: 'zero-size', why: 'reductions over an axis of length 0 throw (a buffer size that is not a number)' }, smallX],
      rtol: 1e-4,
      atol: 1e-5,
      tolerance: 'the GPU\'s sin is accurate to 2.3e-5 relative (sin 1 = 0.8414900)',
    },
    conformance,
  },
};

/** The limits of the backend a run uses. */
export function limitsOf(backend: string): BackendLimits {
  const limits = LIMITS[backend];
  if (limits === undefined) throw new Error(`no limits are declared for the TF.js backend '${backend}'`);
  return limits;
}
