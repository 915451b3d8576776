/*
 * What each jax-js device cannot do, as the suites declare it: named `cannot` keys (their cases
 * are reported as skipped, with the key in the title) and tolerances, each with its reason.
 * docs/engine-matrix.md gives the same table (the types: tools/backends/limits.ts).
 */
import { limitsIn } from '../../../../tools/backends/limits';
import type { BackendLimits } from '../../../../tools/backends/limits';

const conformance = { cannot: [], rtol: 1e-4, atol: 1e-5 };
/**
 * The GPU devices' conformance tolerance: atol 2e-4. The tuple-output case's gradient
 * 9·cos(2) + 4 = 0.25468 cancels, and the GPU's cos (good to about 2e-5 relative) leaves it off
 * by 1.4e-4 there (0.25481) — jax-js's own grad of the same formula gives the same value.
 */
const gpuConformance = { cannot: [], rtol: 1e-4, atol: 2e-4 };
const gpu = {
  cannot: [{ key: 'nan', why: 'maximum and minimum (and max, min) drop a NaN operand in the GPU shaders' }],
  rtol: 1e-4,
  atol: 1e-5,
  tolerance: "the GPU's sin is accurate to 2.3e-5 relative (sin 1 = 0.8414900)",
};

export const LIMITS: Readonly<Record<string, BackendLimits>> = {
  wasm: { arrayApi: { cannot: [], rtol: 1e-5, atol: 1e-5 }, conformance },
  webgl: { arrayApi: gpu, conformance: gpuConformance },
  webgpu: { arrayApi: gpu, conformance: gpuConformance },
};

/** The limits of the device a run uses. */
export const limitsOf = (backend: string): BackendLimits => limitsIn(LIMITS, 'jax-js', backend);
