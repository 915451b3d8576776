import { NoTangent, ZeroTangent, frule, isNoTangent, isNotImplemented, isTangent, isZero, rrule, thunk, unthunk } from '@chainrules/core';
import type { Pullback } from '@chainrules/core';
import { tangentFrom } from './context';
import type { CheckContext, Direction, Input } from './context';
import { copyLeaf, describeShort, dotLeaf, isLeaf, isPlainRecord, leavesOf, pathName, snapshot, tangentAtPath } from './tree';
import type { Path } from './tree';

/*
 * The contracts as the checks call them, and the reading of their raw tuples back into one
 * tangent per input, with every kind, structure and zero problem reported by slot.
 */

type Contract = (...input: unknown[]) => unknown;

/** `rrule` of the checked call (at `at`, when given); fails with `no-rule` when there is none. */
export function reverse(ctx: CheckContext, plain: unknown, at?: { readonly args: readonly unknown[]; readonly kwargs: unknown }): readonly [unknown, Pullback] {
  const result = ctx.guard(() => (rrule as Contract)(...ctx.configArgs, ...ctx.contractArgs(at)), undefined) as ReturnType<typeof rrule>;
  if (result === undefined) {
    ctx.fail('no-rule', undefined, ctx.call.hasReverse
      ? 'rrule returned undefined: an optOut predicate opted these inputs out, so there is nothing to check here.'
      : 'the function has no reverse rule (defineRule was given no rrule).');
  }
  ctx.checkUnchanged();
  if (at === undefined) ctx.checkPrimal(result[0], plain);
  return result;
}

/** The named slots of a raw pullback tuple. */
export interface NamedSlots {
  readonly self: unknown;
  readonly args: readonly unknown[];
  readonly kwargs: unknown;
}

/** Names the slots of a raw pullback tuple, with its length and its kwcall slot checked. */
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
 * Checks every slot of a pullback's (or frule's) tangents against its primal — `NoTangent`
 * for the function, static values and marked numbers; `Tangent`s of the right backing and
 * fields for records and tuples; leaves of the input's shape — and returns each input's tangent.
 */
/**
 * Sets aside the inputs whose derivative the rule leaves unimplemented (`notImplemented(reason)`
 * in the first pullback's slots): they are reported, and not checked, from then on.
 */
export function setAsideNotImplemented(ctx: CheckContext, slots: NamedSlots, directions: Map<Input, Direction>): void {
  for (const input of [...ctx.inputs]) {
    const tangent = unthunk(input.kind === 'arg' ? tangentAtPath(slots.args[input.index], input.path) : tangentAtPath(slots.kwargs, input.path));
    if (!isNotImplemented(tangent)) continue;
    ctx.setAside(input, `not implemented ${input.slot} (${tangent.reason})`);
    directions.delete(input);
  }
}

export function readTangents(ctx: CheckContext, slots: NamedSlots, what: 'cotangent' | 'tangent'): Map<Input, unknown> {
  mustBeNoTangent(ctx, slots.self, 'self', 'the function is a plain function with no differentiable state (testRrule cannot check the tangent of a closure’s captured state)');
  ctx.args.forEach((arg, index) => checkTangentOf(ctx, arg, slots.args[index], `args[${index}]`, (path) => ctx.isMarked([index, ...path]), what));
  const kwargInputs = ctx.inputs.filter((input) => input.kind === 'kwarg');
  if (ctx.kwargs !== undefined && kwargInputs.length === 0 && !ctx.setAsideInputs.some((input) => input.kind === 'kwarg')) {
    mustBeNoTangent(ctx, slots.kwargs, 'kwargs', 'the call passed no differentiable option');
  }
  const optionTangents = kwargInputs.map((input) => tangentAtPath(slots.kwargs, input.path) ?? ZeroTangent);
  const tangents = new Map<Input, unknown>();
  for (const input of ctx.inputs) {
    const tangent = unthunk(input.kind === 'arg' ? tangentAtPath(slots.args[input.index], input.path) : optionTangents[kwargInputs.indexOf(input)]);
    if (isNotImplemented(tangent)) {
      ctx.fail('tangent-kind', input.slot, `the ${what} of ${input.slot} is NotImplemented here, though it was implemented for the first cotangent checked: a rule leaves a derivative unimplemented always or never.`);
    }
    if (isNoTangent(tangent)) {
      ctx.fail('zero-kind', input.slot, `got NoTangent, but ${input.slot} = ${describeShort(input.value)} has a derivative: return ZeroTangent where it is zero${input.kind === 'arg' ? ', or, if it really has none, declare it in the rule’s staticArgs (a count inside a record: list its path in nonDifferentiable)' : ''}.`);
    }
    const reading = dotLeaf(tangent ?? ZeroTangent, input.value);
    if (!reading.ok) {
      ctx.fail('tangent-kind', input.slot, `the ${what} of ${input.slot} = ${describeShort(input.value)} is ${reading.problem}; expected a number for a number, an array of the input's shape, or a zero.`);
    }
    tangents.set(input, tangent ?? ZeroTangent);
  }
  return tangents;
}

