import type { Array as JaxArray } from '@jax-js/jax';
import { RuleError, isRuleError } from '@chainrules/core';
import { findValue } from '@chainrules/core/adapter';
import type { Adapter } from '@chainrules/core';
import type { RuleCall } from '@chainrules/core/adapter';
import { jaxConfig } from './config';
import { isJaxValue, jaxApi } from './jaxApi';
import { consumedBy, release } from './ownership';
import { plain, route } from './route';
import { differentiationDepth, isTracer } from './internals';

/**
 * True when a tracer is among the call's values (arguments and option fields, wherever they
 * hold it: core's `findValue` searches lists, records, class instances, Maps and Sets). A value
 * that cannot be searched to the end does not tell; once the call is known to be differentiated,
 * `guardStatic` refuses it where it is static.
 */
function differentiated(call: RuleCall): boolean {
  const values = call.options === undefined ? call.args : [...call.args, ...Object.values(call.options)];
  return values.some((value) => {
    try {
      return findValue(value, isTracer) !== undefined;
    } catch (error) {
      if (isRuleError(error) && error.code === 'unsearchable') return false;
      throw error;
    }
  });
}

/**
 * Refuses a jax-js value inside a leaf of the call that is a container core does not split (a
 * class instance, a Map, a Set): the adapter differentiates arrays passed as arguments, as
 * leaves of record and list arguments, or as option fields.
 */
function refuseNested(call: RuleCall): void {
  for (const { value, slot } of call.leaves) {
    if (!isJaxValue(value) && findValue(value, isJaxValue, { rule: call.name, slot }) !== undefined) {
      throw new RuleError('unsupported', {
        rule: call.name,
        slot,
        message: 'a jax-js value inside a class instance, a Map or a Set passed as an argument: the adapter differentiates arrays passed positionally, inside plain records and lists, or as option fields.',
        fix: 'Pass the array as its own argument, in a plain record or list, or as a field the options schema marks kw.diff().',
      });
    }
  }
}

/** The advice for a traced value in a static option: jax-js traces every number of a tree it differentiates. */
const STATIC_FIX =
  'Mark the option kw.diff() in the schema if it is differentiable. If it is a static value you passed inside the tree given to grad, jvp or vmap (jax-js turns every number of that tree into a traced array), keep it out of the tree: splitOptions(f, options) returns the tree to differentiate and a function that puts the static fields back.';

/** A call of a rule-aware function with jax-js values, run under the transformations they belong to. */
function run(call: RuleCall): unknown {
  // Before anything parses the options, so that a traced value in a static field is reported
  // as what it is, not as a value of the wrong type.
  if (differentiated(call)) call.guardStatic(isJaxValue, STATIC_FIX);
  refuseNested(call);
  const leaves = call.leaves.map((leaf) => leaf.value);
  return leaves.some(isTracer) ? route(call, leaves) : plain(call, 'not-differentiating');
}

/**
 * The jax-js adapter: install it with `installAdapter(jaxAdapter)`, and rule-aware functions
 * called with jax-js arrays use their rules under `jvp`, `grad`, `valueAndGrad`, `vjp`,
 * `hessian`, `jacfwd`/`jacrev`, and `jit`/`vmap` around or inside them. Call `await init('wasm')`
 * before differentiating.
 *
 * Rule-aware functions follow jax-js's ownership convention: called from jax-js code, they
 * consume the jax-js arrays they are handed (each occurrence, in arguments and options; pass
 * `x.ref` to keep one), also when they throw. Inside a rule, where `cfg.xp` borrows, they
 * borrow too. The plain function given to `defineRule` borrows (it is written with
 * `namespaceOf`/`cfg.xp`).
 *
 * @example
 * ```ts
 * import { init, numpy as np, grad } from '@jax-js/jax';
 * import { installAdapter } from '@chainrules/core';
 * import { jaxAdapter } from '@chainrules/jax';
 *
 * await init('wasm');
 * installAdapter(jaxAdapter);
 * grad((o) => foo(np.array(2), np.array(3), o))({ c: np.array(3) }); // { c: 6 }
 * ```
 */
export const jaxAdapter: Adapter<JaxArray> = {
  name: 'jax',
  xp: jaxApi,
  config: jaxConfig,
  owns: isJaxValue,
  differentiationDepth: () => {
    const depth = differentiationDepth();
    return typeof depth === 'string' ? undefined : depth.total;
  },
  invoke(call: RuleCall): unknown {
    const handed = consumedBy(call);
    let failed = true;
    try {
      const y = run(call);
      failed = false;
      return y;
    } finally {
      release(handed, failed, call.name);
    }
  },
};
