/*
 * The suite's rules for edge cases: opted-out calls (on a function and on a method that reads
 * `this`), rules that throw, rules that declare inputs constant, static options that take
 * anything, and a rule whose derivatives call the rule itself. Counted like the seed's.
 */
import { z } from 'zod';
import { Tangent, ZeroTangent, defineRule, isZero, kw, namespaceOf, optOut, scale, thunk } from '@chainrules/core';
import type { ArrayApi } from '@chainrules/core';
import type { SuiteCounts, V } from './counts';

/** Message of the error the `fragile` rule throws on purpose. */
export const FRAGILE_MESSAGE = 'conformance: the fragile rule failed on purpose';

/** What `kpow` is a method of: `k` is read through `this` by the plain function. */
export interface KHolder {
  readonly k: number;
  kpow(this: KHolder, x: V, options: { p: number }): V;
}

/** The integer `p` of `power` and `kpow` calls is opted out of their rules. */
const integerP = (_x: unknown, options: unknown): boolean => Number.isInteger((options as { p?: unknown } | undefined)?.p);

/** x^p as exp(p·log x), for x > 0, and its derivative p·x^p/x. */
const powerOf = (xp: ArrayApi<V, V>, x: V, p: number): V => xp.exp(xp.multiply(p, xp.log(x)));
const slopeOf = (xp: ArrayApi<V, V>, x: V, p: number, y: V): V => xp.divide(xp.multiply(p, y), x);