/** ⟨tangent, direction⟩ for each input. */
export function dots(tangents: ReadonlyMap<Input, unknown>, directions: ReadonlyMap<Input, Direction>): Map<Input, number> {
  const out = new Map<Input, number>();
  for (const [input, direction] of directions) {
    const reading = dotLeaf(tangents.get(input) ?? ZeroTangent, direction);
    out.set(input, reading.ok ? reading.value : Number.NaN);
  }
  return out;
}

function mustBeNoTangent(ctx: CheckContext, tangent: unknown, slot: string, reason: string): void {
  const value = unthunk(tangent);
  if (value === undefined || isNoTangent(value)) return;
  ctx.fail(isZero(value) ? 'zero-kind' : 'tangent-kind', slot, `got ${describeShort(value)}, but ${reason}: its tangent is NoTangent${isZero(value) ? ' (ZeroTangent means a derivative that exists and is zero)' : ''}.`);
}

/**
 * The structure of a tangent against its primal: zeros anywhere a derivative exists, `NoTangent`
 * (or nothing) where none does, a `Tangent` with the primal's backing and only its fields for a
 * record or a tuple. Leaves are read by {@link readTangents}.
 */
export function checkTangentOf(ctx: CheckContext, primal: unknown, tangent: unknown, slot: string, marked: (path: Path) => boolean, what: string, path: Path = []): void {
  const t = unthunk(tangent);
  if (isNotImplemented(t)) return; // left unimplemented by the rule: set aside, not checked
  if (typeof primal === 'function') {
    if (t === undefined || isZero(t)) return;
    ctx.fail('tangent-kind', slot, `got ${describeShort(t)} for a function argument; the checks cannot verify the tangent of a closure's captured state (return NoTangent, or check the closure's state as a record argument).`);
  }
  const differentiable = leavesOf(primal).some((leaf) => !marked([...path, ...leaf.path]));
  if (!differentiable) {
    mustBeNoTangent(ctx, t, slot, `${describeShort(primal)} has no derivative${marked(path) ? ' (marked nonDifferentiable)' : ''}`);
    return;
  }
  if (t === undefined || isZero(t) || isLeaf(primal)) return;
  if (!Array.isArray(primal) && !isPlainRecord(primal)) return;
  if (!isTangent(t)) {
    ctx.fail('tangent-kind', slot, `the ${what} of ${describeShort(primal)} is ${describeShort(t)}; a record or an array takes a Tangent of its fields.`);
  }
  const isArray = Array.isArray(primal);
  if (Array.isArray(t.backing) !== isArray) {
    ctx.fail('tangent-kind', slot, `the ${what} is a Tangent backed by ${Array.isArray(t.backing) ? 'an array' : 'a record'} for ${isArray ? 'an array' : 'a record'}; core's add cannot accumulate it with the engine's tangents.`);
  }
  const fields = t.backing as Record<string, unknown>;
  for (const key of t.keys()) {
    const field: string | number = isArray ? Number(key) : key;
    const has = isArray ? (field as number) < (primal as unknown[]).length : Object.prototype.hasOwnProperty.call(primal, key);
    if (!has) ctx.fail('tangent-kind', pathName(slot, [field]), `the ${what} has a field ${JSON.stringify(key)} that ${slot} does not have.`);
    checkTangentOf(ctx, (primal as Record<string | number, unknown>)[field], fields[key], pathName(slot, [field]), marked, what, [...path, field]);
  }
}

