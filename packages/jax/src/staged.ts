import { lax } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { RuleError } from '@chainrules/core';
import { treeWith } from '@chainrules/core/adapter';
import type { RuleCall } from '@chainrules/core/adapter';
import { jaxApi } from './jaxApi';
import { jaxConfig } from './config';
import { handedOn, track } from './scope';
import { constantTangent, forward } from './forward';
import { differentiationDepth, isTracer, plantTripwire } from './internals';

/** The order to which the staged form is exact: derivatives beyond it are refused. */
export const EXACT_ORDER = 2;

/*
 * Under a jit trace jax-js differentiates later what the function returns, without running
 * it again: the rule's derivatives must be staged into the value. With `d = x − stopGradient(x)`
 * (zero, with derivative one) for each traced leaf and the frule's tangent `t` at the midpoint
 * `stopGradient(x) + d/2` along `d`, the output `stopGradient(y) + t` has y's value, the rule's
 * first derivative and its second (the midpoint rule integrates J(x0 + s·d)·d over s ∈ [0, 1]
 * exactly for the first two Taylor terms); the third would be ¾ of the rule's.
 *
 * So the number of derivatives taken of the trace must be known. When it is traced, that is
 * the number of forward-mode transformations running (read from the call stack). But jit
 * caches its trace by argument shapes and differentiates the cached trace on later calls
 * without running any user code; so the form also stages a tripwire: a constant whose every
 * reference jax-js takes — jit hands each constant of its trace to jax-js again on every call
 * — counts the derivatives around that call and refuses beyond the exact order. A tripwire that
 * passes through a jit trace being built inside derivatives (jit(grad(jitted))) also carries
 * those derivatives, which apply to it whenever the enclosing trace is differentiated.
 */

/** The staged form of `call` under a jit trace: the rule's value, and its derivatives to {@link EXACT_ORDER}. */
export function staged(call: RuleCall, leaves: readonly unknown[]): unknown {
  const depth = differentiationDepth();
  if (typeof depth === 'string') throw unreadable(call.name, depth);
  if (depth.total > EXACT_ORDER) throw tooDeep(call.name, depth.total, 'traced');
  return handedOn(() => {
    stageTripwire(call.name);
    const lin = { primals: [] as unknown[], tangents: [] as unknown[] };
    for (const v of leaves) {
      // Every traced leaf, whichever transformation it belongs to: values of an enclosing
      // grad closed over by the jitted function are constants of its trace, differentiated with it.
      if (isTracer(v)) {
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
    if (result === undefined) return call.primal('opted-out');
    // Each float output staged; a leaf with no derivative as it is.
    const outs = result.leaves.map(({ value, tangent }) => (tangent === undefined ? value : jaxApi.add(track(lax.stopGradient((value as JaxArray).ref)), tangent)));
    return treeWith(result.tree, outs);
  });
}

/** Derivatives counted so far inside jit traces that enclose the tripwire's, and where (each nesting counted once). */
interface Carried {
  inner: number;
  readonly seen: Set<string>;
}

/** A tripwire in the jit trace being built that counts the derivatives around every later call. */
function stageTripwire(rule: string): void {
  const carried: Carried = { inner: 0, seen: new Set() };
  plantTripwire(() => checkReuse(rule, carried));
}

function checkReuse(rule: string, carried: Carried): void {
  const depth = differentiationDepth();
  if (typeof depth === 'string') throw unreadable(rule, depth);
  const order = depth.total + carried.inner;
  if (order > EXACT_ORDER) throw tooDeep(rule, order, 'reused');
  // Inside a jit trace being built, within derivatives taken there: this trace becomes part of
  // that one, and those derivatives apply to it whenever that one is differentiated.
  if (depth.tracingJit && depth.insideJit > 0 && !carried.seen.has(depth.insideKey)) {
    carried.seen.add(depth.insideKey);
    carried.inner += depth.insideJit;
  }
}

const MOVE_JIT = 'Move jit outside the derivatives, as in jit(grad(grad(grad(f)))): there the rule meets their tracers and runs exactly at every order.';

function tooDeep(rule: string, order: number, when: 'traced' | 'reused'): RuleError {
  const what =
    when === 'traced'
      ? `the rule was called under jit inside ${order} nested differentiations`
      : `a jitted function holding the rule, traced before, is called inside ${order} nested differentiations; jit reuses its cached trace without running the rule again`;
  return new RuleError('unsupported', {
    rule,
    message: `${what}. jax-js differentiates a jit trace itself, and the adapter stages a rule's derivatives into it exact to order ${EXACT_ORDER} only.`,
    fix: MOVE_JIT,
  });
}

function unreadable(rule: string, why: string): RuleError {
  return new RuleError('unsupported', {
    rule,
    message: `the rule was called under jit, where the adapter stages its derivatives exact to order ${EXACT_ORDER} and must count the derivatives taken around the call to refuse more; it cannot count them here: ${why}.`,
    fix: `${MOVE_JIT} (The count needs V8's structured call sites: Node, Deno, Chrome and Edge give them.)`,
  });
}
