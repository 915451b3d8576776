import { numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';

/**
 * Fresh inputs of `n` elements for a loop of `steps` steps: `fresh(i, scale)` is a new array
 * every call (nothing is reused across steps, as in a training loop), made from data, so that it
 * holds a buffer of its own (a lazily computed array may never take one).
 */
export function freshInputs(n: number, steps: number): (i: number, scale?: number) => JaxArray {
  const base = Float32Array.from({ length: n }, (_, k) => k / n);
  return (i, scale = 1) => np.array(base.map((v) => v * (scale + i / steps)));
}

/** Reads each result (jax-js is lazy: an array takes memory once it is realised) and drops it. */
export function drop(...values: JaxArray[]): void {
  for (const v of values) {
    v.ref.dataSync();
    v.dispose();
  }
}