/** The edge-case rules, counting into `counts`; `fragile` pushes the errors it throws to `thrown`. */
export function makeEdgeRules(counts: SuiteCounts, thrown: Error[]) {
  const fail = (): never => {
    const error = new Error(FRAGILE_MESSAGE);
    thrown.push(error);
    throw error;
  };

  /** power(x, { p }) = x^p as exp(p·log x), for x > 0; integer p is opted out of the rule. */
  const power = defineRule(
    (x: V, { p }: { p: number }): V => {
      counts.power.impl++;
      return powerOf(namespaceOf(x), x, p);
    },
    {
      name: 'power',
      kwargs: z.object({ p: z.number() }),
      rrule: (cfg, { p }, x) => {
        counts.power.rrule++;
        const { xp } = cfg;
        const y = powerOf(xp, x, p);
        return [
          y,
          (dy) => {
            counts.power.pullback++;
            return { args: [xp.multiply(dy, slopeOf(xp, x, p, y))] };
          },
        ];
      },
      frule: (cfg, { args: [dx] }, { p }, x) => {
        counts.power.frule++;
        const { xp } = cfg;
        const y = powerOf(xp, x, p);
        return [y, scale(slopeOf(xp, x, p, y), dx)];
      },
    },
  );
  optOut(power, integerP);

  /**
   * A method: `holder.kpow(x, { p }) = this.k·x^p` for x > 0; integer p is opted out. A rule
   * sees no `this`, so the rules use `holder.k`: only the plain function (an opted-out call)
   * may run on another holder, and it must get that holder as `this`.
   */
  const kpow = defineRule(
    function (this: KHolder, x: V, { p }: { p: number }): V {
      counts.kpow.impl++;
      return namespaceOf(x).multiply(this.k, powerOf(namespaceOf(x), x, p));
    },
    {
      name: 'kpow',
      kwargs: z.object({ p: z.number() }),
      rrule: (cfg, { p }, x) => {
        counts.kpow.rrule++;
        const { xp } = cfg;
        const y = powerOf(xp, x, p);
        return [
          xp.multiply(holder.k, y),
          (dy) => {
            counts.kpow.pullback++;
            return { args: [xp.multiply(dy, xp.multiply(holder.k, slopeOf(xp, x, p, y)))] };
          },
        ];
      },
      frule: (cfg, { args: [dx] }, { p }, x) => {
        counts.kpow.frule++;
        const { xp } = cfg;
        const y = powerOf(xp, x, p);
        return [xp.multiply(holder.k, y), scale(xp.multiply(holder.k, slopeOf(xp, x, p, y)), dx)];
      },
    },
  );
  optOut(kpow, integerP);
  const holder: KHolder = { k: 3, kpow };

  /** fragile(x, { at = 'pullback' }) = 2x, whose pullback (or, at 'rrule', whose rrule itself) and frule throw. */
  const fragile = defineRule(
    (x: V, _options: { at?: 'pullback' | 'rrule' } = {}): V => {
      counts.fragile.impl++;
      return namespaceOf(x).multiply(2, x);
    },
    {
      name: 'fragile',
      kwargs: z.object({ at: z.enum(['pullback', 'rrule']).default('pullback') }),
      rrule: (cfg, { at }, x) => {
        counts.fragile.rrule++;
        if (at === 'rrule') return fail();
        return [
          cfg.xp.multiply(2, x),
          () => {
            counts.fragile.pullback++;
            return fail();
          },
        ];
      },
      frule: () => {
        counts.fragile.frule++;
        return fail();
      },
    },
  );

  const gateValue = (xp: ArrayApi<V, V>, x: V, y: V, c: V, d: V): V => xp.add(xp.add(x, xp.multiply(y, c)), d);

  /**
   * gate(x, y, { c = 1, inner: { d = 0 }, how }) = x + y·c + d, whose rules declare y and the
   * options constants. Its pullback gives a thunk for x, `ZeroTangent` for y, and `ZeroTangent`
   * for the options (how 'whole') or for each option leaf (how 'field'); its frule gives
   * ẏ = ẋ and ignores the other tangents, so only an adapter that uses the frule's ẏ — and
   * none of the engine's own tangents — agrees with it.
   */
  const gate = defineRule(
    (x: V, y: V, { c = 1, inner = {} }: { c?: V; inner?: { d?: V }; how?: 'whole' | 'field' } = {}): V => {
      counts.gate.impl++;
      const d = inner.d ?? 0;
      return gateValue(namespaceOf(x, y, c, d), x, y, c, d);
    },
    {
      name: 'gate',
      kwargs: z.object({
        c: kw.diff().default(1),
        inner: z.object({ d: kw.diff().default(0) }).optional(),
        how: z.enum(['whole', 'field']).default('whole'),
      }),
      rrule: (cfg, opts, x, y) => {
        counts.gate.rrule++;
        const { c, inner, how } = opts;
        return [
          gateValue(cfg.xp, x, y, c, inner?.d ?? 0),
          (dy) => {
            counts.gate.pullback++;
            const leaves = new Tangent<typeof opts>({ c: ZeroTangent, inner: new Tangent<NonNullable<typeof inner>>({ d: ZeroTangent }) });
            return { args: [thunk(() => dy), ZeroTangent], kwargs: how === 'whole' ? ZeroTangent : leaves };
          },
        ];
      },
      frule: (cfg, { args: [dx] }, { c, inner }, x, y) => {
        counts.gate.frule++;
        return [gateValue(cfg.xp, x, y, c, inner?.d ?? 0), dx];
      },
    },
  );

  /** tagged(x, { mode?, prior?: { mu?, label? } }) = 2x + mu; `mode` and `prior.label` are static and take anything. */
  const tagged = defineRule(
    (x: V, { prior }: { mode?: unknown; prior?: { mu?: V; label?: unknown } } = {}): V => {
      counts.tagged.impl++;
      const mu = prior?.mu ?? 0;
      const xp = namespaceOf(x, mu);
      return xp.add(xp.multiply(2, x), mu);
    },
    {
      name: 'tagged',
      kwargs: z.object({ mode: z.any().optional(), prior: z.object({ mu: kw.diff().optional(), label: z.any().optional() }).optional() }),
      rrule: (cfg, opts, x) => {
        counts.tagged.rrule++;
        const { prior } = opts;
        const { xp } = cfg;
        return [
          xp.add(xp.multiply(2, x), prior?.mu ?? 0),
          (dy) => {
            counts.tagged.pullback++;
            return { args: [xp.multiply(2, dy)], kwargs: new Tangent<typeof opts>({ prior: new Tangent<NonNullable<typeof prior>>({ mu: dy }) }) };
          },
        ];
      },
    },
  );

  /** expm(x) = exp(x), whose pullback and frule call expm itself: every derivative goes through the rule. */
  const expm: (x: V) => V = defineRule(
    (x: V): V => {
      counts.expm.impl++;
      return namespaceOf(x).exp(x);
    },
    {
      name: 'expm',
      rrule: (cfg, _opts, x) => {
        counts.expm.rrule++;
        return [
          cfg.xp.exp(x),
          (dy) => {
            counts.expm.pullback++;
            return { args: [cfg.xp.multiply(dy, expm(x))] };
          },
        ];
      },
      frule: (cfg, { args: [dx] }, _opts, x) => {
        counts.expm.frule++;
        return [cfg.xp.exp(x), isZero(dx) ? dx : scale(expm(x), dx)];
      },
    },
  );

  return { power, holder, fragile, gate, tagged, expm };
}
