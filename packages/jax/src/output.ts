import type { Array as JaxArray } from '@jax-js/jax';
import { RuleError, isZero, unthunk } from '@chainrules/core';
import { findValue, isContainer, treeLeaves } from '@chainrules/core/adapter';
import type { RuleCall } from '@chainrules/core/adapter';
import { isJaxValue, jaxApi } from './jaxApi';

/*
 * A rule's output as the adapter hands it to jax-js: one array, or a tree of outputs — a tuple
 * `[energy, forces]` or a record `{ value, aux }` (plain lists and records, nested), as jax-js
 * reads a function's output. Each leaf is differentiable (a float array) or has no derivative
 * (an integer or boolean array, a plain number inside a tree, a string, a flag), as in jax-js,
 * where integer outputs carry zero tangents of their own dtype and `grad` refuses them.
 */

/** One leaf of a rule's output: its value and where it stands (`output`, `output[1]`, `output.aux`). */
export interface OutputLeaf {
  readonly value: unknown;
  readonly slot: string;
  /** A float jax-js array: it gets a tangent (and, for a rule with only an rrule, a cotangent). */
  readonly differentiable: boolean;
}

/** Where a leaf of the output stands, as core names slots: `output[1]`, `output.aux`. */
const slotOf = (path: readonly (string | number)[]): string => path.reduce<string>((name, key) => (typeof key === 'number' ? `${name}[${key}]` : `${name}.${key}`), 'output');

/** The floating dtypes of jax-js: the only ones it differentiates. */
const isFloat = (x: JaxArray): boolean => x.dtype.startsWith('float');

/**
 * The output `y` of `call`'s rule, checked, and its leaves. An output that is one value must be
 * a jax-js array or a number (made an array, as before trees existed). Inside a tree, a jax-js
 * value hidden in a class instance, a Map or a Set is refused: jax-js would not see it, and its
 * derivative would be lost.
 */
export function outputOf(call: RuleCall, y: unknown): { tree: unknown; leaves: OutputLeaf[] } {
  if (!isContainer(y)) {
    if (isJaxValue(y)) return { tree: y, leaves: [{ value: y, slot: 'output', differentiable: isFloat(y) }] };
    if (typeof y === 'number') {
      const value = jaxApi.asarray(y);
      return { tree: value, leaves: [{ value, slot: 'output', differentiable: true }] };
    }
    throw new RuleError('unsupported', {
      rule: call.name,
      slot: 'output',
      message: `the rule returned ${y === null ? 'null' : typeof y} as its output; the jax-js adapter runs rules whose output is a jax-js array, a number, or a tuple or a record of them.`,
      fix: 'Return a jax-js array (made with cfg.xp), or a plain list or record of arrays for several outputs.',
    });
  }
  const leaves = treeLeaves(y, { rule: call.name, slot: 'output' }).map(({ value, path }): OutputLeaf => {
    const slot = slotOf(path);
    if (isJaxValue(value)) return { value, slot, differentiable: isFloat(value) };
    if (typeof value === 'object' && value !== null && findValue(value, isJaxValue, { rule: call.name, slot }) !== undefined) {
      throw new RuleError('unsupported', {
        rule: call.name,
        slot,
        message: 'the rule returned a jax-js array inside a class instance, a Map or a Set among its outputs; jax-js reads plain lists and records only, so that array would get no derivative.',
        fix: 'Return several outputs as a plain list or a plain record of arrays.',
      });
    }
    return { value, slot, differentiable: false };
  });
  return { tree: y, leaves };
}

/**
 * Refuses a tangent other than a zero for an output with no derivative: an integer or boolean
 * array, or a plain value in a tree. jax-js gives such outputs zero tangents, so a nonzero one
 * from the frule would be dropped silently.
 */
export function noTangentFor(call: RuleCall, leaf: OutputLeaf, tangent: unknown): void {
  const t = unthunk(tangent);
  if (isZero(t)) return;
  const what = isJaxValue(leaf.value) ? `a ${leaf.value.dtype} array` : typeof leaf.value === 'number' ? 'a plain number' : 'a value jax-js does not differentiate';
  throw new RuleError('tangent-mismatch', {
    rule: call.name,
    slot: leaf.slot,
    message: `the frule returned a tangent for an output that is ${what}, which has no derivative under jax-js (its tangent is zero), so the tangent would be dropped.`,
    fix: isJaxValue(leaf.value)
      ? 'Return NoTangent for integer and boolean outputs (or make the output a float array, with cfg.xp, if it is differentiable).'
      : 'Return NoTangent for it, or return the output as a jax-js array (cfg.xp.asarray) if it is differentiable.',
  });
}
