import { grad, jvp, numpy as np, tree } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { describeAdapterConformance } from '@chainrules/testing/conformance';
import type { ConformanceEngine } from '@chainrules/testing/conformance';
import { jaxAdapter } from '../src/index';
import { limitsOf } from './backends/limits';
import { BACKEND } from './support/backend';
import { ready$ } from './support/rules';

/** `grad` of every argument: jax-js's `grad` with all argnums, borrowing its inputs (`x.ref`). */
const grads =
  (f: (...xs: JaxArray[]) => JaxArray) =>
  (...xs: JaxArray[]): JaxArray[] => {
    if (xs.length === 0) return [];
    const argnums = xs.map((_, i) => i);
    return grad(f as (...args: JaxArray[]) => JaxArray, { argnums })(...xs.map((x) => x.ref)) as unknown as JaxArray[];
  };

/** jax-js's `grad` and `jvp` on pytrees (their declared types are for arrays). */
type TreeGrad = (f: (tree: never) => unknown) => (tree: unknown) => unknown;
type TreeJvp = (f: (tree: never) => unknown, primals: unknown[], tangents: unknown[]) => unknown;

const engine: ConformanceEngine<JaxArray> = {
  adapter: jaxAdapter,
  array: (value) => np.array(value as number[]),
  read: (x) => ({ shape: x.shape, data: Array.from(x.ref.dataSync()) }),
  dispose: (x) => x.dispose(),
  // Rule-aware functions consume what they are handed, as jax-js functions do: the suite hands
  // one more reference where it keeps an array or hands it more than once.
  ref: (x) => x.ref,
  grads,
  jvp: (f, primals, tangents) =>
    jvp(f as (...args: JaxArray[]) => JaxArray, primals.map((x) => x.ref), tangents.map((x) => x.ref)) as unknown as [JaxArray, JaxArray],
  // Trees are jax-js pytrees: grad and jvp take and return them as they are.
  gradTree: (f) => (params) => (grad as unknown as TreeGrad)(f)(tree.ref(params as never)) as never,
  jvpTree: (f, primals, tangents) => (jvp as unknown as TreeJvp)(f, [tree.ref(primals as never)], [tree.ref(tangents as never)]) as never,
  setup: async () => {
    await ready$();
  },
  // No `around` leak check: jax-js has no live-buffer counter, and the suite writes its losses
  // with the adapter's `xp`, which borrows, so the rule's output it sums is never disposed (on
  // webgl: 5 textures a gradient). test/memory.test.ts (Node) and test/backends/soak.test.ts
  // (Chromium, with each device's own accounting) measure leaks over many gradients instead.
};

// jax-js lacks nothing the suite asks for: forward mode (jvp), reverse mode by transposing the
// frule, and higher orders by nesting JVP traces, so `cannot` is empty.
const { cannot, rtol, atol } = limitsOf(BACKEND).conformance;
describeAdapterConformance(engine, { cannot: cannot.map((c) => c.key), rtol, atol });
