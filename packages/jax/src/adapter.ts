import { lax } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { NoTangent, RuleError, ZeroTangent, ruleConfig } from '@chainrules/core';
import type { Adapter, RuleCall, RuleConfig } from '@chainrules/core';
import { forward, slotOf } from './forward';
import type { Linearized } from './forward';
import { isJaxValue, jaxApi } from './jaxApi';
import { scoped, track } from './scope';
import { differentiationDepth, jvpParts, kindOf, knownValue, levelOf, makeJvpTracer, traceOf } from './tracers';

/** Differentiations deeper than this, around a jit or vmap trace, are refused (see `throughTransform`). */
const MAX_DEPTH_UNDER_TRANSFORM = 2;

/**
 * The rule config of jax-js: rules compute with {@link jaxApi}; jax-js runs forward mode (the
 * frule) and reverse mode by transposing it.
 *
 * @example
 * ```ts
 * jaxConfig.engine; // 'jax'
 * ```
 */
export const jaxConfig: RuleConfig<JaxArray> = ruleConfig({ xp: jaxApi, engine: 'jax', canReverse: true, canForward: true });

/** True when `value` is a jax-js value or holds one inside arrays and plain records. */
function holdsJax(value: unknown, depth = 0): boolean {
  if (isJaxValue(value)) return true;
  if (depth > 16 || typeof value !== 'object' || value === null) return false;
  return (Array.isArray(value) ? value : Object.values(value)).some((v) => holdsJax(v, depth + 1));
}

/** True when `value` is a tracer or holds one (a value some transformation is tracing). */
function holdsTracer(value: unknown, depth = 0): boolean {
  if (isJaxValue(value)) return levelOf(value) > 0;
  if (depth > 16 || typeof value !== 'object' || value === null) return false;
  return (Array.isArray(value) ? value : Object.values(value)).some((v) => holdsTracer(v, depth + 1));
}

/** The leaves a call is differentiated in: its positional arguments, then its differentiable option leaves. */
function leavesOf(call: RuleCall): unknown[] {
  return [...call.args, ...call.differentiableOptions.map((leaf) => leaf.value)];
}

/** The highest-level tracer among the leaves, or `undefined` when none is traced. */
function topTracer(call: RuleCall, leaves: readonly unknown[]): JaxArray | undefined {
  let top: JaxArray | undefined;
  let level = 0;
  leaves.forEach((value, k) => {
    if (isJaxValue(value)) {
      const l = levelOf(value);
      if (l > level) [top, level] = [value, l];
    } else if (holdsJax(value)) {
      throw new RuleError('unsupported', {
        rule: call.name,
        slot: slotOf(call, k),
        message: 'a jax-js value inside a positional record or list: the adapter differentiates arrays passed positionally or as option fields.',
        fix: 'Pass the array as its own argument, or as a field the options schema marks kw.diff().',
      });
    }
  });
  return top;
}

/** The call run as its plain function (outside differentiation, or opted out): jax-js differentiates it natively. */
function plain(call: RuleCall): unknown {
  return track(scoped(() => call.primal(), (y) => [y], isJaxValue));
}

/** Tangent of an untraced leaf: numbers and arrays are differentiable (zero), anything else has none. */
const constantTangent = (value: unknown): unknown => (typeof value === 'number' || isJaxValue(value) ? ZeroTangent : NoTangent);

/**
 * Under a JVP trace (jvp, grad, hessian, and jit/vmap outside them): the frule on the
 * tracers' primals and tangents, its result a new tracer of the same trace.
 */
function intercept(call: RuleCall, top: JaxArray, leaves: readonly unknown[]): unknown {
  const main = traceOf(top).main;
  const mine = (v: unknown): v is JaxArray => isJaxValue(v) && kindOf(v) === 'jvp' && traceOf(v).main === main;
  const lin: Linearized = {
    primals: leaves.map((v) => (mine(v) ? jvpParts(v).primal : v)),
    tangents: leaves.map((v) => (mine(v) ? jvpParts(v).tangent : constantTangent(v))),
  };
  const result = scoped(() => forward(call, jaxConfig, lin), (r) => (r === undefined ? [] : r), isJaxValue);
  if (result === undefined) return plain(call);
  return track(makeJvpTracer(traceOf(top), result[0], result[1]));
}

/**
 * Under a jit or vmap trace, where jax-js differentiates later what the function returns: the
 * rule's derivative is built into the value. With `d = x − stopGradient(x)` (zero, but with
 * derivative one) and the frule's tangent `t` at the midpoint `stopGradient(x) + d/2` along
 * `d`, the output `stopGradient(y) + t` has y's value, the rule's first derivative, and its
 * second derivative too (the midpoint rule is exact to second order). Deeper nestings are
 * refused: a third derivative through this form would be wrong. (A jit trace made at depth ≤ 2
 * and reused by jit's cache at depth 3 cannot be seen here; the README says so.)
 */
