import { inspect } from 'node:util';
import { NoTangent, Tangent, ZeroTangent, frule, kwcall, rrule } from '@chainrules/core';
import { counts, foo } from './foo';

const show = (value: unknown): string => inspect(value, { breakLength: Infinity });

/** What the demo computes, so the test can check the numbers it prints. */
export interface SeedResults {
  readonly y: unknown;
  readonly slots: unknown[];
  readonly yDefault: unknown;
  readonly slotsDefault: unknown[];
  readonly dy: unknown;
  readonly counts: typeof counts;
}

/** Runs the seed case on plain numbers, printing each step through `print`. */
export function runSeed(print: (line: string) => void = console.log): SeedResults {
  print('foo(a, b, { c = 42 }) = a · b · c, with a rule that returns the derivative for c\n');

  const [y, pullback] = rrule(kwcall, { c: 3 }, foo, 2, 3)!;
  const slots = pullback(1);
  print('rrule(kwcall, { c: 3 }, foo, 2, 3)');
  print(`  y           = ${show(y)}`);
  print(`  pullback(1) = ${show(slots)}`);
  print(`                ā = ${show(slots[3])}, b̄ = ${show(slots[4])}, c̄ = ${show((slots[1] as Tangent).get('c'))} (the keyword argument's own slot)\n`);

  const [yDefault, pullbackDefault] = rrule(kwcall, {}, foo, 2, 3)!;
  const slotsDefault = pullbackDefault(1);
  print('rrule(kwcall, {}, foo, 2, 3)   c takes its default 42, a constant: no tangent is owed');
  print(`  y           = ${show(yDefault)}`);
  print(`  pullback(1) = ${show(slotsDefault)}\n`);

  const [, dy] = frule([NoTangent, new Tangent({ c: 1 }), NoTangent, ZeroTangent, ZeroTangent], kwcall, { c: 3 }, foo, 2, 3)!;
  print('frule([NoTangent, Tangent { c: 1 }, NoTangent, ZeroTangent, ZeroTangent], kwcall, { c: 3 }, foo, 2, 3)');
  print(`  ẏ           = ${show(dy)}   (∂y/∂c = a · b)\n`);

  print(`the rule ran: rrule ${counts.rrule}×, pullback ${counts.pullback}×, frule ${counts.frule}×`);
  return { y, slots, yDefault, slotsDefault, dy, counts: { ...counts } };
}
