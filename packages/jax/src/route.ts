import { numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { RuleError } from '@chainrules/core';
import type { FallbackCode } from '@chainrules/core';
import { treeWith } from '@chainrules/core/adapter';
import type { RuleCall } from '@chainrules/core/adapter';
import { jaxConfig } from './config';
import { constantTangent, forward, heldBy } from './forward';
import type { Linearized } from './forward';
import { isJaxValue } from './jaxApi';
import { handedOn, scoped, track } from './scope';
import { staged } from './staged';
import { batchParts, batchSize, isOfTrace, jvpParts, kindOf, knownValue, levelOf, makeBatchTracer, makeJvpTracer, traceOf } from './internals';
import type { TraceView } from './internals';

/*
 * How a rule-aware call meets jax-js's transformations. Its leaves (positional arguments, then
 * differentiable option leaves) may be tracers of several transformations at once — the
 * vmap's own and, closed over or passed unbatched, the enclosing grad's. The call is taken
 * apart from the top of the trace stack down, as JAX's custom_jvp is:
 *
 * - vmap levels are undone (each batched leaf seen as its value and batch axis) and redone
 *   around whatever runs below them, so the level under them decides;
 * - a JVP level runs the frule on the primals and tangents of its tracers (wrapped back in the
 *   vmap levels above it), and its result is a JVP tracer of that level: exact at every order,
 *   since jax-js differentiates the frule's own operations for the levels below;
 * - a partial-evaluation level (inside a rule, while grad linearises) stands for its known
 *   values, and the call is made again on them;
 * - a jit level differentiates later what it traces now: the rule's derivatives are staged
 *   into the value (src/staged.ts), exact to a known order, refused beyond it.
 */

/** A vmap level undone: its trace and each leaf's batch axis (`null`: not batched at that level). */
interface Unbatched {
  readonly trace: TraceView;
  readonly dims: readonly (number | null)[];
}

/**
 * The call run as its plain function (outside differentiation, opted out, or linear staging
 * inside a rule): jax-js differentiates it natively. `reason` is for the rule trace.
 */
export function plain(call: RuleCall, reason: FallbackCode): unknown {
  return handedOn(() => call.primal(reason));
}

/** The highest-level tracer among `values`, or `undefined` when none is traced. */
function topOf(values: readonly unknown[]): JaxArray | undefined {
  let top: JaxArray | undefined;
  let level = 0;
  for (const value of values) {
    if (!isJaxValue(value)) continue;
    const l = levelOf(value);
    if (l > level) [top, level] = [value, l];
  }
  return top;
}

/** Runs `call` (whose leaves are `leaves`, with a tracer among them) under the transformations its leaves belong to. */
export function route(call: RuleCall, leaves: readonly unknown[]): unknown {
  const levels: Unbatched[] = [];
  let values = leaves;
  let top = topOf(values);
  while (top !== undefined && kindOf(top) === 'batch') {
    const trace = traceOf(top);
    const parts = values.map((v) => (isOfTrace(v, trace) ? batchParts(v as JaxArray) : { val: v, dim: null }));
    levels.push({ trace, dims: parts.map((p) => p.dim) });
    values = parts.map((p) => p.val);
    top = topOf(values);
  }
  if (top === undefined) return plain(call, 'not-differentiating'); // vmap alone differentiates nothing
  switch (kindOf(top)) {
    case 'jvp':
      return throughJvp(call, levels, values, traceOf(top));
    case 'partial':
      return throughPartialEval(call, levels, values, traceOf(top));
    case 'jit':
      return staged(call, leaves);
    default:
      throw new RuleError('unsupported', {
        rule: call.name,
        message: 'the rule was called with a tracer of a jax-js transformation the adapter does not know.',
        fix: 'Use @jax-js/jax 0.1.25 exactly, and its jvp, grad, vjp, hessian, jacfwd, jacrev, jit and vmap.',
      });
  }
}

/** `x` wrapped back in the vmap levels that were undone, the lowest first, with leaf `k`'s batch axes. */
function rebatch(x: unknown, k: number, levels: readonly Unbatched[]): unknown {
  let out = x;
  for (let i = levels.length - 1; i >= 0; i--) {
    const dim = levels[i]!.dims[k];
    if (dim !== null && dim !== undefined) out = makeBatchTracer(levels[i]!.trace, out as JaxArray, dim);
  }
  return out;
}

/** A vmap level's value of `x` with its batch axis first (broadcast along it when `x` is not batched there). Consumes `x`. */
function batchFirst(x: JaxArray, trace: TraceView): JaxArray {
  if (!isOfTrace(x, trace)) {
    const n = batchSize(trace);
    return np.broadcastTo(np.expandDims(x, 0), [n, ...x.shape]);
  }
  const { val, dim } = batchParts(x);
  if (dim === null) return batchFirst(val, trace);
  return dim === 0 ? val : np.moveaxis(val, dim, 0);
}

/**
 * The JVP level: the rule on the primals and tangents of its tracers (wrapped in the vmap
 * levels above, when there are any), and a JVP tracer of each float output leaf, wrapped again;
 * a leaf with no derivative (an integer or boolean array, a plain value) is returned as it is,
 * and jax-js gives it a zero tangent of its own dtype wherever it meets this level.
 */
function throughJvp(call: RuleCall, levels: readonly Unbatched[], values: readonly unknown[], trace: TraceView): unknown {
  const mine = (v: unknown): boolean => isOfTrace(v, trace);
  const lin: Linearized = {
    primals: values.map((v, k) => rebatch(mine(v) ? jvpParts(v as JaxArray).primal : v, k, levels)),
    tangents: values.map((v, k) => (mine(v) ? rebatch(jvpParts(v as JaxArray).tangent, k, levels) : constantTangent(v))),
  };
  const result = scoped(() => forward(call, jaxConfig, lin), heldBy);
  if (result === undefined) return plain(call, 'opted-out');
  const outs = result.leaves.map(({ value, tangent }) => {
    if (tangent === undefined) return track(value);
    let [y, dy] = [value as JaxArray, tangent];
    for (const level of levels) [y, dy] = [batchFirst(y, level.trace), batchFirst(dy, level.trace)];
    let out = makeJvpTracer(trace, y, dy);
    for (let i = levels.length - 1; i >= 0; i--) out = makeBatchTracer(levels[i]!.trace, out, 0);
    return track(out);
  });
  return treeWith(result.tree, outs);
}

/**
 * The partial-evaluation level (inside a rule run by `grad`, which stages the tangent
 * computation for transposition): nothing is differentiated at this level. Known values are
 * replaced by what they stand for (arrays, or tracers of an enclosing differentiation) and the
 * call is made again, so an enclosing `grad` still meets the rule; a call on unknown (tangent)
 * values is linear staging, and runs the plain function.
 */
function throughPartialEval(call: RuleCall, levels: readonly Unbatched[], values: readonly unknown[], trace: TraceView): unknown {
  const at = (v: unknown): v is JaxArray => isOfTrace(v, trace);
  if (values.some((v) => at(v) && knownValue(v) === undefined)) return plain(call, 'inside-rule');
  const again = values.map((v, k) => rebatch(at(v) ? knownValue(v) : v, k, levels));
  // In a scope: the call made again borrows what it is given (a rule-aware call inside a rule).
  return handedOn(() => call.redispatch(again));
}