/** The raw frule tangent tuple with each input's tangent from `tangents` (a zero where absent). */
export function tangentTuple(ctx: CheckContext, tangents: ReadonlyMap<Input, Direction>, lazy = false): unknown[] {
  const wrap = (value: unknown): unknown => (lazy ? thunk(() => value) : value);
  // The rule gets copies: a rule that writes to its tangents must not corrupt the directions.
  const leafTangent = (input: Input): unknown => wrap(copyLeaf(tangents.get(input)!));
  const argTangents = ctx.args.map((_, index) => {
    const mine = ctx.inputsOf(index);
    if (mine.length === 0) return NoTangent;
    const present = mine.filter((input) => tangents.has(input));
    if (present.length === 0) return ZeroTangent;
    return wrap(tangentFrom(present.map((input) => ({ path: input.path, value: input.value })), present.map(leafTangent)));
  });
  if (ctx.kwargs === undefined) return [NoTangent, ...argTangents];
  const kwargInputs = ctx.inputs.filter((input) => input.kind === 'kwarg');
  const kwTangent = kwargInputs.some((input) => tangents.has(input))
    ? wrap(tangentFrom(kwargInputs, kwargInputs.map((input) => (tangents.has(input) ? leafTangent(input) : ZeroTangent))))
    : ZeroTangent;
  return [NoTangent, kwTangent, NoTangent, ...argTangents];
}

/** `frule` of the checked call with the given input tangents; fails with `no-rule` when there is none. */
export function forward(ctx: CheckContext, plain: unknown, tangents: ReadonlyMap<Input, Direction>, lazy = false): readonly [unknown, unknown] {
  const tuple = tangentTuple(ctx, tangents, lazy);
  const before = snapshot(tuple);
  const result = ctx.guard(() => (frule as Contract)(...ctx.configArgs, tuple, ...ctx.contractArgs()), undefined) as ReturnType<typeof frule>;
  if (result === undefined) {
    ctx.fail('no-rule', undefined, ctx.call.hasForward
      ? 'frule returned undefined: an optOut predicate opted these inputs out, so there is nothing to check here.'
      : 'the function has no forward rule (defineRule was given no frule).');
  }
  ctx.checkUnchanged();
  ctx.checkKept(before, tuple, 'ẋ', 'input tangents');
  ctx.checkPrimal(result[0], plain);
  return result;
}

/**
 * ⟨w, ẏ⟩ for an output tangent `ẏ` of the primal output `y` and weights `w` (a cotangent of
 * `y`), summed over `y`'s leaves; a tangent of the wrong kind, shape or structure fails.
 */
export function outputPairing(ctx: CheckContext, weights: unknown, tangent: unknown, y: unknown): number {
  const ydot = unthunk(tangent);
  if (!isZero(ydot) && !isLeaf(ydot) && !isTangent(ydot)) {
    ctx.fail('tangent-kind', 'y', `the frule returned ${describeShort(ydot)} as the output tangent; expected a number, an array of the output's shape, a Tangent or a zero.`);
  }
  checkTangentOf(ctx, y, ydot, 'y', () => false, 'output tangent');
  let sum = 0;
  for (const { path, value } of leavesOf(y)) {
    const part = unthunk(tangentAtPath(ydot, path));
    if (isNoTangent(part)) ctx.fail('zero-kind', pathName('y', path), `the output tangent is NoTangent, but the output ${describeShort(value)} has a derivative: use ZeroTangent for a zero.`);
    const reading = dotLeaf(part ?? ZeroTangent, value);
    if (!reading.ok) ctx.fail('tangent-kind', pathName('y', path), `the output tangent is ${reading.problem}.`);
    const w = tangentAtPath(weights, path);
    const weighted = isLeaf(w) ? dotLeaf(part ?? ZeroTangent, w) : { ok: true as const, value: 0 };
    sum += weighted.ok ? weighted.value : 0;
  }
  return sum;
}
