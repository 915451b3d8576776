import { NoTangent, ZeroTangent, frule, isNoTangent, isTangent, isZero, rrule, thunk, unthunk } from '@chainrules/core';
import type { Pullback } from '@chainrules/core';
import { tangentFrom } from './context';
import type { CheckContext, Direction, Input } from './context';
import { describeShort, dotLeaf, isLeaf, leavesOf, pathName, tangentAtPath } from './tree';

/*
 * The contracts as the checks call them, and the reading of their raw tuples back into one
 * number per input: ⟨x̄ᵢ, vᵢ⟩ for a cotangent, with every kind problem reported by slot.
 */

/** `rrule` of the checked call; fails with `no-rule` when there is none. */
export function reverse(ctx: CheckContext): readonly [unknown, Pullback] {
  const result = ctx.guard(() => (rrule as (...input: unknown[]) => ReturnType<typeof rrule>)(...ctx.configArgs, ...ctx.contractArgs()), undefined);
  if (result === undefined) {
    ctx.fail('no-rule', undefined, ctx.call.hasReverse
      ? 'rrule returned undefined: an optOut predicate opted these inputs out, so there is nothing to check here.'
      : 'the function has no reverse rule (defineRule was given no rrule).');
  }
  return result;
}

/** The named slots of a raw pullback tuple, with its length and fixed slots checked. */
export interface NamedSlots {
  readonly self: unknown;
  readonly args: readonly unknown[];
  readonly kwargs: unknown;
}

export function nameSlots(ctx: CheckContext, raw: unknown, trailing = false): NamedSlots {
  const n = ctx.args.length;
  const hasKw = ctx.kwargs !== undefined;
  const expected = n + (hasKw ? (trailing ? 2 : 3) : 1);
  if (!Array.isArray(raw) || raw.length !== expected) {
    ctx.fail('tangent-kind', 'pullback', `the pullback returned ${Array.isArray(raw) ? `${raw.length} slots` : describeShort(raw)}, expected ${expected} (${hasKw ? (trailing ? 'f̄, x̄…, k̄w' : 'kwcall, k̄w, f̄, x̄…') : 'f̄, x̄…'}).`);
  }
  if (!hasKw) return { self: raw[0], args: raw.slice(1), kwargs: undefined };
  if (trailing) return { self: raw[0], args: raw.slice(1, 1 + n), kwargs: raw[1 + n] };
  if (!isNoTangent(raw[0])) ctx.fail('zero-kind', 'kwcall', `the kwcall slot holds ${describeShort(raw[0])}; kwcall itself has no derivative (NoTangent).`);
  return { self: raw[2], args: raw.slice(3), kwargs: raw[1] };
}

/**
 * Checks the slots that must be `NoTangent` (the function itself, static arguments, options
 * with no differentiable field passed) and returns ⟨slot, direction⟩ for each input.
 */
export function readSlots(ctx: CheckContext, slots: NamedSlots, directions: ReadonlyMap<Input, Direction>, what: 'cotangent' | 'tangent'): Map<Input, number> {
  mustBeNoTangent(ctx, slots.self, 'self', 'the function is a plain function with no differentiable state');
  for (const index of ctx.staticArgs) {
    mustBeNoTangent(ctx, slots.args[index], `args[${index}]`, `${describeShort(ctx.args[index])} has no derivative`);
  }
  const kwargInputs = ctx.inputs.filter((input) => input.kind === 'kwarg');
  if (ctx.kwargs !== undefined && kwargInputs.length === 0) {
    mustBeNoTangent(ctx, slots.kwargs, 'kwargs', 'the call passed no differentiable option');
  }
  const optionTangents = kwargInputs.length === 0 ? [] : ctx.guard(() => ctx.call.optionTangents(slots.kwargs), 'kwargs');
  const dots = new Map<Input, number>();
  for (const input of ctx.inputs) {
    const root = input.kind === 'arg' ? slots.args[input.index] : optionTangents[kwargInputs.indexOf(input)];
    const direction = directions.get(input)!;
    let sum = 0;
    input.leaves.forEach((leaf, k) => {
      const slot = pathName(input.slot, leaf.path);
      const tangent = tangentAtPath(root, leaf.path);
      if (isNoTangent(tangent)) {
        ctx.fail('zero-kind', slot, `got NoTangent, but ${slot} = ${describeShort(leaf.value)} has a derivative: return ZeroTangent where it is zero${input.kind === 'arg' ? ', or list the argument in nonDifferentiable if it really has none' : ''}.`);
      }
      const reading = dotLeaf(tangent, direction[k]!);
      if (!reading.ok) {
        ctx.fail('tangent-kind', slot, `the ${what} of ${slot} = ${describeShort(leaf.value)} is ${reading.problem}; expected a number or an array of the input's shape, or a zero.`);
      }
      sum += reading.value;
    });
    dots.set(input, sum);
  }
  return dots;
}

