/*
 * The suite's rules for "never silently wrong": a positional container, a positional count the
 * rule declares static, and rules whose derivatives are wrong in the ways that once became
 * silent zeros or silently wrong numbers (a summed cotangent, NoTangent where a derivative
 * exists). Counted like the seed's.
 */
import { z } from 'zod';
import { NoTangent, Tangent, ZeroTangent, defineRule, kw, namespaceOf, scale, thunk } from '@chainrules/core';
import type { SuiteCounts, V } from './counts';

/** How `squash`'s pullback breaks: a cotangent summed to a scalar (or to `[1]`) for a vector, or none of that. */
export type SquashHow = 'fine' | 'arg-scalar' | 'arg-one' | 'option-scalar';

/** How `hollow`'s pullback says "no derivative" where one exists. */
export type HollowHow = 'arg' | 'thunk' | 'option';

/** The strict rules, counting into `counts`. */
export function makeStrictRules(counts: SuiteCounts) {
  /** bagged(x, bag) = 2x: `bag` is any value (a Map, a Set, an object), passed positionally, and has no derivative here. */
  const bagged = defineRule(
    (x: V, _bag: unknown): V => {
      counts.bagged.impl++;
      return namespaceOf(x).multiply(2, x);
    },
    {
      name: 'bagged',
      rrule: (cfg, _opts, x) => {
        counts.bagged.rrule++;
        return [
          cfg.xp.multiply(2, x),
          (dy) => {
            counts.bagged.pullback++;
            return { args: [cfg.xp.multiply(2, dy), ZeroTangent] };
          },
        ];
      },
      frule: (cfg, { args: [dx] }, _opts, x) => {
        counts.bagged.frule++;
        return [cfg.xp.multiply(2, x), scale(2, dx)];
      },
    },
  );

  /** picked(x, n) = n·x, where the count n is declared static (staticArgs: [1]). */
  const picked = defineRule(
    (x: V, n: number): V => {
      counts.picked.impl++;
      return namespaceOf(x).multiply(n, x);
    },
    {
      name: 'picked',
      staticArgs: [1],
      rrule: (cfg, _opts, x, n) => {
        counts.picked.rrule++;
        return [
          cfg.xp.multiply(n, x),
          (dy) => {
            counts.picked.pullback++;
            return { args: [cfg.xp.multiply(n, dy), NoTangent] };
          },
        ];
      },
      frule: (cfg, { args: [dx] }, _opts, x, n) => {
        counts.picked.frule++;
        return [cfg.xp.multiply(n, x), scale(n, dx)];
      },
    },
  );

  /**
   * squash(x, { c, how }) = x·c, reverse rule only, whose pullback (how ≠ 'fine') sums a
   * cotangent that has the shape of a vector input down to a scalar or to `[1]` — the bug that an
   * engine broadcasting it back up turns into a wrong number.
   */
  const squash = defineRule(
    (x: V, { c = 1 }: { c?: V; how?: SquashHow } = {}): V => {
      counts.squash.impl++;
      return namespaceOf(x, c).multiply(x, c);
    },
    {
      name: 'squash',
      kwargs: z.object({ c: kw.diff().default(1), how: z.enum(['fine', 'arg-scalar', 'arg-one', 'option-scalar']).default('fine') }),
      rrule: (cfg, opts, x) => {
        counts.squash.rrule++;
        const { c, how } = opts;
        const { xp } = cfg;
        return [
          xp.multiply(x, c),
          (dy) => {
            counts.squash.pullback++;
            const dx = xp.multiply(dy, c);
            const dc = xp.multiply(dy, x);
            return {
              args: [how === 'arg-scalar' ? xp.sum(dx) : how === 'arg-one' ? xp.reshape(xp.sum(dx), [1]) : dx],
              kwargs: new Tangent<typeof opts>({ c: how === 'option-scalar' ? xp.sum(dc) : dc }),
            };
          },
        ];
      },
    },
  );

  /** hollow(x, y, { c }) = x·y·c, reverse rule only, whose pullback gives NoTangent (bare, thunked, or for c) where a derivative exists. */
  const hollow = defineRule(
    (x: V, y: V, { c = 1 }: { c?: V; how?: HollowHow } = {}): V => {
      counts.hollow.impl++;
      const xp = namespaceOf(x, y, c);
      return xp.multiply(xp.multiply(x, y), c);
    },
    {
      name: 'hollow',
      kwargs: z.object({ c: kw.diff().default(1), how: z.enum(['arg', 'thunk', 'option']).default('arg') }),
      rrule: (cfg, opts, x, y) => {
        counts.hollow.rrule++;
        const { c, how } = opts;
        const { xp } = cfg;
        return [
          xp.multiply(xp.multiply(x, y), c),
          (dy) => {
            counts.hollow.pullback++;
            const dx = xp.multiply(dy, xp.multiply(y, c));
            const dydy = how === 'arg' ? NoTangent : how === 'thunk' ? thunk(() => NoTangent) : xp.multiply(dy, xp.multiply(x, c));
            return { args: [dx, dydy as never], kwargs: new Tangent<typeof opts>({ c: how === 'option' ? NoTangent : xp.multiply(dy, xp.multiply(x, y)) }) };
          },
        ];
      },
    },
  );

  /** flat(x) = 2x, whose frule says the output has no derivative (NoTangent as ẏ). */
  const flat = defineRule(
    (x: V): V => {
      counts.flat.impl++;
      return namespaceOf(x).multiply(2, x);
    },
    {
      name: 'flat',
      frule: (cfg, _tangents, _opts, x) => {
        counts.flat.frule++;
        return [cfg.xp.multiply(2, x), NoTangent];
      },
    },
  );

  return { bagged, picked, squash, hollow, flat };
}
