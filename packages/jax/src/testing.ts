import { grad, init, jvp, numpy as np, tree } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
// Types only: this entry runs without @chainrules/testing (an optional peer) installed.
import type { ConformanceEngine } from '@chainrules/testing';
import { jaxAdapter } from './adapter';

/** jax-js's `grad` and `jvp` on pytrees (their declared types are for arrays). */
type TreeGrad = (f: (tree: never) => unknown) => (tree: unknown) => unknown;
type TreeJvp = (f: (tree: never) => unknown, primals: unknown[], tangents: unknown[]) => unknown;

/**
 * jax-js as `@chainrules/testing` drives it: the engine to check a rule through
 * (`testRrule(f, args, { engine: jaxEngine })`, `testFrule(f, args, { engine: jaxEngine })`)
 * and the one the adapter conformance suite runs (`describeAdapterConformance(jaxEngine)`).
 * Arrays are float32 `np.array`s; `grads` and `gradTree` are `grad` (all arguments, or the
 * pytree), `jvp` and `jvpTree` are `jvp`; every hook borrows its arguments (`x.ref`), and
 * `ref` gives one more reference where an array is handed to a function that consumes it.
 * `setup` is `init('wasm')`: run it (`await jaxEngine.setup()`) before checking a rule outside
 * the suite, or initialise the device you use yourself. There is no `around` leak check:
 * jax-js has no live-buffer counter.
 *
 * @example
 * ```ts
 * import { testFrule, testRrule } from '@chainrules/testing';
 * import { jaxEngine } from '@chainrules/jax/testing';
 * await jaxEngine.setup();
 * testRrule(myRule, [1.5], { kwargs: { scale: 2 }, engine: jaxEngine });
 * testFrule(myRule, [1.5], { kwargs: { scale: 2 }, engine: jaxEngine });
 * ```
 */
export const jaxEngine: ConformanceEngine<JaxArray> & {
  /** `await init('wasm')`: jax-js's wasm backend, ready before the first array is made. */
  setup(): Promise<void>;
} = {
  adapter: jaxAdapter,
  array: (value) => np.array(value as number[]),
  read: (x) => ({ shape: x.shape, data: Array.from(x.ref.dataSync()) }),
  dispose: (x) => x.dispose(),
  // Rule-aware functions consume what they are handed, as jax-js functions do: a caller hands
  // one more reference where it keeps an array or hands it more than once.
  ref: (x) => x.ref,
  grads: (f) => (...xs) => {
    if (xs.length === 0) return [];
    const argnums = xs.map((_, i) => i);
    return grad(f as (...args: JaxArray[]) => JaxArray, { argnums })(...xs.map((x) => x.ref)) as unknown as JaxArray[];
  },
  jvp: (f, primals, tangents) =>
    jvp(f as (...args: JaxArray[]) => JaxArray, primals.map((x) => x.ref), tangents.map((x) => x.ref)) as unknown as [JaxArray, JaxArray],
  // Trees are jax-js pytrees: grad and jvp take and return them as they are.
  gradTree: (f) => (params) => (grad as unknown as TreeGrad)(f)(tree.ref(params as never)) as never,
  jvpTree: (f, primals, tangents) => (jvp as unknown as TreeJvp)(f, [tree.ref(primals as never)], [tree.ref(tangents as never)]) as never,
  setup: async () => {
    await init('wasm');
  },
};