function mustBeNoTangent(ctx: CheckContext, tangent: unknown, slot: string, reason: string): void {
  const value = unthunk(tangent);
  if (isNoTangent(value)) return;
  const kind = isZero(value) ? 'zero-kind' : 'tangent-kind';
  ctx.fail(kind, slot, `got ${describeShort(value)}, but ${reason}: its tangent is NoTangent${isZero(value) ? ' (ZeroTangent means a derivative that exists and is zero)' : ''}.`);
}

/** The raw frule tangent tuple with each input's tangent from `tangents` (a zero where absent). */
export function tangentTuple(ctx: CheckContext, tangents: ReadonlyMap<Input, Direction>, lazy = false): unknown[] {
  const wrap = (value: unknown): unknown => (lazy ? thunk(() => value) : value);
  const argTangents = ctx.args.map((_, index) => {
    const input = ctx.inputs.find((candidate) => candidate.kind === 'arg' && candidate.index === index);
    if (input === undefined) return NoTangent;
    const direction = tangents.get(input);
    return direction === undefined ? ZeroTangent : wrap(tangentFrom(input.leaves, direction));
  });
  if (ctx.kwargs === undefined) return [NoTangent, ...argTangents];
  // An option input is one leaf (a number or an array): its direction has one entry.
  const optionLeaves = ctx.inputs.filter((input) => input.kind === 'kwarg').map((input) => tangents.get(input)?.[0] ?? ZeroTangent);
  const kwTangent = optionLeaves.every((tangent) => tangent === ZeroTangent) ? ZeroTangent : ctx.call.optionsTangent(optionLeaves);
  return [NoTangent, wrap(kwTangent), NoTangent, ...argTangents];
}

/** `frule` of the checked call with the given input tangents; fails with `no-rule` when there is none. */
export function forward(ctx: CheckContext, tangents: ReadonlyMap<Input, Direction>, lazy = false): readonly [unknown, unknown] {
  const tuple = tangentTuple(ctx, tangents, lazy);
  const result = ctx.guard(() => (frule as (...input: unknown[]) => ReturnType<typeof frule>)(...ctx.configArgs, tuple, ...ctx.contractArgs()), undefined);
  if (result === undefined) {
    ctx.fail('no-rule', undefined, ctx.call.hasForward
      ? 'frule returned undefined: an optOut predicate opted these inputs out, so there is nothing to check here.'
      : 'the function has no forward rule (defineRule was given no frule).');
  }
  return result;
}

/**
 * ⟨w, ẏ⟩ for an output tangent `ẏ` of primal output `y` and weights `w` (a cotangent of `y`),
 * summed over `y`'s leaves; a tangent of the wrong kind or shape fails the check.
 */
export function outputPairing(ctx: CheckContext, weights: unknown, tangent: unknown, y: unknown): number {
  let sum = 0;
  const ydot = unthunk(tangent);
  if (!isZero(ydot) && !isLeaf(ydot) && !isTangent(ydot)) {
    ctx.fail('tangent-kind', 'y', `the frule returned ${describeShort(ydot)} as the output tangent; expected a number, an array of the output's shape, a Tangent or a zero.`);
  }
  for (const { path, value } of leavesOf(y)) {
    const part = tangentAtPath(ydot, path);
    const w = tangentAtPath(weights, path);
    const reading = isLeaf(w) ? dotLeaf(part, w) : { ok: true as const, value: 0 };
    if (!reading.ok) ctx.fail('tangent-kind', pathName('y', path), `the output tangent is ${reading.problem}.`);
    if (isNoTangent(part)) ctx.fail('zero-kind', pathName('y', path), `the output tangent is NoTangent, but the output ${describeShort(value)} has a derivative: use ZeroTangent for a zero.`);
    sum += reading.value;
  }
  return sum;
}