function throughTransform(call: RuleCall, top: JaxArray, leaves: readonly unknown[]): unknown {
  const read = differentiationDepth();
  if (typeof read === 'string') {
    throw new RuleError('unsupported', {
      rule: call.name,
      message: `the rule was called under jit or vmap, where the adapter builds its derivatives into the value exact to second order and must count the derivatives taken around the call to refuse more; it cannot count them here: ${read}.`,
      fix: 'Move jit (or vmap) outside the derivatives, as in jit(grad(f)): there the rule runs exactly at every order. Or load @jax-js/jax as published (not minified or bundled), so that its call sites can be read.',
    });
  }
  const depth = read.total;
  // vmap alone differentiates nothing; a jit trace with no differentiation around it still gets
  // the form, since jit caches the trace and a later grad of the same function reuses it.
  if (depth === 0 && kindOf(top) === 'batch') return plain(call);
  if (depth > MAX_DEPTH_UNDER_TRANSFORM) {
    throw new RuleError('unsupported', {
      rule: call.name,
      message: `the rule was called under jit or vmap inside ${depth} nested differentiations; jax-js differentiates jit and vmap traces itself, where the adapter can give a rule's derivatives to second order only.`,
      fix: 'Move jit (or vmap) outside the derivatives, as in jit(grad(grad(grad(f)))): there the rule runs exactly at every order.',
    });
  }
  const main = traceOf(top).main;
  const out = scoped(
    () => {
      const lin = { primals: [] as unknown[], tangents: [] as unknown[] };
      for (const v of leaves) {
        if (isJaxValue(v) && traceOf(v).main === main) {
          const x0 = track(lax.stopGradient(v.ref));
          const d = jaxApi.subtract(v, x0);
          lin.primals.push(jaxApi.add(x0, jaxApi.multiply(d, 0.5)));
          lin.tangents.push(d);
        } else {
          lin.primals.push(v);
          lin.tangents.push(constantTangent(v));
        }
      }
      const result = forward(call, jaxConfig, lin);
      if (result === undefined) return call.primal();
      return jaxApi.add(track(lax.stopGradient(result[0].ref)), result[1]);
    },
    (y) => [y],
    isJaxValue,
  );
  return track(out);
}

/**
 * Under a partial-evaluation trace (inside a rule run by `grad`, which stages the tangent
 * computation for transposition): nothing is differentiated at this level. Known values are
 * replaced by what they stand for (arrays, or tracers of an enclosing differentiation) and the
 * call dispatched again, so an enclosing `grad` still meets the rule; a call on unknown
 * (tangent) values is linear staging, and runs the plain function.
 */
function throughPartialEval(call: RuleCall, top: JaxArray, leaves: readonly unknown[]): unknown {
  const main = traceOf(top).main;
  const at = (v: unknown): boolean => isJaxValue(v) && traceOf(v).main === main;
  if (leaves.some((v) => at(v) && knownValue(v as JaxArray) === undefined)) return plain(call);
  const known = leaves.map((v) => (at(v) ? knownValue(v as JaxArray) : v));
  const n = call.args.length;
  return (call.fn as (...args: unknown[]) => unknown)(...call.rebuild(known.slice(0, n), known.slice(n)));
}

/**
 * The jax-js adapter: install it with `installAdapter(jaxAdapter)`, and rule-aware functions
 * called with jax-js arrays use their rules under `jvp`, `grad`, `valueAndGrad`, `vjp`,
 * `hessian`, `jacfwd`/`jacrev`, and `jit`/`vmap` around or inside them. Call `await init('wasm')`
 * before differentiating.
 *
 * Rule-aware functions borrow their arguments (they do not consume them, unlike jax-js
 * functions): dispose what you create.
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
  invoke(call: RuleCall): unknown {
    const leaves = leavesOf(call);
    const top = topTracer(call, leaves);
    if (top === undefined) {
      if (call.staticOptions.some((leaf) => holdsTracer(leaf.value))) call.guardStaticOptions(isJaxValue);
      return plain(call);
    }
    call.guardStaticOptions(isJaxValue);
    const kind = kindOf(top);
    if (kind === 'jvp') return intercept(call, top, leaves);
    return kind === 'partial' ? throughPartialEval(call, top, leaves) : throughTransform(call, top, leaves);
  },
};
