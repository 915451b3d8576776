/*
 * What each jax-js device cannot do, as the suites declare it: named `cannot` keys (their cases
 * are reported as skipped, with the key in the title) and tolerances, each with its reason.
 * docs/engine-matrix.md gives the same table.
 */
import type { ConformanceCapability } from '@chainrules/testing/conformance';

/** One thing a device lacks, and why. */
export interface Limit<K extends string> {
  readonly key: K;
  readonly why: string;
}

/** What one device declares to each suite. */
export interface DeviceLimits {
  readonly arrayApi: { readonly cannot: readonly Limit<string>[]; readonly rtol: number; readonly atol: number; readonly tolerance?: string };
  readonly conformance: { readonly cannot: readonly Limit<ConformanceCapability>[]; readonly rtol: number; readonly atol: number };
}

const conformance = { cannot: [], rtol: 1e-4, atol: 1e-5 };
const gpu = {
  cannot: [{ key: 'nan', why: 'maximum and minimum (and max, min) drop a NaN operand in the GPU shaders' }],
  rtol: 1e-4,
  atol: 1e-5,
  tolerance: "the GPU's sin is accurate to 2.3e-5 relative (sin 1 = 0.8414900)",
};

export const LIMITS: Readonly<Record<string, DeviceLimits>> = {
  wasm: { arrayApi: { cannot: [], rtol: 1e-5, atol: 1e-5 }, conformance },
  webgl: { arrayApi: gpu, conformance },
  webgpu: { arrayApi: gpu, conformance },
};

/** The limits of the device a run uses. */
export function limitsOf(device: string): DeviceLimits {
  const limits = LIMITS[device];
  if (limits === undefined) throw new Error(`no limits are declared for the jax-js device '${device}'`);
  return limits;
}
